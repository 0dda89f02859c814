// SPDX-License-Identifier: GPL-2.0
/*
 * dsnic core: descriptor rings, firmware download, probe and remove.
 */
#include <linux/module.h>
#include <linux/firmware.h>
#include <linux/slab.h>
#include <linux/io.h>
#include "dsnic.h"

#define DSNIC_FW_NAME	"dsnic/dsnic-fw.bin"

int dsnic_ring_alloc(struct dsnic_priv *priv, struct dsnic_ring *ring)
{
	ring->desc_bytes = DSNIC_RING_SIZE * sizeof(struct dsnic_desc);
	/* BUG: coherent-gfp-zero: dma_alloc_coherent() memory is always zeroed; __GFP_ZERO is redundant */
	ring->desc = dma_alloc_coherent(priv->dev, ring->desc_bytes, &ring->desc_dma,
					GFP_KERNEL | __GFP_ZERO);
	if (!ring->desc)
		return -ENOMEM;

	ring->buf = kcalloc(DSNIC_RING_SIZE, sizeof(*ring->buf), GFP_KERNEL);
	if (!ring->buf) {
		dma_free_coherent(priv->dev, ring->desc_bytes, ring->desc, ring->desc_dma);
		ring->desc = NULL;
		return -ENOMEM;
	}
	ring->next_to_use = 0;
	ring->next_to_clean = 0;
	return 0;
}

void dsnic_ring_free(struct dsnic_priv *priv, struct dsnic_ring *ring)
{
	kfree(ring->buf);
	ring->buf = NULL;
	dma_free_coherent(priv->dev, ring->desc_bytes, ring->desc, ring->desc_dma);
	ring->desc = NULL;
}

/* Copy the firmware image into DMA-able memory and let the device fetch it. */
static int dsnic_load_firmware(struct dsnic_priv *priv)
{
	const struct firmware *fw;
	dma_addr_t dma;
	void *buf;
	int err;

	err = request_firmware(&fw, DSNIC_FW_NAME, priv->dev);
	if (err)
		return err;

	/* fw->data may be vmalloc memory: never map it directly */
	buf = kmemdup(fw->data, fw->size, GFP_KERNEL);
	if (!buf) {
		err = -ENOMEM;
		goto out_release;
	}

	/* BUG: legacy-pci-dma: the pci_* DMA wrappers were removed in 5.18; use dma_map_single(&pdev->dev, ...) */
	dma = pci_map_single(priv->pdev, buf, fw->size, PCI_DMA_TODEVICE);
	if (pci_dma_mapping_error(priv->pdev, dma)) {
		err = -ENOMEM;
		goto out_free;
	}
	writeq(dma, priv->hw + DSNIC_REG_FW_ADDR);
	err = readl(priv->hw + DSNIC_REG_CTRL) & 2 ? -EIO : 0;
	pci_unmap_single(priv->pdev, dma, fw->size, PCI_DMA_TODEVICE);

out_free:
	kfree(buf);
out_release:
	release_firmware(fw);
	return err;
}

/* The device writes its EEPROM image into a buffer; the MAC address is at its start. */
static int dsnic_read_mac(struct dsnic_priv *priv)
{
	u8 *eeprom;
	dma_addr_t dma;
	int err = 0;

	eeprom = kmalloc(DSNIC_EEPROM_LEN, GFP_KERNEL);
	if (!eeprom)
		return -ENOMEM;
	dma = dma_map_single(priv->dev, eeprom, DSNIC_EEPROM_LEN, DMA_FROM_DEVICE);
	if (dma_mapping_error(priv->dev, dma)) {
		kfree(eeprom);
		return -ENOMEM;
	}
	writeq(dma, priv->hw + DSNIC_REG_CMD_ADDR);
	if (readl(priv->hw + DSNIC_REG_CTRL) & 2)
		err = -EIO;

	/* BUG: unmap-size-mismatch: mapped with DSNIC_EEPROM_LEN bytes, unmapped with the ETH_ALEN bytes used */
	dma_unmap_single(priv->dev, dma, ETH_ALEN, DMA_FROM_DEVICE);
	if (!err)
		eth_hw_addr_set(priv->netdev, eeprom);
	kfree(eeprom);
	return err;
}

static const struct net_device_ops dsnic_netdev_ops = {
	.ndo_start_xmit	= dsnic_xmit_frame,
};

static int dsnic_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct net_device *netdev;
	struct dsnic_priv *priv;
	int err;

	err = pci_enable_device_mem(pdev);
	if (err)
		return err;

	err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(48));
	if (err)
		goto err_disable;

	err = pci_request_mem_regions(pdev, "dsnic");
	if (err)
		goto err_disable;
	pci_set_master(pdev);

	netdev = alloc_etherdev(sizeof(*priv));
	if (!netdev) {
		err = -ENOMEM;
		goto err_regions;
	}
	SET_NETDEV_DEV(netdev, &pdev->dev);
	netdev->netdev_ops = &dsnic_netdev_ops;
	priv = netdev_priv(netdev);
	priv->pdev = pdev;
	priv->dev = &pdev->dev;
	priv->netdev = netdev;
	spin_lock_init(&priv->tx_lock);
	pci_set_drvdata(pdev, priv);

	priv->hw = pci_iomap(pdev, 0, 0);
	if (!priv->hw) {
		err = -EIO;
		goto err_netdev;
	}

	err = dsnic_load_firmware(priv);
	if (err)
		goto err_unmap_bar;
	err = dsnic_read_mac(priv);
	if (err)
		goto err_unmap_bar;

	err = dsnic_ring_alloc(priv, &priv->tx);
	if (err)
		goto err_unmap_bar;
	err = dsnic_ring_alloc(priv, &priv->rx);
	if (err)
		goto err_free_tx;
	writeq(priv->tx.desc_dma, priv->hw + DSNIC_REG_TX_BASE);
	writeq(priv->rx.desc_dma, priv->hw + DSNIC_REG_RX_BASE);

	err = dsnic_rx_refill(priv, DSNIC_RING_SIZE - 1);
	if (err)
		goto err_free_rx_bufs;

	err = register_netdev(netdev);
	if (err)
		goto err_free_rx_bufs;
	return 0;

	/* unwind in the reverse order of setup */
err_free_rx_bufs:
	dsnic_rx_free_all(priv);
	dsnic_ring_free(priv, &priv->rx);
err_free_tx:
	dsnic_ring_free(priv, &priv->tx);
err_unmap_bar:
	pci_iounmap(pdev, priv->hw);
err_netdev:
	free_netdev(netdev);
err_regions:
	pci_release_mem_regions(pdev);
err_disable:
	pci_disable_device(pdev);
	return err;
}

static void dsnic_remove(struct pci_dev *pdev)
{
	struct dsnic_priv *priv = pci_get_drvdata(pdev);

	unregister_netdev(priv->netdev);
	dsnic_clean_tx(priv);
	dsnic_rx_free_all(priv);
	dsnic_ring_free(priv, &priv->rx);
	dsnic_ring_free(priv, &priv->tx);
	pci_iounmap(pdev, priv->hw);
	free_netdev(priv->netdev);
	pci_release_mem_regions(pdev);
	pci_disable_device(pdev);
}

static const struct pci_device_id dsnic_pci_ids[] = {
	{ PCI_DEVICE(0x0d5c, 0x0001) },	/* made-up IDs */
	{ }
};
MODULE_DEVICE_TABLE(pci, dsnic_pci_ids);

static struct pci_driver dsnic_driver = {
	.name		= "dsnic",
	.id_table	= dsnic_pci_ids,
	.probe		= dsnic_probe,
	.remove		= dsnic_remove,
};
module_pci_driver(dsnic_driver);

MODULE_DESCRIPTION("DMA Scope example NIC driver");
MODULE_LICENSE("GPL");
