/**
 * The language server over stdio (`dma-scope lsp --stdio`): the Node host of
 * src/server/server.ts. Reads the wasm next to the bundle and the driver's
 * local headers from disk. Nothing may write to stdout but the protocol:
 * vscode-languageserver routes console.* to the client's log in --stdio mode,
 * and internal errors that escape a handler go to stderr, once each.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { readWasm, preferQuickWasmStartup, restartWithQuickWasm } from '../node/wasm';
import { replayPageHtml } from '../node/replayPage';
import { startServer, uriPath, ServerHost } from './server';
import { AnalysisAdapter } from './analysis';
import { rulesDocDir } from '../node/ruleDocs';
import { readKbuildFile } from '../node/moduleFolders';
import { ConfigLoader } from '../node/config';
import { formatProblem } from '../analysis/config';
import { nodeHeaderHost } from '../node/headerHost';
import { nodeDriverFolder } from '../node/driverFolder';
import { nodeProcessMemory, trimIdleHeap } from '../node/memory';

const MAX_HEADER_BYTES = 2 * 1024 * 1024;

export function nodeHost(extra: Partial<ServerHost> = {}): ServerHost {
  return {
    loadWasm: async () => readWasm(),
    readHeaders: async (uri, text) => {
      const file = uriPath(uri);
      if (!file) return [];
      const out: string[] = [];
      for (const inc of AnalysisAdapter.localIncludes(text)) {
        try {
          const h = path.resolve(path.dirname(file), inc);
          if (fs.statSync(h).size <= MAX_HEADER_BYTES) out.push(fs.readFileSync(h, 'utf8'));
        } catch {
          // a missing header only costs a size
        }
      }
      return out;
    },
    listSourceFiles: async (folders, limit) => {
      const out: string[] = [];
      const walk = async (dir: string): Promise<void> => {
        let entries: fs.Dirent[];
        try {
          entries = await fs.promises.readdir(dir, { withFileTypes: true });
        } catch {
          return; // unreadable folder
        }
        entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const e of entries) {
          if (out.length >= limit) return;
          const p = path.join(dir, e.name);
          if (e.isDirectory()) {
            if (!e.name.startsWith('.') && e.name !== 'node_modules') await walk(p);
          } else if (e.isFile() && /\.[ch]$/.test(e.name)) out.push(p);
        }
      };
      for (const f of folders) await walk(f);
      return out;
    },
    listFolderFiles: async (folder, limit) => {
      try {
        const entries = await fs.promises.readdir(folder, { withFileTypes: true });
        return entries.filter((e) => e.isFile() && /\.[ch]$/.test(e.name)).map((e) => e.name).sort().slice(0, limit).map((n) => path.join(folder, n));
      } catch {
        return []; // unreadable folder: no index
      }
    },
    readFile: (file) => fs.promises.readFile(file, 'utf8'),
    readMakefile: (folder) => readKbuildFile(folder),
    // the "Replay lifecycle" command's stitching: the CLI's bounded search of the document's folder
    driverSources: async (file, { only, openText }) => {
      const d = nodeDriverFolder(file, openText);
      const inDriver = (f: string): string => path.relative(d.root, f).split(path.sep).join('/');
      const names = only ? new Set(only.map(inDriver).filter((n) => !n.startsWith('../'))) : undefined;
      const found = await d.folder.sources(d.self, names);
      // named as seen from the document's folder (`../main.c` from a linked subfolder)
      return { ...found, files: found.files.map((f) => ({ ...f, name: path.relative(path.dirname(file), path.join(d.root, f.name)).split(path.sep).join('/') })) };
    },
    fileUri: (file) => pathToFileURL(file).href,
    // the "Replay lifecycle" command: the standalone page in the temp folder, one file per call site
    writeReplay: async (r) => {
      const file = uriPath(r.uri);
      const base = (file ? path.basename(file) : 'untitled').replace(/[^\w.-]+/g, '_');
      const dir = path.join(os.tmpdir(), 'dma-scope-replay');
      fs.mkdirSync(dir, { recursive: true });
      const out = path.join(dir, `${base}-${r.line}.html`);
      fs.writeFileSync(out, replayPageHtml({ trace: r.trace, title: r.title, platform: r.platform, source: `${file ?? r.uri}:${r.line}` }));
      return pathToFileURL(out).href;
    },
    ruleDocHref: (id) => {
      const dir = rulesDocDir();
      return dir ? pathToFileURL(path.join(dir, `${id}.md`)).href : `docs/rules/${id}.md`;
    },
    // read anew for every check: a small walk up, and an edited config takes effect at once
    repoConfig: (file) => {
      const loader = new ConfigLoader(path.dirname(file));
      const c = loader.forFile(file);
      return { rules: c.rules, excluded: loader.excluded(file), problems: [...loader.fatal, ...loader.problems].map((p) => `${formatProblem(p)} (ignored)`) };
    },
    sessionOptions: { headerHost: nodeHeaderHost() },
    processMemory: nodeProcessMemory,
    trimIdleHeap: () => void trimIdleHeap(),
    ...extra,
  };
}

/** Runs the server on stdin/stdout until the client sends `exit` (or closes stdin). */
export function runStdioServer(host: ServerHost = nodeHost()): void {
  // a quicker first check: the parser's wasm with Liftoff only (set now, or by running again with the flag)
  if (preferQuickWasmStartup() === 'restart') {
    restartWithQuickWasm();
    return;
  }
  if (!process.argv.includes('--stdio')) process.argv.push('--stdio');
  const seen = new Set<string>();
  const onFatal = (e: unknown): void => {
    const msg = (e as Error)?.message ?? String(e);
    if (seen.has(msg)) return;
    seen.add(msg);
    process.stderr.write(`dma-scope lsp: internal error: ${msg}\n`);
  };
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  const connection = createConnection(ProposedFeatures.all);
  startServer(connection, host);
}
