/** The `[key=value]` fields of a dma-debug message, by stable camelCase names. */
import type { FieldValue } from './types';

const KEY_NAMES: Readonly<Record<string, string>> = {
  'device address': 'deviceAddress',
  size: 'size',
  'map size': 'mapSize',
  'unmap size': 'unmapSize',
  'allocation size': 'allocationSize',
  'sync offset+size': 'syncEnd',
  'map count': 'mapCount',
  'unmap count': 'unmapCount',
  'sync count': 'syncCount',
  'cpu alloc address': 'cpuAllocAddress',
  'cpu free address': 'cpuFreeAddress',
  addr: 'addr',
  'probable addr': 'probableAddr',
  len: 'len',
  max: 'max',
  start: 'start',
  end: 'end',
  boundary: 'boundary',
  count: 'count',
};

const WORD_FIELDS: ReadonlyArray<[RegExp, string]> = [
  [/^mapped as (.+)$/, 'mappedAs'],
  [/^unmapped as (.+)$/, 'unmappedAs'],
  [/^mapped with (.+)$/, 'mappedWith'],
  [/^unmapped with (.+)$/, 'unmappedWith'],
  [/^synced with (.+)$/, 'syncedWith'],
];

function camel(key: string): string {
  return key
    .replace(/\+/g, ' plus ')
    .trim()
    .split(/\s+/)
    .map((w, i) => (i === 0 ? w.toLowerCase() : w[0].toUpperCase() + w.slice(1).toLowerCase()))
    .join('');
}

/** Reads the `[key=value]` and `[mapped as X]` groups of a dma-debug message. */
export function parseFields(message: string): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  const re = /\[([^\[\]]*)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(message))) {
    const body = m[1].trim();
    const eq = body.indexOf('=');
    if (eq > 0) {
      const key = body.slice(0, eq).trim();
      let value = body.slice(eq + 1).trim();
      const name = KEY_NAMES[key] ?? camel(key);
      // %pa after a literal "0x" prints "0x0x…" in 6.12 (the CPU address fields)
      value = value.replace(/^0x0x/i, '0x');
      const num = /^(\d+)(?: bytes)?$/.exec(value);
      out[name] = num ? Number(num[1]) : value;
      continue;
    }
    for (const [wre, name] of WORD_FIELDS) {
      const w = wre.exec(body);
      if (w) out[name] = w[1].trim();
    }
  }
  return out;
}
