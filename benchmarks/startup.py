"""How long podium's commands take in a fresh process, and how much memory they need.

    python benchmarks/startup.py [--runs N] [--n-jobs K] [--source DIR] [--without-train]

Every measurement is a new Python process (`sys.executable`), as a user gets from a shell:

1. `python -c "import podium"`
2. `podium --help` (`python -m podium --help`)
3. `podium validate configs/training.yaml`
4. `podium validate configs/training.yaml --set job.bogus_key=1`: a config error, which must exit
   2 and name the key
5. training the bundled example through the facade with an in-memory stack:
   `podium.Lifecycle().train(table, target="cnt", name="bikes", time_column="dteday",
   drop=["casual", "registered"], params=...)` on `data/bike_sharing_hourly.parquet`, read with
   pandas in the timed process
6. the same job with the plain libraries: import LightGBM and pandas, read the same parquet, drop
   the same columns (and `dteday`, which podium uses only to split), the same time-ordered 80/20
   cutoff, `LGBMRegressor(...).fit` on the train rows and `predict` on the holdout

Both training rows use `learning_rate=0.05, max_depth=10, random_state=42, n_jobs=K` (`--n-jobs`,
default 2). Each command runs once untimed first (page cache, `.pyc` files), then `--runs` times
(default 7), the commands taking turns in a rotating order so that a busy moment of the machine
is shared among them. Wall time is the parent's `time.perf_counter` around `Popen` and
`os.wait4`: interpreter start-up, imports and exit included. Peak RSS is the child's own
`ru_maxrss` from `os.wait4`. Every exit code is checked: a command that fails, or exits
otherwise than expected, is reported with the tail of its stderr and the script exits 1.

Then each of the first four runs once more in-process in a fresh child (`import podium`, or
`podium.cli.main(argv)`), which prints which heavy libraries the command imported.

`--source DIR` measures another checkout (for example a `git worktree` of an older commit) with
this script and this interpreter: the children run in `DIR` with `PYTHONPATH=DIR/src`.
`--without-train` leaves out the podium training row, for versions without `podium.Lifecycle`.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = "data/bike_sharing_hourly.parquet"
CONFIG = "configs/training.yaml"
HEAVY = (
    "boto3",
    "lightgbm",
    "matplotlib",
    "mlflow",
    "optuna",
    "pandas",
    "pyarrow",
    "scipy",
    "skops",
    "sklearn",
)
NOISY = 1.25  # a median this far above the fastest run means most runs were disturbed
TAIL_LINES = 25
TRAIN = "podium Lifecycle().train"
PLAIN = "plain lightgbm + pandas"

TRAIN_CODE = f"""
import json, sys
import pandas as pd
import podium
n_jobs = int(sys.argv[1])
table = pd.read_parquet({DATA!r})
lc = podium.Lifecycle()
result = lc.train(
    table, target="cnt", name="bikes", time_column="dteday", drop=["casual", "registered"],
    params={{"learning_rate": 0.05, "max_depth": 10, "random_state": 42, "n_jobs": n_jobs}},
)
print(json.dumps({{"metrics": result.metrics, "version": str(result.model_version)}}, default=str))
"""

PLAIN_CODE = f"""
import json, sys
import lightgbm
import numpy as np
import pandas as pd
n_jobs = int(sys.argv[1])
table = pd.read_parquet({DATA!r})
times = table["dteday"]
ordered = np.sort(times.to_numpy())
cutoff = ordered[min(int(len(ordered) * 0.8), len(ordered) - 1)]
is_test = (times >= cutoff).to_numpy()
features = table.drop(columns=["casual", "registered", "dteday", "cnt"])
for name in features.columns:
    if not pd.api.types.is_numeric_dtype(features[name]):
        features[name] = features[name].astype("category")
target = table["cnt"]
model = lightgbm.LGBMRegressor(
    n_jobs=n_jobs, random_state=42, learning_rate=0.05, max_depth=10, verbose=-1
)
model.fit(features[~is_test], target[~is_test])
predicted = model.predict(features[is_test])
rmse = float(np.sqrt(np.mean((target[is_test].to_numpy() - predicted) ** 2)))
print(json.dumps({{"rmse": rmse, "train_rows": int((~is_test).sum()),
                  "test_rows": int(is_test.sum())}}))
"""

# argv[1] is the CLI's argv as JSON, or null for a bare `import podium`.
PROBE_CODE = f"""
import contextlib, io, json, sys
argv = json.loads(sys.argv[1])
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    import podium
    if argv is None:
        code = 0
    else:
        from podium.cli import main
        code = main(argv)
heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)
print(json.dumps({{"code": code, "heavy": heavy, "modules": len(sys.modules)}}))
"""


@dataclass(frozen=True)
class Command:
    """One row of the table."""

    label: str
    argv: tuple[str, ...]
    expected_code: int = 0
    expected_text: str | None = None  # must appear in stdout or stderr
    cli_args: tuple[str, ...] | None = None  # what `podium.cli.main` gets in the probe
    probe: bool = False


@dataclass(frozen=True)
class Sample:
    """One run of a command."""

    seconds: float
    max_rss_kib: int
    code: int
    stdout: str
    stderr: str


@dataclass
class Row:
    """A command's runs so far."""

    command: Command
    samples: list[Sample] = field(default_factory=list)
    failure: str | None = None

    @property
    def seconds(self) -> list[float]:
        return [sample.seconds for sample in self.samples]

    @property
    def rss_mib(self) -> float:
        return median(sample.max_rss_kib for sample in self.samples) / 1024


def commands(n_jobs: int, *, with_train: bool) -> list[Command]:
    python = sys.executable
    podium = (python, "-m", "podium")
    validate = ("validate", CONFIG)
    error = (*validate, "--set", "job.bogus_key=1")
    rows = [
        Command("python -c 'import podium'", (python, "-c", "import podium"), probe=True),
        Command("podium --help", (*podium, "--help"), cli_args=("--help",), probe=True),
        Command(
            f"podium validate {CONFIG}",
            (*podium, *validate),
            expected_text="ok",
            cli_args=validate,
            probe=True,
        ),
        Command(
            "podium validate ... --set job.bogus_key=1",
            (*podium, *error),
            expected_code=2,
            expected_text="bogus_key",
            cli_args=error,
            probe=True,
        ),
    ]
    if with_train:
        rows.append(Command(TRAIN, (python, "-c", TRAIN_CODE, str(n_jobs))))
    rows.append(Command(PLAIN, (python, "-c", PLAIN_CODE, str(n_jobs))))
    return rows


def run_once(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> Sample:
    """Run `argv` in a fresh process; its wall time from the parent and its own peak RSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        with subprocess.Popen(
            list(argv), cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        ) as process:
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - start
            process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Sample(
            seconds=seconds,
            max_rss_kib=usage.ru_maxrss,  # KiB on Linux
            code=process.returncode,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
        )


def check(command: Command, sample: Sample) -> str | None:
    """Why `sample` is not what `command` should do, or None."""
    if sample.code != command.expected_code:
        problem = f"exit code {sample.code}, expected {command.expected_code}"
    elif command.expected_text is not None and command.expected_text not in (
        sample.stdout + sample.stderr
    ):
        problem = f"output lacks {command.expected_text!r}"
    else:
        return None
    tail = "\n".join((sample.stderr or sample.stdout).splitlines()[-TAIL_LINES:])
    return f"{problem}\n    argv: {_shown(command.argv)}\n    output tail:\n{_indent(tail)}"


def measure(rows: list[Row], runs: int, cwd: Path, env: dict[str, str]) -> None:
    """One untimed run of each command, then `runs` timed ones in rotating order."""
    for row in rows:
        row.failure = check(row.command, run_once(row.command.argv, cwd, env))
        if row.failure is not None:
            print(f"FAILED (warm-up) {row.command.label}: {row.failure}", flush=True)
    for turn in range(runs):
        live = [row for row in rows if row.failure is None]
        if not live:
            return
        shift = turn % len(live)
        for row in live[shift:] + live[:shift]:
            sample = run_once(row.command.argv, cwd, env)
            row.failure = check(row.command, sample)
            if row.failure is not None:
                print(f"FAILED (run {turn + 1}) {row.command.label}: {row.failure}", flush=True)
            else:
                row.samples.append(sample)
        print(f"  run {turn + 1}/{runs} done", flush=True)


def probe(command: Command, cwd: Path, env: dict[str, str]) -> str:
    """The heavy libraries `command` imports, run in-process in a fresh child."""
    argv = None if command.cli_args is None else list(command.cli_args)
    sample = run_once((sys.executable, "-c", PROBE_CODE, json.dumps(argv)), cwd, env)
    try:
        found: dict[str, Any] = json.loads(sample.stdout.splitlines()[-1])
    except (IndexError, ValueError):
        tail = "\n".join(sample.stderr.splitlines()[-TAIL_LINES:])
        return f"probe FAILED (exit {sample.code}):\n{_indent(tail)}"
    heavy = ", ".join(found["heavy"]) or "none"
    note = "" if found["code"] == command.expected_code else f" (exit {found['code']}!)"
    return f"{heavy}; {found['modules']} modules{note}"


def report(rows: list[Row], cwd: Path, env: dict[str, str]) -> None:
    header = f"{'command':<44} {'median s':>8} {'min s':>7} {'max s':>7} {'peak RSS MiB':>12}"
    print(header)
    print("-" * len(header))
    for row in rows:
        if not row.samples:
            print(f"{row.command.label:<44} {'FAILED':>8}")
            continue
        seconds = row.seconds
        noisy = "  NOISY" if median(seconds) > NOISY * min(seconds) else ""
        print(
            f"{row.command.label:<44} {median(seconds):>8.3f} {min(seconds):>7.3f}"
            f" {max(seconds):>7.3f} {row.rss_mib:>12.0f}{noisy}"
        )
    by_label = {row.command.label: row for row in rows if row.samples}
    podium, plain = by_label.get(TRAIN), by_label.get(PLAIN)
    if podium is not None and plain is not None:
        wall = median(podium.seconds) / median(plain.seconds)
        rss = podium.rss_mib / plain.rss_mib
        print(f"train, podium/plain: median wall {wall:.2f}x, peak RSS {rss:.2f}x")
        print(f"  podium: {podium.samples[-1].stdout.strip().splitlines()[-1]}")
        print(f"  plain:  {plain.samples[-1].stdout.strip().splitlines()[-1]}")
    elif plain is not None:
        print(f"plain: {plain.samples[-1].stdout.strip().splitlines()[-1]}")
    print("heavy modules imported (in-process, fresh child):")
    for row in rows:
        if row.command.probe and row.failure is None:
            print(f"  {row.command.label:<44} {probe(row.command, cwd, env)}")


def describe(source: Path) -> str:
    """The commit `source` is at, and whether its tree has changes."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(source), "log", "-1", "--format=%h %s"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(source), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"{commit}{' (with uncommitted changes)' if dirty else ''}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (default 7)")
    parser.add_argument(
        "--n-jobs", type=int, default=2, help="LightGBM threads in both training rows (default 2)"
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=ROOT,
        help="the checkout to measure: run in DIR with PYTHONPATH=DIR/src (default: this one)",
    )
    parser.add_argument(
        "--without-train",
        action="store_true",
        help="leave out the podium training row (versions without podium.Lifecycle)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    os.chdir(ROOT)
    source: Path = args.source.resolve()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(source / "src"), os.environ.get("PYTHONPATH")) if part
    )
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    rows = [Row(command) for command in commands(args.n_jobs, with_train=not args.without_train)]
    print(f"source {source}: {describe(source)}")
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores,"
        f" load average {os.getloadavg()[0]:.2f} at the start"
    )
    print(f"{args.runs} timed runs per command after one warm-up, n_jobs={args.n_jobs}", flush=True)
    measure(rows, args.runs, source, env)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    report(rows, source, env)
    failed = [row.command.label for row in rows if row.failure is not None]
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _shown(argv: Sequence[str]) -> str:
    return " ".join("<code>" if "\n" in arg else arg for arg in argv)


def _indent(text: str) -> str:
    return "\n".join(f"      {line}" for line in text.splitlines())


if __name__ == "__main__":
    raise SystemExit(main())
