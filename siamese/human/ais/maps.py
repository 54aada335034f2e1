"""AIS-weighted heatmaps over the images, and per-image alignment for picking examples."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from scipy import stats  # noqa: E402

from siamese.human.ais.core import HumanPairs  # noqa: E402


def ais_weights(ais: np.ndarray) -> np.ndarray:
    """w_k = max(AIS_k, 0) / sum_j max(AIS_j, 0) (all zero if no map has positive AIS)."""
    positive = np.clip(np.nan_to_num(np.asarray(ais, dtype=np.float64)), 0, None)
    total = positive.sum()
    return positive / total if total > 0 else positive


def receptive_fields(probe, background: np.ndarray, batch: int = 196) -> np.ndarray:
    """Where each cell of a layer's maps looks: ``S[c_y, c_x, y, x] = sum_k |F_k(b + e_yx) - F_k(b)|[c_y, c_x]``,
    the change of the cell's activations (summed over the K maps) when pixel (y, x) of the ``background`` image b
    ([H, W] uint8, e.g. the mean image) is flipped to its opposite (255 - b). ``probe(images)`` returns the
    layer's activations [N, K, h, w] of uint8 images [N, H, W]. One forward pass per pixel, batched."""
    background = np.asarray(background, dtype=np.uint8)
    height, width = background.shape
    base = torch.as_tensor(np.asarray(probe(background[None])), dtype=torch.float64)
    rows = []
    for start in range(0, height * width, batch):
        where = np.arange(start, min(start + batch, height * width))
        images = np.repeat(background[None], len(where), axis=0)
        images[np.arange(len(where)), where // width, where % width] = 255 - background.flat[where]
        response = torch.as_tensor(np.asarray(probe(images)), dtype=torch.float64)
        rows.append((response - base).abs().sum(dim=1))  # [n, h, w]
    sensitivity = torch.cat(rows)  # [H*W, h, w]
    return sensitivity.permute(1, 2, 0).reshape(*sensitivity.shape[1:], height, width).numpy()


def ais_heatmaps(feature_maps, ais: np.ndarray, image_size: tuple[int, int], border: int = 1,
                 fields: np.ndarray | None = None) -> np.ndarray:
    """H_i = place( sum_k w_k max(F_ik - mean_j F_jk, 0) ) on the image, each scaled to [0, 1]; [N, H, W].

    ``feature_maps``: [N, K, h, w] activations of the analysed layer. Each map is taken relative to its mean over
    the N images (position by position): what every image shares would otherwise be the hottest area of every
    heatmap. Placing a map cell on the image:

    - with ``fields`` (``receptive_fields``, [h, w, H, W]): each cell's value is spread over the pixels it sees,
      in proportion to how much each pixel moves it: ``H(y, x) = sum_c v_c S_c(y, x)`` (pixels that few cells
      see, at the border, get little). Stretching the h x w grid over the whole image (the plain upsampling) puts
      the outer cells' values on the image border, which unpadded convolutions barely see (conv2 of the
      framework nets: 4 x 4 cells centred 7.5 to 19.5 px of 28): the hot border of old;
    - without (a torchvision model, say): bilinear upsampling, the ``border`` outermost cells left out when the
      map is at least 5 x 5 (their receptive fields reach into a zero padding)."""
    maps = torch.as_tensor(np.asarray(feature_maps), dtype=torch.float64)
    if maps.ndim != 4:
        raise ValueError(f"heatmaps need spatial feature maps [N, K, h, w], got {tuple(maps.shape)}")
    specific = (maps - maps.mean(dim=0, keepdim=True)).clamp(min=0)
    h, w = specific.shape[-2:]
    weighted = torch.einsum("nkhw,k->nhw", specific, torch.as_tensor(ais_weights(ais)))
    if fields is not None:
        field = torch.as_tensor(np.asarray(fields), dtype=torch.float64).reshape(h * w, *image_size)
        up = torch.einsum("nc,cyx->nyx", weighted.reshape(len(weighted), h * w), field)
    else:
        if border > 0 and min(h, w) >= 5:
            inside = torch.zeros(h, w, dtype=weighted.dtype)
            inside[border:h - border, border:w - border] = 1
            weighted = weighted * inside
        up = F.interpolate(weighted[:, None], size=image_size, mode="bilinear", align_corners=False)[:, 0]
    low = up.flatten(1).min(1).values[:, None, None]
    high = up.flatten(1).max(1).values[:, None, None]
    return ((up - low) / (high - low).clamp(min=1e-12)).numpy()


def per_image_alignment(model_similarity: np.ndarray, human: HumanPairs) -> np.ndarray:
    """How well each image's pairs agree: a pair's agreement is 1 - |rank(z) - rank(h)| / (P - 1) (ranks over all
    pairs), and an image's is the mean over its pairs (nan for an image in no pair)."""
    p = len(human.values)
    agreement = 1 - np.abs(stats.rankdata(model_similarity) - stats.rankdata(human.values)) / max(p - 1, 1)
    total = np.bincount(human.pairs.ravel(), weights=np.repeat(agreement, 2), minlength=human.num_images)
    count = np.bincount(human.pairs.ravel(), minlength=human.num_images)
    with np.errstate(invalid="ignore"):
        return total / count


def heatmap_figure(images: np.ndarray, heatmaps: np.ndarray, scores: np.ndarray, n: int = 6, title: str = ""):
    """Two rows: the ``n`` images with the strongest and the ``n`` with the weakest alignment, heatmap overlaid,
    each titled ``image <i>: alignment <a>``; a colourbar for the heatmap scale; the title explains both."""
    valid = np.flatnonzero(~np.isnan(scores))
    order = valid[np.argsort(-scores[valid], kind="stable")]
    n = min(n, len(order) // 2 or 1)
    rows = {"strongest alignment": order[:n], "weakest alignment": order[::-1][:n]}
    fig, axes = plt.subplots(2, n, figsize=(1.9 * n + 1.0, 5.8), squeeze=False)
    overlay = None
    for r, (label, picks) in enumerate(rows.items()):
        for c in range(n):
            ax = axes[r, c]
            ax.axis("off")
            if c >= len(picks):
                continue
            i = picks[c]
            ax.imshow(images[i], cmap="gray")  # [H, W] or [H, W, C]
            overlay = ax.imshow(heatmaps[i], cmap="jet", alpha=0.45, vmin=0, vmax=1)
            ax.set_title(f"image {i}: alignment {scores[i]:.2f}", fontsize=7)
        axes[r, 0].text(-0.15, 0.5, label, transform=axes[r, 0].transAxes, rotation=90, va="center", ha="right",
                        fontsize=9)
    import textwrap

    explained = ("heat: sum of AIS-weighted maps above their mean over the images (0-1 per image); alignment: "
                 "mean rank agreement of the image's pairs, model vs human (1 = same order)")
    lines = [title or "AIS-weighted feature maps", *textwrap.wrap(explained, width=int(fig.get_figwidth() * 13))]
    fig.suptitle("\n".join(lines), fontsize=8)
    fig.tight_layout(rect=(0, 0, 0.9, 1 - 0.2 * len(lines) / fig.get_figheight()), h_pad=1.5)
    if overlay is not None:
        bar = fig.colorbar(overlay, cax=fig.add_axes((0.92, 0.15, 0.015, 0.65)))
        bar.set_label("heat (scaled per image)", fontsize=8)
    return fig


def ais_bar_figure(ais: np.ndarray, selected: np.ndarray | None = None, layer: str = ""):
    """AIS per map, S* highlighted."""
    fig, ax = plt.subplots(figsize=(max(4, 0.18 * len(ais) + 2), 3))
    colors = ["tab:orange" if selected is not None and k in set(selected.tolist()) else "tab:blue"
              for k in range(len(ais))]
    ax.bar(np.arange(len(ais)), ais, color=colors)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xlabel("feature map")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_ylabel("AIS = rho(all) - rho(all but k)")
    ax.set_title(f"alignment importance {layer} (orange: kept by pruning)", fontsize=10)
    fig.tight_layout()
    return fig
