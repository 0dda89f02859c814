/**
 * The scanner: reads kernel logs (dmesg, `dmesg -T`, `dmesg -x`, journalctl -k, syslog
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
import { CHECKS, DmaDebugCheck, classifyMessage } from './checks';
import { parseFields } from './fields';
import { parseFrame } from './frames';
import { stripLogPrefix } from './prefix';
import type { KernelLogReport } from './types';

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
/** register dumps and the other lines a WARN prints between its header and the trace (x86, arm64, riscv, powerpc). */
const REGISTER_LINE = new RegExp(
  [
    /^\s*(?:RIP|EIP|RSP|ESP|RAX|EAX|RDX|EDX|RBP|EBP|R\d\d|FS|GS|CS|DS|ES|CR\d|DR\d|PKRU|Code|Hardware name|Workqueue|Tainted|pstate|pc|lr|sp|x\d+|epc|ra|gp|tp|t\d|s\d+|a\d|status|badaddr|cause|NIP|LR|CTR|MSR|XER|CFAR|IRQMASK|GPR\d\d|r\d+|Stack|Backtrace|Exception stack|Instruction dump|ORIG_RAX|EFLAGS)\s*:/.source,
    /^\s*(?:x\d+\s*:\s*[0-9a-f]{8,}\s*)+$/.source,
    /^\s*(?:PC is at|LR is at|task: |Internal error|Process \S+ \(pid)/.source,
    /^\s*[0-9a-f]{8,}(?: [0-9a-f]{8,})+\s*$/.source,
  ].join('|'),
);

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
  /** The `---[ end trace … ]---` line: only "Mapped at:" may follow (when the report announced it). */
  const endTrace = (lineNo: number): void => {
    const o = open;
    if (!o) return;
    o.sawEnd = true;
    o.phase = 'after';
    o.last = lineNo;
    if (!o.expectMapped) finish(false);
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
        endTrace(lineNo);
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
        endTrace(lineNo);
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
