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


def ais_heatmaps(feature_maps, ais: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """H_i = upsample( sum_k w_k F_ik ) to ``image_size`` (bilinear), each scaled to [0, 1]; [N, H, W].

    ``feature_maps``: [N, K, h, w] activations of the analysed layer."""
    maps = torch.as_tensor(np.asarray(feature_maps), dtype=torch.float64)
    if maps.ndim != 4:
        raise ValueError(f"heatmaps need spatial feature maps [N, K, h, w], got {tuple(maps.shape)}")
    weighted = torch.einsum("nkhw,k->nhw", maps, torch.as_tensor(ais_weights(ais)))
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
    """Two rows: the ``n`` images with the strongest and the ``n`` with the weakest alignment, heatmap overlaid."""
    valid = np.flatnonzero(~np.isnan(scores))
    order = valid[np.argsort(-scores[valid], kind="stable")]
    n = min(n, len(order) // 2 or 1)
    rows = {"strongest alignment": order[:n], "weakest alignment": order[::-1][:n]}
    fig, axes = plt.subplots(2, n, figsize=(1.9 * n, 4.4), squeeze=False)
    for r, (label, picks) in enumerate(rows.items()):
        for c in range(n):
            ax = axes[r, c]
            ax.axis("off")
            if c >= len(picks):
                continue
            i = picks[c]
            ax.imshow(images[i], cmap="gray")  # [H, W] or [H, W, C]
            ax.imshow(heatmaps[i], cmap="jet", alpha=0.45, vmin=0, vmax=1)
            ax.set_title(f"#{i}  {scores[i]:.2f}", fontsize=8)
        axes[r, 0].text(-0.15, 0.5, label, transform=axes[r, 0].transAxes, rotation=90, va="center", ha="right",
                        fontsize=9)
    fig.suptitle(title or "AIS-weighted feature maps (image #, per-image alignment)", fontsize=10)
    fig.tight_layout()
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
