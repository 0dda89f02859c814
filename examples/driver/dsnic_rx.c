// SPDX-License-Identifier: GPL-2.0
/*
 * dsnic receive path: ring refill, the NAPI poll loop with copy-break
 * recycling, and teardown.
 */
#include <linux/dma-map-ops.h>	/* for dev_is_dma_coherent(); not driver API either */
#include "dsnic.h"

#define DSNIC_COPYBREAK		256
#define DSNIC_TRAILER_OK	0xa5

/* Give the device a freshly mapped receive buffer in every empty slot. */
int dsnic_rx_refill(struct dsnic_priv *priv, unsigned int count)
{
	struct dsnic_ring *ring = &priv->rx;
	unsigned int i = ring->next_to_use;

	while (count--) {
		struct dsnic_buffer *rx_buf = &ring->buf[i];
		struct sk_buff *skb;
		dma_addr_t dma;

		skb = netdev_alloc_skb_ip_align(priv->netdev, DSNIC_RX_BUF_LEN);
		if (!skb)
			return -ENOMEM;

		dma = dma_map_single(priv->dev, skb->data, DSNIC_RX_BUF_LEN, DMA_FROM_DEVICE);
		if (dma_mapping_error(priv->dev, dma)) {
			dev_kfree_skb_any(skb);
			return -ENOMEM;
		}
		rx_buf->skb = skb;
		rx_buf->dma = dma;
		rx_buf->len = DSNIC_RX_BUF_LEN;
		ring->desc[i].addr = cpu_to_le64(dma);
		ring->desc[i].len = cpu_to_le16(DSNIC_RX_BUF_LEN);
		ring->desc[i].status = 0;
		i = (i + 1) % DSNIC_RING_SIZE;
	}
	ring->next_to_use = i;
	dma_wmb();
	writel(i, priv->hw + DSNIC_REG_RX_TAIL);
	return 0;
}

/*
 * Refill a slot with the buffer it already holds: a small frame is copied
 * into a new skb and the mapped buffer goes straight back to the device.
 */
static void dsnic_rx_reuse(struct dsnic_priv *priv, struct dsnic_buffer *rx_buf,
			   unsigned int len)
{
	struct sk_buff *copy;

	copy = netdev_alloc_skb_ip_align(priv->netdev, len);
	if (copy) {
		/* BUG: missing-sync-for-cpu: reads the device-written buffer before dma_sync_single_for_cpu() */
		memcpy(skb_put(copy, len), rx_buf->skb->data, len);
		copy->protocol = eth_type_trans(copy, priv->netdev);
		napi_gro_receive(&priv->napi, copy);
	}
	dma_sync_single_for_cpu(priv->dev, rx_buf->dma, len, DMA_FROM_DEVICE);
	/* back to the device: the CPU did not write, but the handover is explicit */
	dma_sync_single_for_device(priv->dev, rx_buf->dma, len, DMA_FROM_DEVICE);
}

/* The device writes a status byte after the frame; check it before passing the frame up. */
static bool dsnic_rx_frame_ok(struct dsnic_priv *priv, struct dsnic_buffer *rx_buf,
			      unsigned int len)
{
	/* BUG: skip-sync-heuristic: a coherent device can still be bounced (swiotlb, CoCo); sync unconditionally */
	if (!dev_is_dma_coherent(priv->dev))
		dma_sync_single_for_cpu(priv->dev, rx_buf->dma, len + 1, DMA_FROM_DEVICE);
	return rx_buf->skb->data[len] == DSNIC_TRAILER_OK;
}

int dsnic_rx_poll(struct dsnic_priv *priv, int budget)
{
	struct dsnic_ring *ring = &priv->rx;
	unsigned int i = ring->next_to_clean;
	int done = 0, replace = 0;

	while (done < budget) {
		struct dsnic_desc *desc = &ring->desc[i];
		struct dsnic_buffer *rx_buf = &ring->buf[i];
		struct sk_buff *skb = rx_buf->skb;
		unsigned int len;

		if (!(le32_to_cpu(desc->status) & DSNIC_DESC_DONE))
			break;
		dma_rmb();
		len = le16_to_cpu(desc->len);
		done++;

		if (len <= DSNIC_COPYBREAK) {
			dsnic_rx_reuse(priv, rx_buf, len);
			desc->status = 0;
		} else if (dsnic_rx_frame_ok(priv, rx_buf, len)) {
			/* unmapped with the size it was mapped with, not the frame length */
			dma_unmap_single(priv->dev, rx_buf->dma, DSNIC_RX_BUF_LEN, DMA_FROM_DEVICE);
			rx_buf->skb = NULL;
			skb_put(skb, len);
			skb->protocol = eth_type_trans(skb, priv->netdev);
			napi_gro_receive(&priv->napi, skb);
			replace++;
		} else {
			/* damaged frame: drop it and leave the buffer mapped in its slot */
			priv->netdev->stats.rx_errors++;
			desc->status = 0;
		}
		i = (i + 1) % DSNIC_RING_SIZE;
	}
	ring->next_to_clean = i;
	if (replace)
		dsnic_rx_refill(priv, replace);
	return done;
}

/* Teardown: every slot still holding a buffer is unmapped as it was mapped. */
void dsnic_rx_free_all(struct dsnic_priv *priv)
{
	struct dsnic_ring *ring = &priv->rx;
	unsigned int i;

	for (i = 0; i < DSNIC_RING_SIZE; i++) {
		struct dsnic_buffer *rx_buf = &ring->buf[i];

		if (!rx_buf->skb)
			continue;
		dma_unmap_single(priv->dev, rx_buf->dma, DSNIC_RX_BUF_LEN, DMA_FROM_DEVICE);
		dev_kfree_skb_any(rx_buf->skb);
		rx_buf->skb = NULL;
	}
}
