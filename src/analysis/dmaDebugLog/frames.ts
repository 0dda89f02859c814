/**
 * Stack frames as the architectures print them (x86, arm64, riscv, s390, arm32, powerpc), and the
 * frames no driver author wants to land on (the DMA core, WARN, IRQ and syscall plumbing).
 */
import type { Frame } from './types';

/** `symbol+0xoff/0xlen` with an optional `[module]` or `[module buildid]`. */
const SYM = String.raw`([A-Za-z_.$][\w.$]*)\+(0x[0-9a-f]+)\/(0x[0-9a-f]+)(?:\s+\[([\w-]+)(?:\s+[0-9a-f]+)?\])?`;
/** x86/arm64/riscv/s390: optional raw address "[<ffffffff81234567>] ", optional "? ", optional arm64 "(P)"/"(L)" marker. */
const FRAME = new RegExp(String.raw`^\s*(?:\[<[0-9a-fA-F]+>\]\s*)?(\?\s+)?` + SYM + String.raw`(?:\s+\([A-Z]\))?\s*$`);
/** arm32: " callee from caller+0xoff/0xlen" (or the verbose "[<addr>] (callee) from [<addr>] (caller+…)"): the frame is the caller. */
const FRAME_ARM32 = new RegExp(String.raw`^\s*(?:\[<[0-9a-fA-F]+>\]\s*)?\(?[\w.$]+(?:\+0x[0-9a-f]+\/0x[0-9a-f]+)?(?:\s+\[[\w-]+(?:\s+[0-9a-f]+)?\])?\)?\s+from\s+(?:\[<[0-9a-fA-F]+>\]\s*)?\(?` + SYM + String.raw`\)?\s*$`);
/** powerpc: "[stack pointer] [return address] symbol+0xoff/0xlen [mod] (unreliable)". */
const FRAME_PPC = new RegExp(String.raw`^\s*\[[0-9a-f]+\]\s+\[[0-9a-f]+\]\s+` + SYM + String.raw`(?:\s+\(([^)]*)\))?\s*$`);

export function parseFrame(text: string, line: number): Frame | null {
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
