/**
 * Reads kernel logs (dmesg, `dmesg -T`, `dmesg -x`, journalctl -k, syslog
 * files, serial console captures) and picks out every report printed by
 * CONFIG_DMA_API_DEBUG (kernel/dma/debug.c), plus the vmalloc refusal WARN of
 * dma_map_single_attrs(). Pure: no Node, no vscode.
 *
 * A dma-debug report in 6.x looks like this (each line may carry a log prefix):
 *
 *   ------------[ cut here ]------------
 *   DMA-API: <driver> <device>: <message with [key=value] fields>
 *   WARNING: CPU: 2 PID: 77 at kernel/dma/debug.c:1024 check_unmap+0x6a5/0x8a0
 *   Modules linked in: ...
 *   CPU: ... Comm: ... / Hardware name: ... / register dump
 *   Call Trace:            (arm64: "Call trace:")
 *    ? __warn+0x89/0x130
 *    drv_rx_clean+0x8e/0x120 [drv]
 *   ---[ end trace 0000000000000000 ]---
 *   DMA-API: Mapped at:     (only when the check had the map-time entry)
 *    drv_rx_fill+0x55/0x100 [drv]
 *
 * Everything is optional: a capture cut anywhere still yields a report with
 * what could be read (`truncated` says so).
 */

/** Short stable names for the checks of kernel/dma/debug.c (dma-model.md §2.8 D1–D24). */
export type DmaDebugCheck =
  | 'map-stack' // D1
  | 'map-text-rodata' // D2
  | 'map-invalid-area' // D3
  | 'map-vmalloc' // D4 (and the dma_map_single_attrs refusal, which is what 6.12 prints)
  | 'overlap' // D5
  | 'overlap-limit' // D6
  | 'sg-segment-length' // D7
  | 'sg-segment-boundary' // D8
  | 'free-invalid' // D9
  | 'free-not-allocated' // D10
  | 'unmap-size' // D11
  | 'unmap-wrong-function' // D12
  | 'free-cpu-address' // D13
  | 'sg-nents' // D14
  | 'unmap-dir' // D15
  | 'map-error-not-checked' // D16
  | 'sync-not-allocated' // D17
  | 'sync-range' // D18
  | 'sync-dir' // D19
  | 'sync-ro-for-cpu' // D20
  | 'sync-wo-for-device' // D21
  | 'sync-sg-nents' // D22
  | 'leak-at-unbind' // D23
  | 'debug-disabled' // D24
  | 'unknown';

/** What kind of DMA call the offending code made, used to pick the call in the source. */
export type CallFamily = 'map' | 'unmap' | 'sync' | 'none';

export interface CheckInfo {
  check: DmaDebugCheck;
  /** the matching rule id of our static checker (dma-model.md §2), or null when none exists */
  rule: string | null;
  /** dma-model.md §2.8 number, e.g. 'D11' */
  model: string | null;
  /** the call the Call Trace points at (the one that tripped the check) */
  family: CallFamily;
  /** one-line title */
  title: string;
}

export const CHECKS: Readonly<Record<DmaDebugCheck, CheckInfo>> = {
  'map-stack': { check: 'map-stack', rule: 'map-stack', model: 'D1', family: 'map', title: 'maps memory from the stack' },
  'map-text-rodata': { check: 'map-text-rodata', rule: 'map-image', model: 'D2', family: 'map', title: 'maps kernel text or rodata' },
  'map-invalid-area': { check: 'map-invalid-area', rule: 'map-vmalloc', model: 'D3', family: 'map', title: 'maps memory that is not in the linear map' },
  'map-vmalloc': { check: 'map-vmalloc', rule: 'map-vmalloc', model: 'D4', family: 'map', title: 'maps vmalloc memory' },
  overlap: { check: 'overlap', rule: 'cacheline-share', model: 'D5', family: 'map', title: 'overlapping mappings of one cache line' },
  'overlap-limit': { check: 'overlap-limit', rule: 'map-leak', model: 'D6', family: 'map', title: 'too many overlapping mappings of one cache line' },
  'sg-segment-length': { check: 'sg-segment-length', rule: null, model: 'D7', family: 'map', title: 'sg segment longer than the device supports' },
  'sg-segment-boundary': { check: 'sg-segment-boundary', rule: null, model: 'D8', family: 'map', title: 'sg segment crosses the device boundary' },
  'free-invalid': { check: 'free-invalid', rule: 'double-unmap', model: 'D9', family: 'unmap', title: 'unmaps the error value' },
  'free-not-allocated': { check: 'free-not-allocated', rule: 'double-unmap', model: 'D10', family: 'unmap', title: 'unmaps memory that is not mapped' },
  'unmap-size': { check: 'unmap-size', rule: 'unmap-size-mismatch', model: 'D11', family: 'unmap', title: 'unmap size differs from the map size' },
  'unmap-wrong-function': { check: 'unmap-wrong-function', rule: 'unmap-wrong-family', model: 'D12', family: 'unmap', title: 'released with the wrong function' },
  'free-cpu-address': { check: 'free-cpu-address', rule: 'free-coherent-mismatch', model: 'D13', family: 'unmap', title: 'freed with a different CPU address' },
  'sg-nents': { check: 'sg-nents', rule: 'unmap-sg-nents', model: 'D14', family: 'unmap', title: 'sg list unmapped with a different entry count' },
  'unmap-dir': { check: 'unmap-dir', rule: 'unmap-dir-mismatch', model: 'D15', family: 'unmap', title: 'unmap direction differs from the map direction' },
  'map-error-not-checked': { check: 'map-error-not-checked', rule: 'map-error-unchecked', model: 'D16', family: 'unmap', title: 'map result never checked with dma_mapping_error()' },
  'sync-not-allocated': { check: 'sync-not-allocated', rule: 'sync-after-unmap', model: 'D17', family: 'sync', title: 'syncs memory that is not mapped' },
  'sync-range': { check: 'sync-range', rule: 'sync-out-of-range', model: 'D18', family: 'sync', title: 'sync outside the mapped range' },
  'sync-dir': { check: 'sync-dir', rule: 'sync-dir-mismatch', model: 'D19', family: 'sync', title: 'sync direction differs from the map direction' },
  'sync-ro-for-cpu': { check: 'sync-ro-for-cpu', rule: 'sync-ro-for-cpu', model: 'D20', family: 'sync', title: 'syncs device read-only memory for the CPU' },
  'sync-wo-for-device': { check: 'sync-wo-for-device', rule: 'sync-wo-for-device', model: 'D21', family: 'sync', title: 'syncs device write-only memory for the device' },
  'sync-sg-nents': { check: 'sync-sg-nents', rule: 'unmap-sg-nents', model: 'D22', family: 'sync', title: 'sg list synced with a different entry count' },
  'leak-at-unbind': { check: 'leak-at-unbind', rule: 'map-leak', model: 'D23', family: 'none', title: 'mappings still live when the driver unbound' },
  'debug-disabled': { check: 'debug-disabled', rule: null, model: 'D24', family: 'none', title: 'dma-debug switched itself off' },
  unknown: { check: 'unknown', rule: null, model: null, family: 'none', title: 'DMA-API report not recognised' },
};

/**
 * Message classes, matched against the text after "DMA-API: <driver> <device>: ".
 * `stem` is the fixed start of the message in 6.12, used to classify a line
 * that was cut before the whole pattern could match.
 */
interface MessageClass {
  check: DmaDebugCheck;
  re: RegExp;
  stem: string;
}

const MESSAGE_CLASSES: readonly MessageClass[] = [
  { check: 'map-stack', re: /^device driver maps memory from stack\b/, stem: 'device driver maps memory from stack' },
  { check: 'map-text-rodata', re: /^device driver maps memory from kernel text or rodata\b/, stem: 'device driver maps memory from kernel text' },
  { check: 'map-invalid-area', re: /^device driver maps memory from invalid area\b/, stem: 'device driver maps memory from invalid' },
  { check: 'map-vmalloc', re: /^device driver maps memory from vmalloc area\b/, stem: 'device driver maps memory from vmalloc' },
  { check: 'overlap', re: /^cacheline tracking EEXIST\b/, stem: 'cacheline tracking EEXIST' },
  { check: 'sg-segment-length', re: /^mapping sg segment longer than device claims to support\b/, stem: 'mapping sg segment longer' },
  { check: 'sg-segment-boundary', re: /^mapping sg segment across boundary\b/, stem: 'mapping sg segment across' },
  { check: 'free-invalid', re: /^device driver tries to free an invalid DMA memory address\b/, stem: 'device driver tries to free an invalid' },
  { check: 'free-not-allocated', re: /^device driver tries to free DMA memory it has not allocated\b/, stem: 'device driver tries to free DMA memory' },
  { check: 'unmap-size', re: /^device driver frees DMA memory with different size\b/, stem: 'device driver frees DMA memory with different size' },
  { check: 'unmap-wrong-function', re: /^device driver frees DMA memory with wrong function\b/, stem: 'device driver frees DMA memory with wrong' },
  { check: 'free-cpu-address', re: /^device driver frees DMA memory with different CPU address\b/, stem: 'device driver frees DMA memory with different CPU' },
  { check: 'sg-nents', re: /^device driver frees DMA sg list with different entry count\b/, stem: 'device driver frees DMA sg list' },
  { check: 'unmap-dir', re: /^device driver frees DMA memory with different direction\b/, stem: 'device driver frees DMA memory with different dir' },
  // 6.12 prints no space between "error" and the first field
  { check: 'map-error-not-checked', re: /^device driver failed to check map error\b|^device driver failed to check map error(?=\[)/, stem: 'device driver failed to check map' },
  { check: 'sync-not-allocated', re: /^device driver tries to sync DMA memory it has not allocated\b/, stem: 'device driver tries to sync' },
  { check: 'sync-range', re: /^device driver syncs DMA memory outside allocated range\b/, stem: 'device driver syncs DMA memory outside' },
  { check: 'sync-dir', re: /^device driver syncs DMA memory with different direction\b/, stem: 'device driver syncs DMA memory with' },
  { check: 'sync-ro-for-cpu', re: /^device driver syncs device read-only DMA memory for cpu\b/, stem: 'device driver syncs device read-only' },
  { check: 'sync-wo-for-device', re: /^device driver syncs device write-only DMA memory to device\b/, stem: 'device driver syncs device write-only' },
  { check: 'sync-sg-nents', re: /^device driver syncs DMA sg list with different entry count\b/, stem: 'device driver syncs DMA sg list' },
  { check: 'leak-at-unbind', re: /^device driver has pending DMA allocations while released from device\b/, stem: 'device driver has pending DMA' },
];

/** Classifies the message part of a `DMA-API: <driver> <device>: ` line. */
export function classifyMessage(message: string): { check: DmaDebugCheck; partial: boolean } {
  const m = message.trim();
  for (const c of MESSAGE_CLASSES) if (c.re.test(m)) return { check: c.check, partial: false };
  // A line cut short: the message is a long-enough prefix of one stem, or a stem
  // prefix that is unique among the classes.
  if (m.length >= 16) {
    const hits = MESSAGE_CLASSES.filter((c) => c.stem.startsWith(m) || m.startsWith(c.stem));
    const distinct = new Set(hits.map((h) => h.check));
    if (distinct.size === 1) return { check: hits[0].check, partial: true };
  }
  return { check: 'unknown', partial: false };
}

export interface Frame {
  function: string;
  /** offset into the function, as written in the log (hex with 0x) */
  offset: string;
  /** the function's length, as written (hex with 0x) */
  length: string;
  /** module name in brackets, when the function lives in a module */
  module?: string;
  /** `? ` frames on x86 are stack words that merely look like return addresses */
  unreliable: boolean;
  /** 1-based line of the log */
  line: number;
}

export type FieldValue = string | number;

export interface KernelLogReport {
  check: DmaDebugCheck;
  rule: string | null;
  /** dev_driver_string(): the driver name, or "NULL" */
  driver: string;
  /** dev_name(): e.g. 0000:03:00.0 */
  device: string;
  /** the message after "<driver> <device>: ", joined with its continuation line */
  message: string;
  fields: Record<string, FieldValue>;
  /** Call Trace frames in log order (innermost first) */
  frames: Frame[];
  /** "Mapped at:" frames (the stack recorded at map/alloc time) */
  mappedAt: Frame[];
  /** where the WARN fired, from the WARNING: line */
  warning?: { cpu?: number; pid?: number; file?: string; fileLine?: number; function?: string };
  /** process name from the "CPU: … Comm: …" line */
  comm?: string;
  /** kernel release from the "CPU: …" line */
  kernel?: string;
  /** modules from "Modules linked in:" (taint flags stripped) */
  modules?: string[];
  /** 1-based log lines where the report starts and ends */
  startLine: number;
  endLine: number;
  /** the log ended (or another report began) before the report was complete */
  truncated: boolean;
}

// ---------------------------------------------------------------------------
// Line prefixes

// \x1b[…m colour codes from serial consoles and `dmesg --color`
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const PREFIXES: readonly RegExp[] = [
  // syslog priority "<4>" (kmsg, serial consoles with loglevel prefix)
  /^<\d{1,3}>/,
  // dmesg -x: "kern  :warn  : "
  /^[a-z]+\s*:[a-z]+\s*: /,
  // journalctl / syslog: "Nov 24 13:56:27 host kernel: " (optionally with microseconds)
  /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ kernel: /,
  // journalctl -o short-iso / short-precise / rfc3339: "2026-11-24T13:56:27+0000 host kernel: "
  /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)? \S+ kernel: /,
  // dmesg --time-format iso: "2026-11-24T13:56:27,123456+00:00 "
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d) /,
  // bare "kernel: " (some syslog forwarders), or "host kernel: " after a stripped timestamp (journalctl -o short-monotonic)
  /^(?:[\w.-]+ )?kernel: /,
  // monotonic timestamp "[   12.345678] " and dmesg -T "[Tue Nov 24 13:56:27 2026] "
  /^\[\s*\d+\.\d+\] ?/,
  /^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\] ?/,
  // CONFIG_PRINTK_CALLER "[  T123] " / "[    C2] "
  /^\[\s*[TC]\d+\] ?/,
];

/** Strips log prefixes (priority, timestamps, journal host/tag, printk caller); keeps the message's own indentation. */
export function stripLogPrefix(line: string): string {
  let s = line.replace(ANSI, '').replace(/\r$/, '');
  for (let guard = 0; guard < 8; guard++) {
    let changed = false;
    for (const re of PREFIXES) {
      const m = re.exec(s);
      if (m && m[0].length > 0) {
        s = s.slice(m[0].length);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return s;
}

// ---------------------------------------------------------------------------
// Line patterns

const DMA_API_LINE = /^\s*DMA-API: (.*)$/;
const DRIVER_DEVICE = /^(\S+) (\S+): (.*)$/;
/** kernels before 4.x put the driver and device before the prefix: "e1000e 0000:00:19.0: DMA-API: …" */
const OLD_HEADLINE = /^\s*(\S+) (\S+): DMA-API: (.*\S.*)$/;
const MAPPED_AT = /^\s*(?:DMA-API: )?Mapped at:\s*$/;
const OVERLAP_LIMIT = /^exceeded (\d+) overlapping mappings of cacheline (\S+)/;
const DISABLED = /^(?:debugging out of memory(?: error)? - disabl\w+|cacheline tracking ENOMEM, dma-debug disabled)/;
const VMALLOC_REFUSED = /^\s*(\S+) (\S+): rejecting DMA map of vmalloc memory\s*$/;
const CUT_HERE = /^\s*-+\[ cut here \]-+\s*$/;
const END_TRACE = /^\s*-+\[ end trace [0-9a-f]* ?\]-+\s*$/;
// "WARNING: CPU: 1 PID: 19 at kernel/dma/debug.c:1024 check_unmap+0x6a5/0x8a0" (the file:line part is absent for WARNs without a bug-table entry)
const WARNING_LINE = /^\s*WARNING: (?:CPU: (\d+) PID: (\d+) )?at (?:(\S+?):(\d+) )?([^\s+]+)\+0x[0-9a-f]+\/0x[0-9a-f]+/;
const RAW_FRAME = /^\s*(?:\?\s+)?0x[0-9a-f]+\s*$/;
const MODULES = /^\s*Modules linked in:(.*)$/;
const CPU_LINE = /^\s*CPU: \d+ (?:UID: \d+ )?PID: \d+ Comm: (.+?)(?: (?:Tainted|Not tainted)\b(.*))?$/;
// x86/riscv/powerpc "Call Trace:", arm64 and arm32 "Call trace:", older arm32 "Backtrace:"
const CALL_TRACE = /^\s*(?:Call [Tt]race|Backtrace):\s*$/;
const STACK_MARKER = /^\s*<\/?(?:TASK|IRQ|NMI|SOFTIRQ|#DF|DB|MCE|VC|EOE)>\s*$/;
/**
 * A stack frame: optional raw address "[<ffffffff81234567>] ", optional "? ",
 * symbol+0xoff/0xlen, optional "[module]" or "[module buildid]", optional
 * arm64 "(P)"/"(L)" marker.
 */
/** `symbol+0xoff/0xlen` with an optional `[module]` or `[module buildid]`. */
const SYM = String.raw`([A-Za-z_.$][\w.$]*)\+(0x[0-9a-f]+)\/(0x[0-9a-f]+)(?:\s+\[([\w-]+)(?:\s+[0-9a-f]+)?\])?`;
/** x86/arm64/riscv/s390: optional raw address "[<ffffffff81234567>] ", optional "? ", optional arm64 "(P)"/"(L)" marker. */
const FRAME = new RegExp(String.raw`^\s*(?:\[<[0-9a-fA-F]+>\]\s*)?(\?\s+)?` + SYM + String.raw`(?:\s+\([A-Z]\))?\s*$`);
/** arm32: " callee from caller+0xoff/0xlen" (or the verbose "[<addr>] (callee) from [<addr>] (caller+…)"): the frame is the caller. */
const FRAME_ARM32 = new RegExp(String.raw`^\s*(?:\[<[0-9a-fA-F]+>\]\s*)?\(?[\w.$]+(?:\+0x[0-9a-f]+\/0x[0-9a-f]+)?(?:\s+\[[\w-]+(?:\s+[0-9a-f]+)?\])?\)?\s+from\s+(?:\[<[0-9a-fA-F]+>\]\s*)?\(?` + SYM + String.raw`\)?\s*$`);
/** powerpc: "[stack pointer] [return address] symbol+0xoff/0xlen [mod] (unreliable)". */
const FRAME_PPC = new RegExp(String.raw`^\s*\[[0-9a-f]+\]\s+\[[0-9a-f]+\]\s+` + SYM + String.raw`(?:\s+\(([^)]*)\))?\s*$`);
/** register dumps and the other lines a WARN prints between its header and the trace (x86, arm64, riscv, powerpc). */
const REGISTER_LINE = new RegExp(
  [
    /^\s*(?:RIP|EIP|RSP|ESP|RAX|EAX|RDX|EDX|RBP|EBP|R\d\d|FS|GS|CS|DS|ES|CR\d|DR\d|PKRU|Code|Hardware name|Workqueue|Tainted|pstate|pc|lr|sp|x\d+|epc|ra|gp|tp|t\d|s\d+|a\d|status|badaddr|cause|NIP|LR|CTR|MSR|XER|CFAR|IRQMASK|GPR\d\d|r\d+|Stack|Backtrace|Exception stack|Instruction dump|ORIG_RAX|EFLAGS)\s*:/.source,
    /^\s*(?:x\d+\s*:\s*[0-9a-f]{8,}\s*)+$/.source,
    /^\s*(?:PC is at|LR is at|task: |Internal error|Process \S+ \(pid)/.source,
    /^\s*[0-9a-f]{8,}(?: [0-9a-f]{8,})+\s*$/.source,
  ].join('|'),
);

function parseFrame(text: string, line: number): Frame | null {
  let m = FRAME.exec(text);
  if (m) return frame(m[2], m[3], m[4], m[5], !!m[1], line);
  m = FRAME_ARM32.exec(text);
  if (m) return frame(m[1], m[2], m[3], m[4], false, line);
  m = FRAME_PPC.exec(text);
  if (m) return frame(m[1], m[2], m[3], m[4], m[5] === 'unreliable', line);
  return null;
}

function frame(fn: string, offset: string, length: string, module: string | undefined, unreliable: boolean, line: number): Frame {
  const f: Frame = { function: fn, offset, length, unreliable, line };
  if (module) f.module = module;
  return f;
}

// ---------------------------------------------------------------------------
// Fields

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

// ---------------------------------------------------------------------------
// The scanner

type Phase = 'head' | 'trace' | 'after' | 'mapped' | 'done';

interface Open {
  report: KernelLogReport;
  phase: Phase;
  /** log line of the last line that belonged to the report */
  last: number;
  sawWarning: boolean;
  sawEnd: boolean;
  /** the dma-debug entry was recorded, so a "Mapped at:" block is expected */
  expectMapped: boolean;
  /** a headline-less report made from a WARNING line (its DMA-API line may follow) */
  headless: boolean;
  /** index into the lines where the leak continuation may appear */
  wantContinuation: boolean;
}

/** Checks whose err_printk passes the map-time entry, so "Mapped at:" follows. */
const HAS_ENTRY: ReadonlySet<DmaDebugCheck> = new Set<DmaDebugCheck>([
  'overlap', 'unmap-size', 'unmap-wrong-function', 'free-cpu-address', 'sg-nents', 'unmap-dir',
  'map-error-not-checked', 'sync-range', 'sync-dir', 'sync-ro-for-cpu', 'sync-wo-for-device',
  'sync-sg-nents', 'leak-at-unbind',
]);

/** How many unrelated lines may separate the parts of one report (other CPUs print too). */
const SLACK = 6;

function newReport(check: DmaDebugCheck, driver: string, device: string, message: string, line: number): KernelLogReport {
  return {
    check,
    rule: CHECKS[check].rule,
    driver,
    device,
    message,
    fields: parseFields(message),
    frames: [],
    mappedAt: [],
    startLine: line,
    endLine: line,
    truncated: false,
  };
}

/** A WARNING: line that points into the DMA mapping code, or a WARN of dma_map_single_attrs. */
function isDmaWarning(w: RegExpExecArray): boolean {
  return /(?:^|\/)kernel\/dma\/|(?:^|\/)lib\/dma-debug\.c$|dma-mapping\.h$/.test(w[3] ?? '') || /^(?:check_unmap|check_sync|check_for_|check_sg_segment|add_dma_entry|active_cacheline|debug_dma_|dma_debug_)/.test(w[5]);
}

/**
 * Finds every DMA-API debug report in a kernel log. Lines that belong to no
 * report are ignored; a report cut off by the end of the log (or by the next
 * report) is returned with `truncated` set.
 */
export function parseKernelLog(text: string): KernelLogReport[] {
  const reports: KernelLogReport[] = [];
  const lines = text.split('\n');
  let open: Open | null = null;
  let lastCutHere = -100;

  /** Ends the open report; `atEof` says the log (or a competing report) cut it off. */
  const finish = (atEof: boolean): void => {
    if (!open) return;
    const o: Open = open;
    open = null;
    const r = o.report;
    if (o.headless) r.truncated = true;
    if (o.sawWarning && !o.sawEnd) r.truncated = true;
    if (o.phase === 'mapped' && r.mappedAt.length === 0) r.truncated = true;
    if (atEof && o.phase === 'after' && o.expectMapped) r.truncated = true;
    if (o.wantContinuation && r.check === 'leak-at-unbind' && atEof && r.frames.length === 0) r.truncated = true;
    r.endLine = o.last;
  };

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const s = stripLogPrefix(lines[i]);
    if (s.trim() === '') continue;

    // --- lines that start a report -----------------------------------------
    const old = OLD_HEADLINE.exec(s);
    const api = DMA_API_LINE.exec(s);
    // the text after "DMA-API: ", with the old "<driver> <device>: DMA-API: " order normalised
    const apiBody = old ? `${old[1]} ${old[2]}: ${old[3]}` : api ? api[1] : null;
    let startsReport: KernelLogReport | null = null;
    let expectsEntry = false;
    if (apiBody !== null && !MAPPED_AT.test(s)) {
      const body = apiBody;
      const ol = OVERLAP_LIMIT.exec(body);
      const dd = DRIVER_DEVICE.exec(body);
      if (ol) {
        startsReport = newReport('overlap-limit', '', '', body.trim(), lineNo);
        startsReport.fields = { limit: Number(ol[1]), cacheline: ol[2] };
      } else if (DISABLED.test(body)) {
        startsReport = newReport('debug-disabled', '', '', body.trim(), lineNo);
      } else if (dd) {
        const cls = classifyMessage(dd[3]);
        startsReport = newReport(cls.check, dd[1], dd[2], dd[3].trim(), lineNo);
        if (cls.partial) startsReport.truncated = true;
        expectsEntry = HAS_ENTRY.has(cls.check);
      }
    } else {
      const vm = VMALLOC_REFUSED.exec(s);
      if (vm && !/^(?:DMA-API:|WARNING:)$/.test(vm[1])) {
        startsReport = newReport('map-vmalloc', vm[1], vm[2], 'rejecting DMA map of vmalloc memory', lineNo);
        startsReport.fields = { source: 'dma_map_single_attrs' };
      }
    }
    if (startsReport) {
      const cur = open as Open | null;
      if (cur && cur.headless && lineNo - cur.last <= 2) {
        // WARNING: came first (older kernels print the message after it): fill the headline in
        const r = cur.report;
        Object.assign(r, { check: startsReport.check, rule: startsReport.rule, driver: startsReport.driver, device: startsReport.device, message: startsReport.message, fields: startsReport.fields, truncated: startsReport.truncated });
        cur.headless = false;
        cur.expectMapped = expectsEntry;
        cur.wantContinuation = startsReport.check === 'leak-at-unbind';
        cur.last = lineNo;
        continue;
      }
      finish(true);
      if (lineNo - lastCutHere <= 2) startsReport.startLine = lastCutHere;
      reports.push(startsReport);
      open = {
        report: startsReport,
        phase: 'head',
        last: lineNo,
        sawWarning: false,
        sawEnd: false,
        expectMapped: expectsEntry,
        headless: false,
        wantContinuation: startsReport.check === 'leak-at-unbind',
      };
      continue;
    }

    if (CUT_HERE.test(s)) {
      lastCutHere = lineNo;
      continue;
    }

    const warn = WARNING_LINE.exec(s);
    if (warn) {
      const cur = open as Open | null;
      const info = {
        cpu: warn[1] !== undefined ? Number(warn[1]) : undefined,
        pid: warn[2] !== undefined ? Number(warn[2]) : undefined,
        file: warn[3],
        fileLine: warn[4] !== undefined ? Number(warn[4]) : undefined,
        function: warn[5],
      };
      if (cur && cur.phase === 'head' && !cur.sawWarning && lineNo - cur.last <= SLACK) {
        cur.report.warning = info;
        cur.sawWarning = true;
        cur.last = lineNo;
        continue;
      }
      if (isDmaWarning(warn)) {
        // the message line was lost (capture started mid-report): keep what follows
        finish(true);
        const r = newReport('unknown', '', '', '', lineNo);
        if (lineNo - lastCutHere <= 2) r.startLine = lastCutHere;
        r.warning = info;
        r.truncated = true;
        reports.push(r);
        // whether a "Mapped at:" follows is unknown without the message: accept one
        open = { report: r, phase: 'head', last: lineNo, sawWarning: true, sawEnd: false, expectMapped: true, headless: true, wantContinuation: false };
        continue;
      }
      // some other WARN: it ends the current report
      finish(true);
      continue;
    }
    if (!open) continue;
    const o: Open = open;

    // --- lines inside a report ---------------------------------------------
    if (o.wantContinuation) {
      const c = /^\s*One of leaked entries details:\s*(.*)$/.exec(s);
      if (c) {
        o.report.message += ' One of leaked entries details: ' + c[1].trim();
        o.report.fields = parseFields(o.report.message);
        o.wantContinuation = false;
        o.last = lineNo;
        continue;
      }
    }

    if (MAPPED_AT.test(s)) {
      if (o.phase !== 'mapped' && o.phase !== 'done') {
        o.phase = 'mapped';
        o.last = lineNo;
        o.wantContinuation = false;
      }
      continue;
    }

    if (o.phase === 'mapped') {
      const f = parseFrame(s, lineNo);
      if (f) {
        o.report.mappedAt.push(f);
        o.last = lineNo;
        continue;
      }
      // the stack_trace_print block is over
      finish(false);
      continue;
    }

    if (o.phase === 'head') {
      const mod = MODULES.exec(s);
      if (mod) {
        o.report.modules = mod[1]
          .replace(/\[last unloaded:[^\]]*\]?/g, ' ')
          .trim()
          .split(/\s+/)
          .filter((w) => w.length > 0)
          .map((w) => w.replace(/\(.*\)$/, ''));
        o.last = lineNo;
        continue;
      }
      const cpu = CPU_LINE.exec(s);
      if (cpu) {
        o.report.comm = cpu[1].trim();
        const rel = cpu[2] ? /(\d+\.\d+\S*)/.exec(cpu[2]) : null;
        if (rel) o.report.kernel = rel[1];
        o.last = lineNo;
        continue;
      }
      if (CALL_TRACE.test(s)) {
        o.phase = 'trace';
        o.last = lineNo;
        continue;
      }
      // older arm32 kernels print the frames with no "Backtrace:"/"Call trace:" header
      const f0 = o.sawWarning ? parseFrame(s, lineNo) : null;
      if (f0) {
        o.phase = 'trace';
        o.report.frames.push(f0);
        o.last = lineNo;
        continue;
      }
      if (REGISTER_LINE.test(s)) {
        o.last = lineNo;
        continue;
      }
      if (END_TRACE.test(s)) {
        o.sawEnd = true;
        o.phase = 'after';
        o.last = lineNo;
        if (!o.expectMapped) finish(false);
        continue;
      }
    } else if (o.phase === 'trace') {
      const f = parseFrame(s, lineNo);
      if (f) {
        o.report.frames.push(f);
        o.last = lineNo;
        continue;
      }
      if (STACK_MARKER.test(s) || REGISTER_LINE.test(s) || RAW_FRAME.test(s)) {
        o.last = lineNo;
        continue;
      }
      if (END_TRACE.test(s)) {
        o.sawEnd = true;
        o.phase = 'after';
        o.last = lineNo;
        if (!o.expectMapped) finish(false);
        continue;
      }
    } else if (o.phase === 'after') {
      // only "Mapped at:" (handled above) may still come
      if (lineNo - o.last > SLACK) finish(false);
      continue;
    }

    // An unrelated line. A report without a WARN body (pr_err style) ends here;
    // otherwise tolerate a few interleaved lines from other CPUs.
    if (!o.sawWarning && o.phase === 'head' && !o.wantContinuation) {
      if (lineNo - o.last > 1) finish(false);
      continue;
    }
    if (lineNo - o.last > SLACK) finish(true);
  }
  finish(true);

  for (const r of reports) {
    if (r.check === 'unknown' && r.message === '' && r.warning?.function) {
      // a headline-less WARN: the warning site still tells the family
      if (/^check_unmap/.test(r.warning.function)) r.fields.warnedIn = 'check_unmap';
      else if (/^check_sync/.test(r.warning.function)) r.fields.warnedIn = 'check_sync';
    }
  }
  return reports;
}

// ---------------------------------------------------------------------------
// Helpers for consumers

/** Frames that belong to the DMA core, the WARN machinery, interrupt/exception entry or the scheduler, not to a driver. */
const GENERIC_FRAME = new RegExp(
  '^(?:' +
    [
      'dma_', '__dma_', 'dmam_', 'debug_dma_', 'dma_debug_', 'check_unmap', 'check_sync', 'check_for_', 'check_sg_segment',
      'add_dma_entry', 'active_cacheline_', 'iommu_dma_', '__iommu_dma_', 'swiotlb_', '__swiotlb_', 'iommu_',
      '__warn', 'warn_', '__warn_printk', 'report_bug', 'handle_bug', 'exc_', 'asm_', 'do_error_trap', 'do_trap',
      'bug_handler', 'call_break_hook', 'brk_handler', 'do_debug_exception', 'el0t_', 'el1h_', 'el1_', 'el0_',
      'dump_stack', 'show_stack', 'dump_backtrace', 'ret_from_fork', 'kthread', 'worker_thread', 'process_one_work',
      '__napi_poll', 'napi_poll', 'net_rx_action', 'handle_softirqs', '__do_softirq', 'do_softirq', 'irq_exit',
      '__irq_exit_rcu', 'common_interrupt', 'handle_irq', 'generic_handle', '__handle_irq', 'handle_edge_irq',
      'handle_fasteoi_irq', 'handle_level_irq', 'cpuidle_', 'do_idle', 'cpu_startup_entry', 'start_secondary',
      'secondary_startup', 'rest_init', 'start_kernel', 'entry_SYSCALL', 'do_syscall', 'x64_sys_call', '__x64_sys_',
      '__arm64_sys_', 'invoke_syscall', 'do_el0_svc', 'el0_svc', 'ksys_', 'vfs_', 'do_init_module', 'do_one_initcall',
      'load_module', 'init_module_from_file', 'idempotent_init_module', '__do_sys_', 'really_probe', '__driver_probe_device',
      'driver_probe_device', '__driver_attach', 'bus_for_each_dev', 'driver_attach', 'bus_add_driver', 'driver_register',
      '__pci_register_driver', 'pci_device_probe', 'pci_device_remove', 'local_pci_probe', 'platform_probe',
      'platform_remove', 'device_remove', 'device_release_driver', '__device_release_driver', 'driver_detach',
      'bus_remove_driver', 'driver_unregister', 'pci_unregister_driver', 'blocking_notifier_call_chain',
      'notifier_call_chain', 'bus_notify', 'device_del', 'unbind_store', 'kernfs_', 'sysfs_', 'new_sync_write',
      'schedule', '__schedule', 'sg_', '__sg_', 'dev_', 'devres_', 'release_nodes', 'devm_',
    ]
      .map((p) => p.replace(/[$]/g, '\\$'))
      .join('|') +
    ')',
);

/** True for frames no driver author wants to land on (the DMA core, WARN, IRQ and syscall plumbing). */
export function isGenericFrame(name: string): boolean {
  return GENERIC_FRAME.test(name);
}

/** The function name without compiler suffixes (`.isra.0`, `.constprop.0`, `.part.0`, `.cold`). */
export function baseFunctionName(name: string): string {
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}
