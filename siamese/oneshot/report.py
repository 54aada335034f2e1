"""The results of ``score_runs`` as ``results.csv`` (one row per method and run), ``results.json`` and a short
``results.md``, written atomically, and as the lines the command prints."""

from __future__ import annotations

import json
from pathlib import Path

from siamese.oneshot.score import MethodResult
from siamese.utils.files import csv_text, write_text_atomic


def summary_lines(results: list[MethodResult]) -> list[str]:
    """One line per method: mean error over runs with the 95% CI, in percent."""
    lines = []
    for result in results:
        mean, low, high = result.summary
        lines.append(f"{result.method.name}: error {100 * mean:.1f}% (95% CI {100 * low:.1f} to {100 * high:.1f}; "
                     f"{sum(result.wrong)} of {sum(result.items)} items wrong over {len(result.runs)} runs; "
                     f"{result.seconds:.1f} s) - {result.method.description}")
    return lines


def write_results(out: str | Path, results: list[MethodResult], runs_source: str, model: str | None) -> list[Path]:
    """Write ``results.csv``, ``results.json`` and ``results.md`` to ``out`` (created); returns their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = [(r.method.name, run, n, w, round(w / n, 6)) for r in results for run, w, n in zip(r.runs, r.wrong, r.items)]
    methods = {}
    for r in results:
        mean, low, high = r.summary
        methods[r.method.name] = {"description": r.method.description, "image_size": r.method.size,
                                  "error": mean, "ci95_low": low, "ci95_high": high, "wrong": sum(r.wrong),
                                  "items": sum(r.items), "seconds": round(r.seconds, 3),
                                  "runs": dict(zip(r.runs, r.errors))}
    document = {"runs": runs_source, "model": model, "ci": "mean +- t_{0.975,R-1} * sd / sqrt(R) over the R runs",
                "methods": methods}
    run_names = results[0].runs if results else []
    header = "| method | error | 95% CI | items wrong | time |\n|---|---|---|---|---|\n"
    table = "".join(f"| {r.method.name} | {100 * r.summary[0]:.1f}% | {100 * r.summary[1]:.1f} to "
                    f"{100 * r.summary[2]:.1f}% | {sum(r.wrong)} / {sum(r.items)} | {r.seconds:.1f} s |\n"
                    for r in results)
    per_run = ("| run | " + " | ".join(r.method.name for r in results) + " |\n|---|"
               + "---|" * len(results) + "\n"
               + "".join(f"| {run} | " + " | ".join(f"{100 * r.errors[i]:.0f}%" for r in results) + " |\n"
                         for i, run in enumerate(run_names)))
    described = "".join(f"- {r.method.name}: {r.method.description}\n" for r in results)
    markdown = (f"# One-shot classification error\n\nRuns: `{runs_source}`; model: `{model or 'none'}`.\n"
                f"Each test item is classified as its most similar candidate; the error is the mean over runs "
                f"with a 95% t interval over runs (docs/oneshot.md).\n\n{header}{table}\n{described}\n{per_run}")
    return [write_text_atomic(out / "results.csv", csv_text(["method", "run", "items", "wrong", "error"], rows)),
            write_text_atomic(out / "results.json", json.dumps(document, indent=2) + "\n"),
            write_text_atomic(out / "results.md", markdown)]
