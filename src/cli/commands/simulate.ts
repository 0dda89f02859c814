/**
 * `dma-scope simulate <file.dmatrace|-> [--platform <id>|all] [--json]`
 *
 * Runs a buffer lifecycle on one platform preset (a step-by-step report with each hazard and why
 * it happens on that platform) or on all of them (a platforms × hazards matrix plus the reasons).
 * Platform: --platform, else the trace's `platform` line, else the `platform` of .dma-scope.json, else all.
 * Exit codes: 0 no hazard on the simulated platform(s); 1 at least one hazard (any kind, contract
 * violations and leaks included); 2 usage error, unreadable file or invalid trace (one line per error).
 */
import * as fs from 'fs';
import * as path from 'path';
import { CommandInfo, OptionSpec, UsageError, flagSpec, parseArgs } from '../args';
import { notTextReason } from '../../node/checkFiles';
import { PLATFORM_IDS, PlatformId, isPlatformId } from '../../model/platformIds';
import { PLATFORMS } from '../../model/platforms';
import { DATA_HAZARDS, Hazard, HAZARD_KINDS, HazardKind, SimResult, SimStep, parseTrace, simulate, sourceLabel, withSourceLines } from '../../model/sim';
import { wrap } from '../text';
import { ConfigLoader } from '../../node/config';

const SIMULATE_OPTIONS: readonly OptionSpec[] = [
  { name: '--platform', alias: '-p', value: 'ID|all', help: `A platform preset, or all for the platforms x hazards matrix:\n${PLATFORM_IDS.slice(0, 6).join(', ')},\n${PLATFORM_IDS.slice(6).join(', ')}.` },
  { name: '--json', help: 'Print the result as JSON.' },
];

export const simulateCommand: CommandInfo = {
  options: SIMULATE_OPTIONS,
  details: 'Input: a .dmatrace file (e.g. from dma-scope lifecycle), or - for standard input.\n\nExit codes: 0 no hazard; 1 at least one hazard; 2 usage error, unreadable, binary or invalid trace.\n\nExample:\n  dma-scope simulate examples/traces/rx-without-sync.dmatrace --platform arm64-noncoherent',
  name: 'simulate',
  usage: 'simulate <file.dmatrace|-> [--platform <id>|all] [--json]',
  summary: 'replay a buffer lifecycle on one platform (default: the trace\'s platform line) or all of them; exit 1 if any hazard',
  async run(argv, io) {
    const args = parseArgs(argv, flagSpec(SIMULATE_OPTIONS));
    if (args.positionals.length !== 1) throw new UsageError('expected exactly one trace file (or - for standard input)');
    const file = args.positionals[0];
    const plat = args.values.get('--platform');
    if (plat !== undefined && plat !== 'all' && !isPlatformId(plat)) {
      throw new UsageError(`unknown platform '${plat}' (one of: ${PLATFORM_IDS.join(', ')}, all)`);
    }
    let text: string;
    try {
      if (file === '-') text = await io.readStdin();
      else {
        const full = path.resolve(io.cwd, file);
        if (fs.statSync(full).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
        const buf = fs.readFileSync(full);
        const why = notTextReason(buf);
        if (why) {
          io.err(`dma-scope simulate: cannot read ${file}: not a trace (${why})\n`);
          return 2;
        }
        text = buf.toString('utf8');
      }
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      io.err(`dma-scope simulate: cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}\n`);
      return 2;
    }
    const shown = file === '-' ? '<stdin>' : file;
    if (file === '-') {
      const why = notTextReason(Buffer.from(text, 'utf8'));
      if (why) {
        io.err(`dma-scope simulate: cannot read standard input: not a trace (${why})\n`);
        return 2;
      }
    }
    const { trace, errors } = parseTrace(text);
    if (errors.length) {
      for (const e of errors) io.err(`dma-scope simulate: ${shown}:${e.line}: ${e.message}\n`);
      io.err(`dma-scope simulate: ${errors.length} error${errors.length === 1 ? '' : 's'} in the trace; nothing simulated\n`);
      return 2;
    }
    const fromConfig = plat === undefined && file !== '-' ? new ConfigLoader(io.cwd).forFile(file).platform : undefined;
    const target: PlatformId | 'all' = plat === 'all' ? 'all' : plat !== undefined ? (plat as PlatformId) : trace.platform && isPlatformId(trace.platform) ? trace.platform : fromConfig ?? 'all';
    if (target === 'all') {
      const results = PLATFORM_IDS.map((id) => simulate(trace, id, { snapshots: false }));
      if (args.flags.has('--json')) io.out(JSON.stringify(matrixJson(results)) + '\n');
      else io.out(matrixText(shown, results));
      return results.some((r) => r.hazards.length) ? 1 : 0;
    }
    const json = args.flags.has('--json');
    const r = simulate(trace, target);
    if (json) io.out(JSON.stringify(singleJson(r)) + '\n');
    else io.out(singleText(shown, r));
    return r.hazards.length ? 1 : 0;
  },
};

// ---- JSON (design.md §5) ---------------------------------------------------------------------
// `line` is the trace line (stable); `source` ({file?, line}) is the C location from the step's
// `# src=` comment, present only when the step carries one.

export function singleJson(r: SimResult): unknown {
  return {
    version: 1,
    platform: r.platform,
    steps: r.steps.map((s) => ({
      index: s.index,
      line: s.line,
      ...(s.source ? { source: s.source } : {}),
      op: s.op,
      text: s.text,
      hazards: s.hazards.map((h) => ({ kind: h.kind, detail: h.detail, why: h.why, ...sourceOf(h, r.steps) })),
      state: s.state,
    })),
    hazards: r.hazards.map((h) => hazardJson(h, r.steps)),
  };
}

function sourceOf(h: Hazard, steps: readonly SimStep[]): { source?: SimStep['source'] } {
  const src = steps[h.step]?.source;
  return src ? { source: src } : {};
}

function hazardJson(h: Hazard, steps: readonly SimStep[]): unknown {
  return { step: h.step, line: h.line, kind: h.kind, detail: h.detail, why: h.why, ...sourceOf(h, steps) };
}

export function matrixJson(results: SimResult[]): unknown {
  const matrix: Record<string, { hazards: unknown[] }> = {};
  for (const r of results) matrix[r.platform] = { hazards: r.hazards.map((h) => hazardJson(h, r.steps)) };
  return { version: 1, matrix };
}

// ---- text ------------------------------------------------------------------------------------


function summary(hs: Hazard[]): string {
  if (!hs.length) return 'no hazards';
  const counts = new Map<HazardKind, number>();
  for (const h of hs) counts.set(h.kind, (counts.get(h.kind) ?? 0) + 1);
  const parts = HAZARD_KINDS.filter((k) => counts.has(k)).map((k) => `${counts.get(k)} ${k}`);
  return `${hs.length} hazard${hs.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

export function singleText(file: string, r: SimResult): string {
  const p = PLATFORMS[r.platform];
  const out: string[] = [];
  out.push(`${file} on ${p.id}: ${p.label}`);
  out.push(wrap(p.description, '  '));
  out.push('');
  // the C location of each step (`# src=`) gets its own column when the trace has any
  const srcs = r.steps.map((s) => (s.source ? sourceLabel(s.source) : ''));
  const srcW = Math.max(0, ...srcs.map((x) => x.length));
  const srcCol = (x: string) => (srcW ? `  ${x.padStart(Math.max(srcW, 6))}` : '');
  const indent = ' '.repeat(13 + (srcW ? 2 + Math.max(srcW, 6) : 0));
  out.push(` step  line${srcCol('source')}  operation`);
  for (const s of r.steps) {
    let extra = '';
    if (/^dma_(map_|unmap_|alloc_|sync_)/.test(s.op)) {
      const ms = s.state.mappings.filter((m) => s.text.split(/\s+/)[1] === m.buffer);
      const m = ms[ms.length - 1];
      if (m) extra = `   [${m.path}, ${m.state}${m.path.includes('bounce') && m.bounce ? `, slot ${'0x' + m.bounce.addr.toString(16)}` : ''}]`;
    }
    out.push(`${String(s.index + 1).padStart(5)} ${String(s.line).padStart(5)}${srcCol(srcs[s.index])}  ${s.text}${extra}`);
    for (const h of s.hazards) {
      out.push(`${indent}${DATA_HAZARDS.includes(h.kind) ? '✗' : '!'} ${h.kind}: ${withSourceLines(h.detail, r.steps)}`);
      out.push(wrap(withSourceLines(h.why, r.steps), `${indent}  `));
    }
  }
  out.push('');
  out.push(`${summary(r.hazards)} on ${p.id}`);
  return out.join('\n') + '\n';
}

export function matrixText(file: string, results: SimResult[]): string {
  const out: string[] = [];
  const kinds = HAZARD_KINDS.filter((k) => results.some((r) => r.hazards.some((h) => h.kind === k)));
  out.push(`${file}: hazards per platform (count; ✗ = data corrupted on that platform)`);
  out.push('');
  const idW = Math.max(...PLATFORM_IDS.map((id) => id.length)) + 2;
  if (!kinds.length) {
    for (const r of results) out.push(`${r.platform.padEnd(idW)}ok`);
    out.push('');
    out.push('No hazards on any platform.');
    return out.join('\n') + '\n';
  }
  const colW = kinds.map((k) => Math.max(k.length, 4) + 2);
  out.push((''.padEnd(idW) + kinds.map((k, i) => k.padEnd(colW[i])).join('')).trimEnd());
  for (const r of results) {
    const cells = kinds.map((k, i) => {
      const n = r.hazards.filter((h) => h.kind === k).length;
      const c = n === 0 ? '·' : `${DATA_HAZARDS.includes(k) ? '✗' : ''}${n}`;
      return c.padEnd(colW[i]);
    });
    out.push(r.platform.padEnd(idW) + cells.join('').trimEnd());
  }
  // what is the same on every platform (contract findings), and what differs (with the reason)
  // contract findings read the same everywhere; others (e.g. USE_AFTER_UNMAP: silent or faulting)
  // are grouped only when their explanation is identical too
  const contract: HazardKind[] = ['OWNERSHIP_VIOLATION', 'API_MISUSE', 'LEAK'];
  const at = (r: SimResult, h: Hazard) => {
    const src = r.steps[h.step]?.source;
    return `line ${h.line}${src ? ` [src ${sourceLabel(src)}]` : ''}`;
  };
  const sig = (h: Hazard) => `${h.kind}|${h.line}|${h.detail}${contract.includes(h.kind) ? '' : `|${h.why}`}`;
  const everywhere = results[0].hazards.filter((h) => results.every((r) => r.hazards.some((x) => sig(x) === sig(h))));
  const common = new Set(everywhere.map(sig));
  if (everywhere.length) {
    out.push('');
    out.push('On every platform:');
    for (const h of everywhere) {
      out.push(`  ${at(results[0], h)}: ${h.kind}: ${withSourceLines(h.detail, results[0].steps)}`);
    }
  }
  const perPlatform = results.filter((r) => r.hazards.some((h) => !common.has(sig(h))));
  if (perPlatform.length) {
    out.push('');
    out.push('Per platform, and why:');
    for (const r of results) {
      const hs = r.hazards.filter((h) => !common.has(sig(h)));
      if (!hs.length) continue;
      out.push(`  ${r.platform} (${PLATFORMS[r.platform].label}):`);
      for (const h of hs) {
        out.push(`    ${at(r, h)}: ${h.kind}: ${withSourceLines(h.detail, r.steps)}`);
        out.push(wrap(withSourceLines(h.why, r.steps), '      '));
      }
    }
  }
  const clean = results.filter((r) => !r.hazards.some((h) => DATA_HAZARDS.includes(h.kind))).map((r) => r.platform);
  out.push('');
  out.push(clean.length ? `No data corrupted on: ${clean.join(', ')}${everywhere.length ? ' (the contract violations above still apply: they work there by luck)' : ''}.` : 'Data is corrupted on every platform.');
  return out.join('\n') + '\n';
}

