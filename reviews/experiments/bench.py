"""Benchmark the demos: each ``full`` preset on the best device present.

    python -m reviews.experiments.bench [--device cuda] [--only grokking,swa] [--out bench.json]

Prints wall time, optimiser steps per second and the verdict of each demo. For grokking it
also runs one seed and eight seeds batched, times a plain eager PyTorch version of the same
model in the same process, and prints the speed-up.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path
from typing import Any

from reviews.experiments import Result, all_experiments, get


def _row(slug: str, label: str, result: Result) -> dict[str, Any]:
    return {
        "experiment": slug,
        "run": label,
        "seeds": len(result.seeds),
        "wall_s": round(result.duration_s, 2),
        "steps": result.steps,
        "steps_per_s": round(_steps_per_s(result), 1),
        "verdict": result.verdict.value,
        "reason": result.reason,
        "summary": result.summary,
        "device": result.device,
    }


def _steps_per_s(result: Result) -> float:
    # A demo that times its own training loop (without setup) reports it in the summary.
    if "steps_per_s" in result.summary:
        return float(result.summary["steps_per_s"])
    return result.steps / result.duration_s if result.duration_s else 0.0


def grokking_speed(device: str, steps: int | None) -> list[dict[str, Any]]:
    """Grokking ``full`` with 1 and 8 seeds, and the eager baseline's steps per second.

    ``steps`` caps the run (throughput only, no verdict expected): the full preset needs
    thousands of steps, hours on a CPU.
    """
    grokking = get("grokking")
    capped = {} if steps is None else {"steps": steps, "stop_when_grokked": False}
    label = "full" if steps is None else f"full model, first {steps} steps"
    rows = []
    for seeds in (1, 8):
        config = grokking.config("full", {"seeds": seeds, **capped})
        result = grokking.run(config, device=device)
        rows.append(_row("grokking", f"{label}, {seeds} seed{'s' if seeds > 1 else ''}", result))
    one_seed = grokking.config("full", {"seeds": 1})
    eager = grokking.module.eager_baseline(one_seed, device=device, steps=steps or 500)
    if device.startswith("cuda"):
        exact = grokking.config("full", {"seeds": 2, "tf32": False})
        worst = grokking.module.graph_parity(exact, device=device, steps=10)
        print(json.dumps({"check": "grokking graph replay vs eager, 10 steps", "max_abs": worst}))
    fast = rows[0]["steps_per_s"]
    rows.append(
        {
            "experiment": "grokking",
            "run": "eager baseline, 1 seed",
            "seeds": 1,
            "steps_per_s": round(eager, 1),
            "speedup": round(fast / eager, 1) if eager else None,
            # A fast-path step trains both arms (weight decay and control); eager trains one.
            "speedup_per_model": round(2 * fast / eager, 1) if eager else None,
        }
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reviews.experiments.bench")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--only", default="", help="comma-separated slugs")
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--grokking-steps",
        type=int,
        help="cap grokking's runs at this many steps (default: none on CUDA, 300 on a CPU)",
    )
    args = parser.parse_args(argv)

    import torch

    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    only = {s for s in args.only.split(",") if s}
    rows: list[dict[str, Any]] = []
    for experiment in all_experiments():
        if only and experiment.slug not in only:
            continue
        try:
            if experiment.slug == "grokking":
                steps = args.grokking_steps
                if steps is None and not device.startswith("cuda"):
                    steps = 300
                new = grokking_speed(device, steps)
            else:
                result = experiment.run(experiment.config("full"), device=device)
                new = [_row(experiment.slug, "full", result)]
        except Exception as error:  # one broken demo must not hide the others' figures
            traceback.print_exc()
            new = [{"experiment": experiment.slug, "run": "full", "seeds": 0, "error": repr(error)}]
        for row in new:
            print(json.dumps(row), flush=True)
        rows += new

    name = torch.cuda.get_device_name() if device.startswith("cuda") else f"CPU ({device})"
    print(f"\n## Demo experiments, full presets, on {name} (torch {torch.__version__})\n")
    print("| experiment | run | seeds | wall (s) | steps/s | verdict |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for row in rows:
        speed = f"{row['steps_per_s']:,}" if row.get("steps_per_s") else "–"
        if row.get("speedup"):
            speed += (
                f" (fast path {row['speedup']}× the steps/s, "
                f"{row['speedup_per_model']}× per model trained)"
            )
        print(
            f"| {row['experiment']} | {row['run']} | {row['seeds']} | {row.get('wall_s', '–')} "
            f"| {speed} | {row.get('verdict', row.get('error', '–'))} |"
        )
    if args.out:
        args.out.write_text(json.dumps({"device": name, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
