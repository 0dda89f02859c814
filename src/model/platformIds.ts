/** The platform presets of design.md §4, in the order tables show them. */
export const PLATFORM_IDS = [
  'x86-direct',
  'x86-swiotlb',
  'swiotlb-force',
  'x86-iommu',
  'x86-iommu-lazy',
  'iommu-untrusted',
  'cvm',
  'arm64-noncoherent',
  'arm64-coherent',
  'armv7-noncoherent',
  'riscv-noncoherent',
] as const;

export type PlatformId = (typeof PLATFORM_IDS)[number];

export function isPlatformId(s: string): s is PlatformId {
  return (PLATFORM_IDS as readonly string[]).includes(s);
}
