"""How the drift detectors scale: scipy statistics against Evidently, 100k to 5M rows.

    python benchmarks/drift_scaling.py [--rows 100000 1000000 5000000] [--timeout 1800]

Inputs: the example's ten feature columns (four numeric, six categorical, with their missing
values); the reference is the first year's rows and the current the second year's, each drawn
with replacement (seed 0) up to the row count, so every size holds the same real drift.

Each measurement runs in a fresh process: it builds the two tables, makes one untimed call on
1,000 rows (imports, first-call caches), resets the kernel's peak-RSS mark
(`/proc/self/clear_refs`), then times one `detect` call with the default policy (KS and
chi-squared, p < 0.05) and reports its wall time, the process's peak RSS during the call, and
the peak above what the process held before it (the tables themselves). Detectors:

- statistical: `ScipyDriftDetector` as configured by default, each table cut to a seeded sample
  of `monitoring.max_rows` = 100,000 rows;
- statistical, all rows: the same with `max_rows: null`;
- evidently, all rows: `EvidentlyDriftDetector` with `max_rows: null`, Evidently's data drift
  preset on every row;
- evidently, capped: the same with the 100,000-row cap.

A measurement that runs past `--timeout` seconds is stopped and reported as such.
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "bike_sharing_hourly.parquet"
FEATURES = (
    "season",
    "hr",
    "holiday",
    "weekday",
    "workingday",
    "weathersit",
    "temp",
    "atemp",
    "hum",
    "windspeed",
)
DEFAULT_CAP = 100_000
VARIANTS: dict[str, tuple[str, int | None]] = {
    "statistical": ("statistical", DEFAULT_CAP),
    "statistical, all rows": ("statistical", None),
    "evidently, all rows": ("evidently", None),
    "evidently, capped": ("evidently", DEFAULT_CAP),
}
MIB = 1024 * 1024


def measure(variant: str, rows: int) -> dict[str, Any]:
    """Build the inputs, warm up, and time one `detect` call (run in a fresh process)."""
    import pandas as pd

    from podium.domain.dataset import feature_kinds
    from podium.domain.drift import DriftPolicy
    from podium.ports import DriftDetector

    kind, cap = VARIANTS[variant]
    detector: DriftDetector
    if kind == "statistical":
        from podium.adapters.scipy_drift import ScipyDriftDetector

        detector = ScipyDriftDetector()
    else:
        from podium.adapters.evidently_drift import EvidentlyDriftDetector

        detector = EvidentlyDriftDetector()
    table = pd.read_parquet(DATA)
    year = table["dteday"].dt.year
    reference = table.loc[year == 2011, list(FEATURES)].sample(rows, replace=True, random_state=0)
    current = table.loc[year == 2012, list(FEATURES)].sample(rows, replace=True, random_state=1)
    reference, current = reference.reset_index(drop=True), current.reset_index(drop=True)
    kinds = feature_kinds(table, list(FEATURES), source=str(DATA))
    policy = DriftPolicy(max_rows=cap)
    detector.detect(reference.head(1000), current.head(1000), kinds, policy)

    before = _resident_now()
    reset = _reset_peak()
    started = time.perf_counter()
    report = detector.detect(reference, current, kinds, policy)
    seconds = time.perf_counter() - started
    peak = _peak_resident() if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "variant": variant,
        "rows": rows,
        "seconds": seconds,
        "peak_mib": peak / MIB,
        "added_mib": max(peak - before, 0) / MIB,
        "peak_is_per_call": reset,
        "drifted": list(report.drifted_columns),
    }


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise OSError(f"/proc/self/status has no {field}")


def _resident_now() -> int:
    try:
        return _status("VmRSS")
    except OSError:
        return 0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_resident() -> int:
    return _status("VmHWM")


def run(variant: str, rows: int, timeout: float) -> dict[str, Any]:
    """One measurement in a fresh interpreter, or a record of why there is none."""
    command = [sys.executable, __file__, "--measure", variant, str(rows)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"variant": variant, "rows": rows, "error": f"stopped after {timeout:.0f} s"}
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit code {done.returncode}"]
        return {"variant": variant, "rows": rows, "error": lines[-1]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def table(results: list[dict[str, Any]]) -> str:
    """The results as a Markdown table, with each size's speed-up over Evidently on all rows."""
    evidently = {r["rows"]: r["seconds"] for r in results if r["variant"] == "evidently, all rows"}
    evidently = {k: v for k, v in evidently.items() if v}
    lines = [
        "| rows | detector | wall time | peak RSS | RSS added by the call | vs Evidently, all rows"
        " | drifted columns |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['rows']:,} | {r['variant']} | {r['error']} | | | | |")
            continue
        base = evidently.get(r["rows"])
        ratio = f"{base / r['seconds']:.1f}x faster" if base and r["seconds"] > 0 else ""
        lines.append(
            f"| {r['rows']:,} | {r['variant']} | {r['seconds']:.2f} s | {r['peak_mib']:,.0f} MiB"
            f" | {r['added_mib']:,.0f} MiB | {ratio} | {', '.join(r['drifted'])} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Measure every variant at every size, one fresh process each, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000, 5_000_000])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per measurement")
    parser.add_argument("--measure", nargs=2, metavar=("VARIANT", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], int(args.measure[1]))))
        return
    results = []
    for rows in args.rows:
        for variant in args.variants:
            result = run(variant, rows, args.timeout)
            results.append(result)
            shown = result.get("error") or f"{result['seconds']:.2f} s"
            print(f"{rows:>9,} rows  {variant:<22} {shown}", file=sys.stderr, flush=True)
    print(table(results))


if __name__ == "__main__":
    main()
