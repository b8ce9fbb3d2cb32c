"""Run one demo from the shell, on a machine with only PyTorch (and scikit-learn):

python -m reviews.experiments grokking --preset full --device cuda --out result.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from reviews.experiments import MODULES, ConfigError, Progress, get


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reviews.experiments", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "slug", help="one of: " + ", ".join(name.replace("_", "-") for name in MODULES)
    )
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE"
    )
    parser.add_argument("--out", type=Path, help="write the result as JSON here")
    parser.add_argument("--figure", type=Path, help="write the figure as SVG here")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)

    try:
        experiment = get(args.slug)
    except KeyError:
        parser.error(f"unknown experiment {args.slug!r}")
    overrides = {}
    for item in args.overrides:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--set {item!r}: expected FIELD=VALUE")
        overrides[name] = _value(value)
    try:
        config = experiment.config(args.preset, overrides)
    except ConfigError as error:
        for name, message in error.errors.items():
            print(f"{name}: {message}", file=sys.stderr)
        return 2

    last = 0.0

    def on_progress(progress: Progress) -> None:
        nonlocal last
        now = time.monotonic()
        if not args.quiet and (now - last >= 1.0 or progress.fraction >= 1.0):
            last = now
            print(
                f"[{100 * progress.fraction:5.1f}%] {progress.message}", file=sys.stderr, flush=True
            )

    result = experiment.run(config, device=args.device, on_progress=on_progress)
    print(f"{experiment.slug} ({args.preset}) on {result.device}: {result.verdict.value}")
    print(result.reason)
    steps_per_s = result.steps / result.duration_s if result.duration_s else 0.0
    print(f"{result.duration_s:.1f} s, {result.steps} steps, {steps_per_s:,.0f} steps/s")
    if args.out:
        payload = {"experiment": experiment.slug, "preset": args.preset, "config": config.to_dict()}
        args.out.write_text(json.dumps(payload | result.to_dict(), indent=1))
    if args.figure:
        args.figure.write_text(experiment.figure(result.series, config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
