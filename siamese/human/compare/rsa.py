"""rsatoolbox interoperability: rated pairs and model similarity as rsatoolbox ``RDMs``, its file format, and its
comparisons and noise ceiling beside the project's (docs/odd_one_out.md, "rsatoolbox").

Conditions are the images of a :class:`Judgments` (``image_id`` order; ``pattern_descriptors['image_id']``). An
RDM is rsatoolbox's condensed vector over the image pairs ``i < j`` (row-major upper triangle); a pair nobody
rated is NaN. Dissimilarities:

- people: one RDM per rater, ``d = max(ratings) - rating`` (the maximum over all raters and pairs of the ratings as
  given, raw or normalized; a decreasing affine map, so every correlation equals the one of the ratings);
  ``rdm_descriptors['rater']`` names the rater. Two pair ids on the same two images are averaged; a pair of an
  image with itself (a catch trial) has no place in an RDM and is left out.
- a model: ``d = 1 - s`` with ``s`` the cosine similarity of the pair (``siamese.human.compare.similarity``).

rsatoolbox drops an image pair from every comparison when any RDM of the set lacks it, so its numbers read the
pairs **every rater rated** (``complete pairs``). Its model evaluation is the mean over raters of
``compare(model, rater_i)`` (``rsatoolbox.inference.eval_fixed``); its noise ceiling
(``rsatoolbox.inference.boot_noise_ceiling``) is, per rater, the comparison with the pooled RDM of the other raters
(lower bound) and of all raters (upper bound), averaged; for ``corr`` the pooling z-scores each rater first.

Equalities (``tests/human/compare/test_rsa.py``), on pairs every rater rated, one pair id per image pair:
- the project's Pearson r / Spearman rho of a model with the raters' mean rating = rsatoolbox's
  ``compare(model, mean RDM, 'corr' / 'spearman')``;
- the project's leave-one-out ceiling (``leave_one_out_ceiling``: each rater against the raw mean of the others)
  = rsatoolbox's lower bound with ``corr`` when the ratings are z-scored per rater (``normalize=zscore``); on raw
  ratings the two differ only by rsatoolbox's z-scoring before pooling.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from siamese.human.io.judgments import Judgments

METHODS = ("corr", "spearman", "rho-a", "tau-a")  # rsatoolbox.rdm.compare methods offered beside the project's


def condensed_index(pairs, n: int) -> np.ndarray:
    """Position of each pair ``(i, j)``, i != j, in the condensed vector of an ``n``-condition RDM (i < j,
    row-major), as ``scipy.spatial.distance.squareform`` and rsatoolbox order it."""
    pairs = np.sort(np.asarray(pairs, dtype=np.int64).reshape(-1, 2), axis=1)
    i, j = pairs[:, 0], pairs[:, 1]
    return n * i - i * (i + 1) // 2 + (j - i - 1)


def to_vectors(values, judgments: Judgments) -> np.ndarray:
    """``[K, M]`` condensed vectors of per-pair ``values`` ``[K, P]`` (NaN = missing): duplicate image pairs
    averaged over their present values, self-pairs left out, unrated image pairs NaN."""
    values = np.atleast_2d(np.asarray(values, dtype=float))
    n = len(judgments.images)
    keep = judgments.pairs[:, 0] != judgments.pairs[:, 1]
    index = condensed_index(judgments.pairs[keep], n)
    size = n * (n - 1) // 2
    present = ~np.isnan(values[:, keep])
    sums, counts = np.zeros((len(values), size)), np.zeros((len(values), size))
    for row in range(len(values)):
        np.add.at(sums[row], index[present[row]], values[row, keep][present[row]])
        np.add.at(counts[row], index[present[row]], 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def human_rdms(judgments: Judgments):
    """One rsatoolbox ``RDMs`` with an RDM per rater (module doc)."""
    from rsatoolbox.rdm import RDMs

    if judgments.ratings is None or not len(judgments.raters):
        raise ValueError("these judgments hold no ratings to turn into RDMs")
    ratings = judgments.ratings
    top = np.nanmax(ratings)
    return RDMs(to_vectors(top - ratings, judgments), dissimilarity_measure="max(rating) - rating",
                descriptors={"normalization": judgments.normalization, "synthetic": int(judgments.synthetic)},
                rdm_descriptors={"rater": list(judgments.raters)},
                pattern_descriptors={"image_id": list(judgments.image_id)})


def model_rdm(similarity, judgments: Judgments, name: str = "model"):
    """The ``RDMs`` (one RDM) of a model's per-pair cosine ``similarity`` ``[P]``: ``1 - s``, NaN where unrated."""
    from rsatoolbox.rdm import RDMs

    return RDMs(to_vectors(1.0 - np.asarray(similarity, dtype=float)[None, :], judgments),
                dissimilarity_measure="1 - cosine", rdm_descriptors={"model": [name]},
                pattern_descriptors={"image_id": list(judgments.image_id)})


def complete(rdms, *others):
    """Copies of ``rdms`` and ``others`` keeping only the image pairs present in every RDM of ``rdms``; the
    others set NaN elsewhere (rsatoolbox compares only RDMs with equal NaN positions)."""
    from rsatoolbox.rdm import RDMs

    vectors = rdms.get_vectors()
    mask = ~np.isnan(vectors).any(axis=0)
    out = []
    for item in (rdms, *others):
        v = item.get_vectors().copy()
        v[:, ~mask] = np.nan
        if np.isnan(v[:, mask]).any():
            raise ValueError("the model RDM lacks image pairs that every rater rated")
        out.append(RDMs(v, dissimilarity_measure=item.dissimilarity_measure, descriptors=item.descriptors,
                        rdm_descriptors=item.rdm_descriptors, pattern_descriptors=item.pattern_descriptors))
    return out


def rsatoolbox_scores(model, human, methods=METHODS) -> dict[str, float]:
    """rsatoolbox's evaluation of one model ``RDMs`` against the raters' ``RDMs`` on the complete pairs (module
    doc): per method ``m``, ``rsa_<m>`` (mean over raters of ``compare(model, rater)``), ``rsa_<m>_ceiling_lower``
    and ``..._upper`` (``boot_noise_ceiling``), and ``rsa_complete_pairs``. With fewer than two raters the
    ceilings are nan."""
    import warnings

    from rsatoolbox.inference import boot_noise_ceiling
    from rsatoolbox.rdm import compare

    human, model = complete(human, model)
    out: dict[str, float] = {"rsa_complete_pairs": int((~np.isnan(human.get_vectors()[0])).sum())}
    for method in methods:
        key = "rsa_" + method.replace("-", "_")
        out[key] = float(np.mean(compare(model, human, method)))
        low = high = float("nan")
        if human.n_rdm >= 2:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "noise ceiling for tau based on averaged ranks"
                low, high = (float(v) for v in boot_noise_ceiling(human, method=method, rdm_descriptor="index"))
        out[f"{key}_ceiling_lower"], out[f"{key}_ceiling_upper"] = low, high
    return out


# ---------------------------------------------------------------------------------------------------- the file
def save_rdms(rdms, path: str | Path) -> Path:
    """Write ``rdms`` in rsatoolbox's own HDF5 format (``RDMs.save(..., file_type='hdf5')``), atomically: to a
    temporary file beside ``path``, then renamed over it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        rdms.save(temporary, file_type="hdf5", overwrite=True)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path


def load_rdms(path: str | Path):
    """``RDMs`` from an rsatoolbox HDF5 file (``rsatoolbox.rdm.load_rdm``); a clear error for anything else."""
    from rsatoolbox.rdm import load_rdm

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"RDM file {path} not found")
    try:
        return load_rdm(str(path), file_type="hdf5")
    except Exception as error:  # noqa: BLE001 - h5py raises many kinds for a foreign or broken file
        raise ValueError(f"{path}: not an rsatoolbox HDF5 RDM file ({error})") from None
