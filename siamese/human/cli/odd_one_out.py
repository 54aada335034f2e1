"""``python -m siamese.human odd-one-out DIR``: score pixels and a model's layers on odd-one-out answers
(accuracy with a bootstrap CI, chance, the noise ceiling of repeated trials; docs/odd_one_out.md)."""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from siamese.human.cli.evaluate import positive_int
from siamese.models.source_arguments import add_source_arguments, source_from_args

HELP = "odd-one-out accuracy of pixels / a model (THINGS triplet files) with CI, chance and noise ceiling"
log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("things_dir", help="images.npz (object k = image k) and THINGS triplet files (*.txt: three "
                                           "0-based indices per line, odd one last)")
    parser.add_argument("--files", nargs="+", help="triplet files to read (default: every *.txt in THINGS_DIR)")
    add_source_arguments(parser)
    parser.add_argument("--layers", nargs="+", help="layers of --model (default: all)")
    parser.add_argument("--n-boot", type=positive_int("--n-boot"), default=1000, help="bootstrap resamples")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="output directory (default: <things_dir>/odd_one_out)")
    parser.add_argument("--write-synthetic", type=int, nargs=2, metavar=("IMAGES", "TRIPLETS"),
                        help="first write a SYNTHETIC copy into THINGS_DIR: IMAGES MNIST test digits and TRIPLETS "
                             "answers of a pixel-cosine observer (2%% of trials asked 5 times)")


def table(rows: list[dict], synthetic: bool) -> str:
    """The markdown table of ``run``'s rows (accuracy [CI], chance, ceilings)."""
    lines = ["| model | layer | accuracy [95% CI] | chance | ceiling lower / upper | answers |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['layer']} | {r['accuracy']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}] | "
                     f"{r['chance']:.3f} | {r['ceiling_lower']:.3f} / {r['ceiling_upper']:.3f} | {r['n_answers']} |")
    unit = rows[0]["ci_unit"] if rows else "images"
    note = (f"\nCI: percentile bootstrap over {unit}. Ceiling: repeated trials only "
            f"({rows[0]['repeated_answers'] if rows else 0} answers); lower = leave-one-answer-out modal answer, "
            "upper = modal answer.")
    return ("SYNTHETIC (generated, not people's answers)\n\n" if synthetic else "") + "\n".join(lines) + note


def run(args) -> int:
    from siamese.human.compare.odd_one_out import embedding_pair_similarities, score_odd_one_out
    from siamese.human.compare.similarity import pixel_vectors
    from siamese.human.io.things import read_things
    from siamese.utils.files import write_text_atomic

    started = time.monotonic()
    if args.write_synthetic:
        from siamese.human.compare.synthetic_triplets import write_synthetic_things

        write_synthetic_things(args.things_dir, *args.write_synthetic, seed=args.seed)
    judgments = read_things(args.things_dir, args.files)
    answers = judgments.odd_one_out
    log.info("read %d answers on %d images [%.1f s]", len(answers), len(judgments.images), time.monotonic() - started)
    sources = [("pixels", "pixels", pixel_vectors(judgments.images))]
    loaded = source_from_args(args)
    if loaded is not None:
        acts = loaded.activations(judgments.images, args.layers or loaded.net.layer_names)
        sources += [(loaded.name, layer, values.reshape(len(values), -1)) for layer, values in acts.items()]
    rows = []
    for name, layer, embedding in sources:
        result = score_odd_one_out(embedding_pair_similarities(embedding, answers.triplets), answers,
                                   len(judgments.images), args.n_boot, seed=args.seed)
        rows.append({"model": name, "layer": layer, **result})
        log.info("%s %s: accuracy %.3f [%.0f s]", name, layer, result["accuracy"], time.monotonic() - started)
    out = Path(args.out or Path(args.things_dir) / "odd_one_out")
    out.mkdir(parents=True, exist_ok=True)
    text = table(rows, judgments.synthetic)
    write_text_atomic(out / "results.md", text + "\n")
    write_text_atomic(out / "results.json", json.dumps({"synthetic": judgments.synthetic, "rows": rows}, indent=1))
    print(text)
    print(f"wrote {out}/results.md, results.json")
    return 0
