// SPDX-License-Identifier: GPL-2.0
/*
 * dsnic transmit path: frame mapping, a control-message channel and the
 * TX completion handler.
 */
#include <linux/io.h>
#include <linux/iopoll.h>
#include "dsnic.h"

/*
 * Map the linear part and every fragment of @skb onto consecutive
 * descriptors. One dma_mapping_error() at the head of the loop covers the
 * first mapping and each fragment mapped at the bottom of the previous
 * iteration; on failure the descriptors already mapped are unwound.
 */
netdev_tx_t dsnic_xmit_frame(struct sk_buff *skb, struct net_device *netdev)
{
	struct dsnic_priv *priv = netdev_priv(netdev);
	struct dsnic_ring *ring = &priv->tx;
	unsigned int nr_frags = skb_shinfo(skb)->nr_frags;
	unsigned int first = ring->next_to_use;
	unsigned int i = first, f;
	struct dsnic_buffer *tx_buf = &ring->buf[i];
	unsigned int size = skb_headlen(skb);
	dma_addr_t dma;

	dma = dma_map_single(priv->dev, skb->data, size, DMA_TO_DEVICE);
	tx_buf->is_page = false;

	for (f = 0; ; f++) {
		const skb_frag_t *frag;

		if (dma_mapping_error(priv->dev, dma))
			goto dma_error;

		tx_buf->dma = dma;
		tx_buf->len = size;
		ring->desc[i].addr = cpu_to_le64(dma);
		ring->desc[i].len = cpu_to_le16(size);
		ring->desc[i].flags = 0;

		if (f == nr_frags)
			break;

		i = (i + 1) % DSNIC_RING_SIZE;
		tx_buf = &ring->buf[i];
		frag = &skb_shinfo(skb)->frags[f];
		size = skb_frag_size(frag);
		dma = skb_frag_dma_map(priv->dev, frag, 0, size, DMA_TO_DEVICE);
		tx_buf->is_page = true;
	}

	ring->buf[i].skb = skb;
	ring->desc[i].flags = cpu_to_le16(DSNIC_DESC_EOP);
	ring->next_to_use = (i + 1) % DSNIC_RING_SIZE;
	/* descriptors must be visible before the doorbell */
	dma_wmb();
	writel(ring->next_to_use, priv->hw + DSNIC_REG_TX_TAIL);
	return NETDEV_TX_OK;

dma_error:
	/* the failed slot holds nothing; release the earlier ones, newest first */
	tx_buf->len = 0;
	while (i != first) {
		i = i ? i - 1 : DSNIC_RING_SIZE - 1;
		tx_buf = &ring->buf[i];
		if (tx_buf->is_page)
			dma_unmap_page(priv->dev, tx_buf->dma, tx_buf->len, DMA_TO_DEVICE);
		else
			dma_unmap_single(priv->dev, tx_buf->dma, tx_buf->len, DMA_TO_DEVICE);
		tx_buf->len = 0;
	}
	dev_kfree_skb_any(skb);
	netdev->stats.tx_dropped++;
	return NETDEV_TX_OK;
}

/* Send one control message to the firmware and wait until it was read. */
int dsnic_send_ctrl(struct dsnic_priv *priv, void *msg, size_t len)
{
	dma_addr_t dma;
	u32 ctrl;
	int err;

	/* BUG: map-error-unchecked: the handle reaches the device without dma_mapping_error() */
	dma = dma_map_single(priv->dev, msg, len, DMA_TO_DEVICE);
	writeq(dma, priv->hw + DSNIC_REG_CMD_ADDR);
	writel(len, priv->hw + DSNIC_REG_CTRL);

	err = readl_poll_timeout(priv->hw + DSNIC_REG_CTRL, ctrl, !(ctrl & 1), 10, 10000);
	dma_unmap_single(priv->dev, dma, len, DMA_TO_DEVICE);
	return err;
}

/* Hand a scatter-gather command buffer to the device. */
int dsnic_send_cmd_sgl(struct dsnic_priv *priv, struct scatterlist *sgl, int nents)
{
	struct scatterlist *sg;
	int count, i, err;
	u32 ctrl;

	count = dma_map_sg(priv->dev, sgl, nents, DMA_TO_DEVICE);
	if (!count)
		return -ENOMEM;

	for_each_sg(sgl, sg, count, i) {
		writeq(sg_dma_address(sg), priv->hw + DSNIC_REG_CMD_ADDR);
		writel(sg_dma_len(sg), priv->hw + DSNIC_REG_CTRL);
	}
	err = readl_poll_timeout(priv->hw + DSNIC_REG_CTRL, ctrl, !(ctrl & 1), 10, 10000);

	/* BUG: unmap-sg-nents: unmap takes the nents given to dma_map_sg, not the count it returned */
	dma_unmap_sg(priv->dev, sgl, count, DMA_TO_DEVICE);
	return err;
}

/*
 * TX completion: the device is done with every descriptor marked DONE, so
 * their buffers are unmapped here, with the length and family they were
 * mapped with.
 */
void dsnic_clean_tx(struct dsnic_priv *priv)
{
	struct dsnic_ring *ring = &priv->tx;
	unsigned int i = ring->next_to_clean;

	spin_lock(&priv->tx_lock);
	while (i != ring->next_to_use) {
		struct dsnic_buffer *tx_buf = &ring->buf[i];

		if (!(le32_to_cpu(ring->desc[i].status) & DSNIC_DESC_DONE))
			break;
		dma_rmb();

		if (tx_buf->is_page)
			dma_unmap_page(priv->dev, tx_buf->dma, tx_buf->len, DMA_TO_DEVICE);
		else
			dma_unmap_single(priv->dev, tx_buf->dma, tx_buf->len, DMA_TO_DEVICE);
		tx_buf->len = 0;
		if (tx_buf->skb) {
			dev_consume_skb_any(tx_buf->skb);
			tx_buf->skb = NULL;
		}
		ring->desc[i].status = 0;
		i = (i + 1) % DSNIC_RING_SIZE;
	}
	ring->next_to_clean = i;
	spin_unlock(&priv->tx_lock);
}
