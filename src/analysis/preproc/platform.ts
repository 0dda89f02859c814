/**
 * Configuration options that say which platform the code is built for, as far as DMA is concerned:
 * the architecture (`CONFIG_X86*`, `CONFIG_ARM*`, which includes `CONFIG_ARM64` and
 * `CONFIG_ARM_DMA_USE_IOMMU`), bounce buffering (`CONFIG_SWIOTLB*`), cache coherency
 * (`CONFIG_DMA_NONCOHERENT*`, `CONFIG_ARCH_HAS_SYNC_DMA_*`) and IOMMUs (`CONFIG_*IOMMU*`). A DMA call,
 * size or direction chosen by one of them is the driver guessing what the DMA core decides per
 * device and per buffer (skip-sync-heuristic).
 */
import type { Node } from 'web-tree-sitter';

export const PLATFORM_CONFIG_SOURCE =
  'CONFIG_(?:X86|ARM|SWIOTLB|DMA_NONCOHERENT|ARCH_HAS_SYNC_DMA|\\w*IOMMU)\\w*';

const PLATFORM_CONFIG_RE = new RegExp(`\\b${PLATFORM_CONFIG_SOURCE}`);

/** The first platform configuration option named in `text` (a `#if` line, an `IS_ENABLED()` test), or null. */
export function platformConfigIn(text: string): string | null {
  return PLATFORM_CONFIG_RE.exec(text)?.[0] ?? null;
}

/**
 * The conditions of the `#if` blocks around a function definition that name a platform configuration
 * ('' for none): part of the checker's cache key, since the function's text alone does not show them.
 */
export function platformContext(fn: Node): string {
  let out = '';
  for (let p = fn.parent; p; p = p.parent) {
    if (!p.type.startsWith('preproc_')) continue;
    for (const c of [p.childForFieldName('condition'), p.childForFieldName('name')]) if (c && mentionsPlatformConfig(c.text)) out += `#${c.text}`;
    if (p.type === 'preproc_else' || p.type === 'preproc_elif') out += p.type;
  }
  return out;
}

export function mentionsPlatformConfig(text: string): boolean {
  return PLATFORM_CONFIG_RE.test(text);
}
