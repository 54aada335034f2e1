"""Held-out evaluation of readouts fitted on odd-one-out choices: the nested, image-grouped CV of the pair readouts
(``nested_cv``), with triplets in place of pairs and held-out accuracy in place of r.

Folds (``triplet_folds``): when the images fall into at least ``k`` groups that no trial links (connected
components of the graph joining the images of each trial), the groups are dealt into folds
(``siamese.evaluation.folds.grouped_folds``), exactly as pairs are; every answer is held out once. When the trials
link (nearly) all images, as in THINGS, the *images* are dealt into k folds: fold f tests the answers whose three
images all lie in image chunk f and trains on the answers with no image in it; answers that straddle are used in
neither (so no held-out answer shows the model an image it was fitted on). Inside each fold's training answers the
same rule makes the inner folds that choose ``reg`` (highest mean inner held-out accuracy; ties: the stronger
regularization), then the readout is refitted on all the fold's training answers (``fit_odd_one_out``).

Reported per readout: the accuracy of the pooled held-out answers (``siamese.human.compare.odd_one_out``: ties
split, bootstrap CI over images or trials) next to each frozen layer's plain cosine on the same answers, chance and
the noise ceiling of repeated trials. Finally each readout is fitted on all answers (its ``reg`` by CV on them).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from siamese.evaluation.folds import grouped_folds, image_groups
from siamese.human.compare.odd_one_out import chosen_columns, model_credit, noise_ceiling, score_odd_one_out
from siamese.human.io.judgments import TripletAnswers
from siamese.human.readouts.features import PairFeatures
from siamese.human.readouts.odd_one_out_fit import fit_odd_one_out, pair_rows

log = logging.getLogger(__name__)


def triplet_folds(shown, n_images: int, k: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """k folds ``[(train_answers, test_answers), ...]`` over answers whose images are ``shown`` ``[C, 3]`` (module
    doc)."""
    shown = np.asarray(shown, dtype=np.int64).reshape(-1, 3)
    edges = np.concatenate([shown[:, [0, 1]], shown[:, [1, 2]]])
    groups = image_groups(edges, n_images)[shown[:, 0]]
    if len(np.unique(groups)) >= k:
        return grouped_folds(groups, k, seed)
    used = np.unique(shown)
    chunk_of = np.full(n_images, -1)
    for f, (_, test) in enumerate(grouped_folds(used, k, seed)):
        chunk_of[used[test]] = f
    chunks = chunk_of[shown]
    folds = []
    for f in range(k):
        inside = (chunks == f).all(axis=1)
        touches = (chunks == f).any(axis=1)
        folds.append((np.flatnonzero(~touches), np.flatnonzero(inside)))
    return folds


def _accuracy(readout, features, trials, columns) -> float:
    sims = readout.similarity(features, pair_rows(trials).reshape(-1)).reshape(-1, 3)
    return float(model_credit(sims, columns).mean()) if len(columns) else float("nan")


def select_odd_one_out(readout, features, shown, trials, columns, n_images, inner_folds, seed):
    """Nested choice of ``reg`` (module doc) among ``readout.grid``; returns ``readout`` refitted on all the given
    answers and ``{reg: mean inner accuracy}``."""
    scores = {}
    folds = [(train, test) for train, test in triplet_folds(shown, n_images, inner_folds, seed)
             if len(train) >= 3 and len(test)]
    for reg in readout.grid:
        values = []
        for train, test in folds:
            trial = type(readout)(readout.layers, reg, readout.seed)
            fit_odd_one_out(trial, features, trials[train], columns[train])
            values.append(_accuracy(trial, features, trials[test], columns[test]))
        scores[float(reg)] = float(np.nanmean(values)) if values else float("-inf")
    strongest_first = sorted(scores, key=readout.strength, reverse=True)
    readout.reg = max(strongest_first, key=lambda reg: scores[reg])
    fit_odd_one_out(readout, features, trials, columns)
    readout.meta["inner_cv_accuracy"] = {repr(reg): value for reg, value in scores.items()}
    return readout, scores


@dataclass
class OddOneOutCVResult:
    rows: list[dict]
    ceiling: dict
    folds: int
    heldout_answers: int
    final: dict = field(default_factory=dict)


def cross_validate_odd_one_out(answers: TripletAnswers, n_images: int, features: PairFeatures, specs,
                               folds: int = 5, inner_folds: int = 3, seed: int = 0, n_boot: int = 1000,
                               fit_final: bool = True) -> OddOneOutCVResult:
    """The evaluation of the module doc; ``features`` are ``triplet_pair_features`` of ``answers.triplets``;
    ``specs`` are ``nested_cv.ReadoutSpec``s."""
    if len(features) != 3 * len(answers.triplets):
        raise ValueError(f"features of {len(features)} pairs for {len(answers.triplets)} trials (need 3 per trial)")
    for spec in specs:  # unknown kinds or layers fail here, before the long work
        spec.build(seed)
        for layer in spec.layers:
            features.get(layer)
    shown = answers.triplets[answers.trial]
    columns = chosen_columns(answers)
    outer = triplet_folds(shown, n_images, folds, seed)
    heldout = np.concatenate([test for _, test in outer])
    held = TripletAnswers(answers.task, answers.triplets, answers.trial_id, [answers.rater[c] for c in heldout],
                          answers.trial[heldout], answers.chosen[heldout])
    if len(heldout) < 3:
        raise ValueError(f"only {len(heldout)} answers can be held out with {folds} folds; use more answers or "
                         "fewer folds")
    rows = []
    for layer in features.layers:
        sims = features.cosine(layer).reshape(-1, 3)
        rows.append({"method": "frozen cosine", "readout": "none", "layers": layer, "chosen_reg": "",
                     **score_odd_one_out(sims, held, n_images, n_boot, seed=seed)})
    for number, spec in enumerate(specs, start=1):
        per_answer = np.full((len(answers), 3), np.nan)
        chosen = []
        for fold, (train, test) in enumerate(outer):
            readout, inner = select_odd_one_out(spec.build(seed), features, shown[train],
                                                answers.trial[train], columns[train], n_images, inner_folds,
                                                seed + fold)
            per_answer[test] = readout.similarity(features, pair_rows(answers.trial[test]).reshape(-1)).reshape(-1, 3)
            chosen.append(readout.reg)
            log.info("odd-one-out readout %d/%d %s: fold %d/%d reg %g (inner accuracy %.3f), held-out accuracy %.3f",
                     number, len(specs), spec.name, fold + 1, len(outer), readout.reg, inner[readout.reg],
                     model_credit(per_answer[test], columns[test]).mean() if len(test) else float("nan"))
        # each held-out answer is scored by its own fold's readout: one row of similarities per answer
        per_trial = TripletAnswers(answers.task, shown[heldout], [f"a{c}" for c in heldout],
                                   [answers.rater[c] for c in heldout], np.arange(len(heldout)),
                                   answers.chosen[heldout])
        rows.append({"method": "readout", "readout": spec.kind, "layers": "+".join(spec.layers),
                     "chosen_reg": " ".join(f"{reg:g}" for reg in chosen),
                     **score_odd_one_out(per_answer[heldout], per_trial, n_images, n_boot, seed=seed)})
        rows[-1].update({key: rows[0][key] for key in ("ceiling_lower", "ceiling_upper", "repeated_trials",
                                                         "repeated_answers")})
    result = OddOneOutCVResult(rows, noise_ceiling(answers), folds, int(len(heldout)))
    if fit_final:
        for spec in specs:
            readout, _ = select_odd_one_out(spec.build(seed), features, shown, answers.trial, columns,
                                            n_images, inner_folds, seed)
            result.final[spec.name] = readout
    return result
