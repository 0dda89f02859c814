/** A regular file's text when it is at most `maxBytes` long; undefined when missing, unreadable, not a file or larger. */
import * as fs from 'fs';

export async function readTextUpTo(file: string, maxBytes: number): Promise<string | undefined> {
  try {
    const st = await fs.promises.stat(file);
    if (!st.isFile() || st.size > maxBytes) return undefined;
    return await fs.promises.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function readTextUpToSync(file: string, maxBytes: number): string | undefined {
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > maxBytes) return undefined;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
