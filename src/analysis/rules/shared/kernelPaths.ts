/** Where in the kernel tree a file is: rules that only concern drivers skip the DMA core and its peers. */

/** Where including the DMA core's internal headers is legitimate: DMA core, IOMMU drivers, architectures. */
export function isDmaCoreFile(file: string | undefined): boolean {
  if (!file) return false;
  const f = file.replace(/\\/g, '/');
  return /(^|\/)(kernel\/dma|drivers\/iommu|arch|drivers\/xen|drivers\/of|drivers\/base|drivers\/acpi|drivers\/pci|drivers\/hv|drivers\/virtio|lib|mm|include\/linux|include\/xen|include\/asm-generic)\//.test(f)
    || /(^|\/)drivers\/(bus\/fsl-mc|amba|platform\/x86\/intel)\//.test(f);
}
