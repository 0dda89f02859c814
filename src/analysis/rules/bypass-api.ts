/**
 * bypass-api: the device is given a CPU physical address (`virt_to_phys()`, `__pa()`,
 * `page_to_phys()`, `sg_phys()` …) instead of a DMA address from the DMA API: written to a
 * register, stored into a descriptor (`cpu_to_le*()`), or kept as a `dma_addr_t`.
 */
import type { Node } from 'web-tree-sitter';
import type { Rule } from './types';
import { walk, callName, callArgs, normText } from '../ast';
import { iomemMembers } from '../fileScope';
import { isDmaCoreFile } from './shared/kernelPaths';
import { declaredType } from './shared/locals';

const PHYS_FNS = ['virt_to_phys', '__pa', 'virt_to_bus', 'page_to_phys', '__pa_symbol', 'sg_phys', 'isa_virt_to_bus', 'pfn_to_phys', 'folio_to_phys'];
/** A call that yields a CPU physical address (the checker also analyses functions that only name these). */
const PHYS_ADDRESS = new RegExp(`\\b(?:${PHYS_FNS.join('|')})\\s*\\(`);
const PHYS_SET = new Set(PHYS_FNS);
/** MMIO writes: value argument index */
const MMIO: Record<string, number> = {
  writel: 0, writel_relaxed: 0, writeq: 0, writeq_relaxed: 0, __raw_writel: 0, __raw_writeq: 0,
  iowrite32: 0, iowrite64: 0, iowrite32be: 0, iowrite64be: 0, lo_hi_writeq: 0, hi_lo_writeq: 0,
  lo_hi_writeq_relaxed: 0, hi_lo_writeq_relaxed: 0, writel_be: 0, out_le32: 1, out_be32: 1, out_le64: 1, out_be64: 1,
};
/** Files where physical addresses legitimately go to firmware, a hypervisor or a DMA-ops implementation. */
const EXEMPT_RE = /(^|\/)(drivers\/(firmware|virt|soc|remoteproc|rpmsg|tee|hwtracing|edac|clocksource|irqchip|cpufreq|cpuidle|platform|mailbox|s390|sbus|parisc|macintosh)|tools|samples|kernel|security|init|fs|ipc)\//;

/** The DMA core, its peers, and the folders above: physical addresses are their business. */
function exempt(file: string | undefined): boolean {
  const f = (file ?? '').replace(/\\/g, '/');
  return isDmaCoreFile(f) || EXEMPT_RE.test(f);
}

/** The physical-address call a value is made of (through casts, byte-order and split wrappers, `+ offset`, `| flags`); null when the call is nested in anything else (`__va(page_to_phys(p))`). */
function phys(x: Node): Node | null {
  let n: Node | null = x;
  for (let g = 0; n && g < 12; g++) {
    if (n.type === 'parenthesized_expression') n = n.namedChildren.find((c) => !!c && c.type !== 'comment') ?? null;
    else if (n.type === 'cast_expression') n = n.childForFieldName('value');
    else if (n.type === 'binary_expression' && /^[+|]$/.test(n.childForFieldName('operator')?.text ?? '')) {
      const l = n.childForFieldName('left');
      const r = n.childForFieldName('right');
      return (l && phys(l)) || (r && phys(r)) || null;
    } else if (n.type === 'call_expression') {
      const name = callName(n) ?? '';
      if (PHYS_SET.has(name)) return n;
      if (!WRAP_RE.test(name)) return null;
      n = callArgs(n)[0] ?? null;
    } else return null;
  }
  return null;
}

const WRAP_RE = /^(cpu_to_(le|be)(16|32|64)|lower_32_bits|upper_32_bits|__cpu_to_(le|be)(32|64))$/;

const DMA_FIELD = /^(dma|dma_addr|dma_address|dma_handle|dmaaddr|busaddr|bus_addr|\w+_dma|dma_\w+)$/;

export const rule: Rule = {
  id: 'bypass-api',
  title: 'The device is given a CPU physical address (virt_to_phys, __pa, page_to_phys) instead of a DMA address',
  // 4 of 16 strictly real on 6.12 (docs/rules/bypass-api.md): below the 90% bar, so info
  severity: 'info',
  alsoAnalyse: PHYS_ADDRESS,
  // whether the file uses the DMA API or ISA DMA, its __iomem struct members, and whether its path is exempt
  factsKey: (s, fnText, file) => (PHYS_ADDRESS.test(fnText) ? `${s.usesDmaApi ? 'dma' : ''}${s.isaDma ? 'isa' : ''}:${s.structs ? [...iomemMembers(s.structs())].sort().join(',') : ''}:${exempt(file) ? 'exempt' : ''}` : ''),
  checkFunction(ctx, report) {
    // a driver that uses the DMA API elsewhere but hands this buffer over by physical address; ISA DMA takes bus addresses
    if (exempt(ctx.file) || !ctx.summary.usesDmaApi || ctx.summary.isaDma) return;
    const fn = ctx.fn;
    if (!PHYS_ADDRESS.test(ctx.text.slice(fn.startIndex, fn.endIndex))) return;
    const orig = (n: Node): string => ctx.text.slice(n.startIndex, n.endIndex);
    const iomem = ctx.summary.structs ? iomemMembers(ctx.summary.structs()) : new Set<string>();
    // locals that hold a physical address: `phys = virt_to_phys(buf);`
    const tainted = new Map<string, Node>();
    /** `virt_to_phys()` of the device's own memory (an `__iomem` mapping): not RAM, the DMA API does not apply */
    const isIo = (x: Node): boolean => {
      if (/__iomem|__force|ioremap/.test(orig(x))) return true;
      const fields = normText(x).split(/->|\./).map((y) => y.replace(/\[.*$/, '').replace(/^[&*(]+|\)+$/g, ''));
      return fields.slice(1).some((y) => iomem.has(y));
    };
    const deviceMemory = (p: Node): boolean => {
      const a = callArgs(p)[0];
      if (!a) return false;
      if (isIo(a)) return true;
      const t = normText(a).replace(/^\((?:const )?(?:struct |union )?[\w ]+\**\)/, '');
      let io = false;
      walk(fn, (n) => {
        if (io) return false;
        let l: Node | null = null;
        let v: Node | null = null;
        if (n.type === 'init_declarator') { l = n.childForFieldName('declarator'); v = n.childForFieldName('value'); }
        else if (n.type === 'assignment_expression') { l = n.childForFieldName('left'); v = n.childForFieldName('right'); }
        while (l && l.type === 'pointer_declarator') l = l.childForFieldName('declarator');
        if (l && v && normText(l) === t && isIo(v)) io = true;
        return true;
      });
      return io;
    };
    walk(fn, (n) => {
      let l: Node | null = null;
      let v: Node | null = null;
      if (n.type === 'init_declarator') { l = n.childForFieldName('declarator'); v = n.childForFieldName('value'); }
      else if (n.type === 'assignment_expression' && n.childForFieldName('operator')?.text === '=') { l = n.childForFieldName('left'); v = n.childForFieldName('right'); }
      if (l?.type === 'identifier' && v) {
        const p = phys(v);
        if (p) tainted.set(l.text, p);
      }
      return true;
    });
    const physIn = (x: Node): Node | null => {
      const p = phys(x);
      if (p) return p;
      // a tainted local as the value, possibly wrapped (`cpu_to_le64(phys + off)`)
      let n: Node | null = x;
      for (let g = 0; n && g < 12; g++) {
        if (n.type === 'identifier') return tainted.get(n.text) ?? null;
        if (n.type === 'parenthesized_expression') n = n.namedChildren.find((c) => !!c && c.type !== 'comment') ?? null;
        else if (n.type === 'cast_expression') n = n.childForFieldName('value');
        else if (n.type === 'binary_expression' && /^[+|]$/.test(n.childForFieldName('operator')?.text ?? '')) n = n.childForFieldName('left');
        else if (n.type === 'call_expression' && WRAP_RE.test(callName(n) ?? '')) n = callArgs(n)[0] ?? null;
        else return null;
      }
      return null;
    };
    /** Is the local handed on: an MMIO write, a field store, or an argument of a call that is not a print? */
    const handedOn = (name: string): boolean => {
      let hit = false;
      const re = new RegExp(`(^|[^\\w.>])${name}\\b`);
      walk(fn, (n) => {
        if (hit) return false;
        if (n.type === 'call_expression') {
          const c = callName(n) ?? '';
          if (/^(pr_|dev_|netdev_|printk|trace_|WARN|seq_|snprintf|sprintf|scnprintf)/.test(c)) return false;
          if (callArgs(n).some((a) => a.type === 'identifier' ? a.text === name : re.test(normText(a)) && !/^&/.test(normText(a)))) hit = true;
        } else if (n.type === 'assignment_expression') {
          const l = n.childForFieldName('left');
          const r = n.childForFieldName('right');
          if (l && r && l.type !== 'identifier' && re.test(normText(r))) hit = true;
        } else if (n.type === 'return_statement' && re.test(normText(n))) hit = true;
        return true;
      });
      return hit;
    };
    const seen = new Set<number>();
    const emit = (p: Node, sink: Node, what: string): void => {
      if (seen.has(p.startIndex)) return;
      if (deviceMemory(p)) return;
      seen.add(p.startIndex);
      const fnName = callName(p);
      report({
        start: p.startIndex, end: p.endIndex,
        message: `${fnName}() gives the device a CPU physical address (${what}). The device must get the DMA address from dma_map_single()/dma_map_page()/dma_alloc_coherent(): behind an IOMMU, with a bus DMA offset, in an SME/SEV/TDX guest (encryption bit) or when swiotlb bounces, the physical address is not what the device can reach, and no cache maintenance happens. Map the buffer with the DMA API and program the returned dma_addr_t.`,
        related: [{ start: sink.startIndex, end: sink.endIndex, message: 'handed to the device here' }],
      });
    };
    walk(fn, (n) => {
      if (n.type === 'call_expression') {
        const name = callName(n) ?? '';
        const i = MMIO[name];
        if (i !== undefined) {
          const a = callArgs(n)[i];
          const p = a ? physIn(a) : null;
          if (p) emit(p, n, `written to a device register by ${name}()`);
        }
        return true;
      }
      let l: Node | null = null;
      let v: Node | null = null;
      if (n.type === 'assignment_expression' && n.childForFieldName('operator')?.text === '=') { l = n.childForFieldName('left'); v = n.childForFieldName('right'); }
      else if (n.type === 'init_declarator') { l = n.childForFieldName('declarator'); v = n.childForFieldName('value'); }
      if (!l || !v) return true;
      const vt = normText(v);
      const p = l.type === 'identifier' ? phys(v) : physIn(v);
      if (!p) return true;
      const lt = normText(l);
      if (/^sg_dma_address\(/.test(lt)) { emit(p, n, 'stored as the scatterlist DMA address'); return true; }
      if (l.type === 'field_expression') {
        const field = l.childForFieldName('field')?.text ?? '';
        if (/^cpu_to_(le|be)(32|64)\(/.test(vt) || /^(lower|upper)_32_bits\(/.test(vt) && /(desc|cmd|bd|ring|txd|rxd|sge|prd|entry)/i.test(lt)) {
          emit(p, n, `stored into the device descriptor field \`${lt}\``);
        } else if (DMA_FIELD.test(field)) {
          emit(p, n, `stored as the DMA address \`${lt}\``);
        }
        return true;
      }
      if (l.type === 'identifier' && declaredType(fn, l.text) === 'dma_addr_t' && handedOn(l.text)) emit(p, n, `kept in the dma_addr_t \`${l.text}\``);
      return true;
    });
  },
};
