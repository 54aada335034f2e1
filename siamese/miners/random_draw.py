"""Random partners for every anchor: the draw shared by the random, k-NN and (warm-up) pml miners."""

from __future__ import annotations

import torch

from siamese.utils.parameters import ParameterError, check_integer


def draw_random_pairs(candidates: torch.Tensor, per_anchor: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(anchors, partners)`` index tensors: ``per_anchor`` uniform draws with replacement from each row's True
    columns of the bool matrix ``candidates`` [A, R] (``torch.multinomial`` on the row as weights); rows with no
    True column contribute nothing. Anchors come in row order, each repeated ``per_anchor`` times.
    Example: ``candidates = [[F, T, T], [F, F, F]]``, ``per_anchor=2`` -> anchors ``[0, 0]``, partners two
    draws from {1, 2}."""
    has_any = candidates.any(dim=1)
    anchors = has_any.nonzero().squeeze(1)
    if len(anchors) == 0:
        empty = torch.empty(0, dtype=torch.long, device=candidates.device)
        return empty, empty
    weights = candidates[anchors].float()
    partners = torch.multinomial(weights, per_anchor, replacement=True)  # [A, per_anchor]
    return anchors.repeat_interleave(per_anchor), partners.reshape(-1)


def check_draw_counts(num_positives: int, num_negatives: int, output: str, outputs=("pairs", "triplets")) -> None:
    """The settings every random-drawing miner validates: counts >= 1, a known ``output``, and for triplets as
    many positives as negatives (one triplet per draw). Errors name the parameter (``ParameterError``)."""
    for parameter, count in (("num_positives", num_positives), ("num_negatives", num_negatives)):
        check_integer(parameter, count, 1)
    if output not in outputs:
        raise ParameterError("output", output, f"must be one of {tuple(outputs)}")
    if output == "triplets" and num_positives != num_negatives:
        raise ParameterError("output", output, f"needs num_positives == num_negatives, got {num_positives}, "
                             f"{num_negatives}")


def random_tuples(labels: torch.Tensor, ref_labels: torch.Tensor, same_set: bool, num_positives: int = 1,
                  num_negatives: int = 1, output: str = "pairs") -> tuple[torch.Tensor, ...]:
    """Random same-label positives and other-label negatives of every anchor (``draw_random_pairs``):
    ``(a1, p, a2, n)`` for ``output="pairs"``, ``(a, p, n)`` for ``"triplets"`` (one triplet per positive/negative
    draw; only anchors with both kinds; needs ``num_positives == num_negatives``). ``same_set``: the references
    are the anchors themselves, so an anchor is never its own positive."""
    same = labels[:, None] == ref_labels[None, :]
    if same_set:
        same.fill_diagonal_(False)
        is_pos = same
        is_neg = labels[:, None] != ref_labels[None, :]
    else:
        is_pos, is_neg = same, ~same
    if output == "triplets":  # only anchors that have both a positive and a negative
        both = (is_pos.any(dim=1) & is_neg.any(dim=1))[:, None]
        is_pos, is_neg = is_pos & both, is_neg & both
    a1, p = draw_random_pairs(is_pos, num_positives)
    a2, n = draw_random_pairs(is_neg, num_negatives)
    return (a1, p, a2, n) if output == "pairs" else (a1, p, n)
