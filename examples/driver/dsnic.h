/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsnic: a small example PCI network driver for DMA Scope.
 *
 * Not a real device. The code mixes correct DMA-API use with a few
 * realistic bugs; every bug is marked with a "BUG:" comment and listed
 * in README.md.
 */
#ifndef _DSNIC_H
#define _DSNIC_H

#include <linux/types.h>
#include <linux/pci.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/scatterlist.h>
#include <linux/dma-mapping.h>

#define DSNIC_RING_SIZE		256
#define DSNIC_RX_BUF_LEN	2048
#define DSNIC_FW_CHUNK		4096
#define DSNIC_MAX_SG		8
#define DSNIC_EEPROM_LEN	256

/* registers (BAR 0) */
#define DSNIC_REG_CTRL		0x000
#define DSNIC_REG_TX_BASE	0x010
#define DSNIC_REG_TX_TAIL	0x018
#define DSNIC_REG_RX_BASE	0x020
#define DSNIC_REG_RX_TAIL	0x028
#define DSNIC_REG_FW_ADDR	0x030
#define DSNIC_REG_CMD_ADDR	0x038

#define DSNIC_DESC_EOP		BIT(0)
#define DSNIC_DESC_DONE		BIT(1)

/* hardware descriptor, shared with the device through coherent memory */
struct dsnic_desc {
	__le64 addr;
	__le16 len;
	__le16 flags;
	__le32 status;
};

/* what the driver remembers about each descriptor it handed out */
struct dsnic_buffer {
	struct sk_buff *skb;
	dma_addr_t dma;
	unsigned int len;
	bool is_page;		/* mapped with dma_map_page (a fragment) */
};

struct dsnic_ring {
	struct dsnic_desc *desc;	/* dma_alloc_coherent */
	dma_addr_t desc_dma;
	struct dsnic_buffer *buf;
	unsigned int next_to_use;
	unsigned int next_to_clean;
	size_t desc_bytes;
};

struct dsnic_priv {
	struct pci_dev *pdev;
	struct device *dev;		/* &pdev->dev, used for every DMA call */
	struct net_device *netdev;
	void __iomem *hw;
	struct dsnic_ring tx;
	struct dsnic_ring rx;
	spinlock_t tx_lock;
	struct napi_struct napi;
};

/* dsnic_main.c */
int dsnic_ring_alloc(struct dsnic_priv *priv, struct dsnic_ring *ring);
void dsnic_ring_free(struct dsnic_priv *priv, struct dsnic_ring *ring);

/* dsnic_tx.c */
netdev_tx_t dsnic_xmit_frame(struct sk_buff *skb, struct net_device *netdev);
int dsnic_send_ctrl(struct dsnic_priv *priv, void *msg, size_t len);
int dsnic_send_cmd_sgl(struct dsnic_priv *priv, struct scatterlist *sgl, int nents);
void dsnic_clean_tx(struct dsnic_priv *priv);

/* dsnic_rx.c */
int dsnic_rx_refill(struct dsnic_priv *priv, unsigned int count);
int dsnic_rx_poll(struct dsnic_priv *priv, int budget);
void dsnic_rx_free_all(struct dsnic_priv *priv);

#endif /* _DSNIC_H */
