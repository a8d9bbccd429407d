"""Batch inference: podium's streaming job against the plain pandas path, at two input sizes.

    python benchmarks/inference_throughput.py [--rows 1000000 5000000] [--batch-rows 100000]
                                              [--repeats 1] [--n-jobs 2]

A LightGBM model is trained once on the bundled example (`configs/training.yaml`, with
`n_jobs`) and registered in a scratch local stack. Inputs shaped like the example (its 14
columns and dtypes: rows drawn at random from it, numbers jittered) are written as parquet with
row groups of 2**20 rows, one file per size. Then, for each size and path, a fresh process
imports what it needs, resets its peak RSS (`/proc/self/clear_refs`), and runs the job once:

- podium: `podium run configs/inference.yaml` in-process (`load_config`, then the container's
  `InferenceService.infer`): the registered version loaded once, the input streamed in batches
  of `--batch-rows`, each checked against the model's schema, predicted, and written to a
  temporary parquet file that becomes the output at the end, plus the tracked run.
- plain: `pd.read_parquet` of the whole input, the same registered model loaded with
  `mlflow.sklearn.load_model`, `model.predict` on every row, and `DataFrame.to_parquet` of the
  same output columns (`dteday`, `hr`, `predicted_cnt`).

Reported per run: wall seconds, rows per second, the process's peak RSS (imports included) and
the job's own share of it (peak minus the RSS just before the job). Both outputs are checked to
hold one prediction per row, and the two paths' first predictions to agree.
"""

import argparse
import multiprocessing
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[1]
TRAINING = ROOT / "configs" / "training.yaml"
INFERENCE = ROOT / "configs" / "inference.yaml"
DATA = ROOT / "data" / "bike_sharing_hourly.parquet"
MODEL = "bike-sharing"
ROW_GROUP = 1 << 20
JITTERED = ("temp", "atemp", "hum", "windspeed")
CHECKED = 1000
MEMORY_GOAL = 1.3
SPEED_GOAL = 0.9
MIB = 1024 * 1024

PathName = Literal["podium", "plain"]


@dataclass(frozen=True)
class Run:
    """One job: which path on how many rows, its wall seconds, RSS before and at the peak."""

    path: PathName
    rows: int
    seconds: float
    rss_before: int
    peak_rss: int

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds

    @property
    def job_rss(self) -> int:
        return self.peak_rss - self.rss_before


def train(store: Path, n_jobs: int) -> None:
    """Train and register version 1 of the example model in the local stack at `store`."""
    from podium.config.loading import load_config
    from podium.config.training import TrainingJobSettings
    from podium.container import Container

    settings = load_config([str(TRAINING)], [*_stack(store), f"model.params.n_jobs={n_jobs}"])
    if not isinstance(settings.job, TrainingJobSettings):
        raise SystemExit(f"{TRAINING} is not a training job")
    result = (
        Container(stack=settings.stack)
        .training_service()
        .train(settings.job.request(settings.stack.model))
    )
    if result.model_version != 1:
        raise SystemExit(f"training registered {result.model_version}, not version 1")


def synthesize(path: Path, rows: int, seed: int = 0) -> None:
    """Write `rows` rows shaped like the example to `path`: its rows drawn at random, numbers
    jittered by up to 2%, in row groups of `ROW_GROUP` rows, never all in memory at once."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    example = pd.read_parquet(DATA)
    rng = np.random.default_rng(seed)
    writer: pq.ParquetWriter | None = None
    try:
        for start in range(0, rows, ROW_GROUP):
            size = min(ROW_GROUP, rows - start)
            chunk = example.iloc[rng.integers(0, len(example), size)].reset_index(drop=True)
            for column in JITTERED:
                chunk[column] = chunk[column] * rng.uniform(0.98, 1.02, size)
            table = pa.Table.from_pandas(chunk, preserve_index=False)
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=ROW_GROUP)
    finally:
        if writer is not None:
            writer.close()


def run_podium(store: Path, source: Path, output: Path, batch_rows: int) -> None:
    """`podium run configs/inference.yaml` on `source`, in-process."""
    from podium.config.lifecycle import InferenceJobSettings
    from podium.config.loading import load_config
    from podium.container import Container

    settings = load_config(
        [str(INFERENCE)],
        [
            *_stack(store),
            f"job.input.uri={source}",
            "job.input.time_from=null",
            f"job.outputs.uri={output}",
            "job.model_version=1",
            "job.model_alias=null",
            f"job.batch_rows={batch_rows}",
        ],
    )
    if not isinstance(settings.job, InferenceJobSettings):
        raise SystemExit(f"{INFERENCE} is not an inference job")
    Container(stack=settings.stack).inference_service().infer(settings.job.request())


def run_plain(store: Path, source: Path, output: Path, _batch_rows: int) -> None:
    """The same job by hand: read everything, predict everything, write everything."""
    import mlflow
    import mlflow.sklearn
    import pandas as pd

    mlflow.set_tracking_uri(_sqlite(store))
    table = pd.read_parquet(source)
    model = mlflow.sklearn.load_model(f"models:/{MODEL}/1")
    features = list(model[0].feature_names_in_)
    predictions = model.predict(table[features])
    pd.DataFrame(
        {"dteday": table["dteday"], "hr": table["hr"], "predicted_cnt": predictions}
    ).to_parquet(output, index=False)


def measure(path: PathName, store: str, source: str, output: str, batch_rows: int) -> Run:
    """In a fresh process: import, reset the peak RSS, run `path`'s job once, measure it."""
    import logging
    import os

    import mlflow.sklearn  # noqa: F401
    import pyarrow.parquet as pq

    import podium.container  # noqa: F401  (imported before the clock starts, as plain's are)

    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"
    job = run_podium if path == "podium" else run_plain
    Path("/proc/self/clear_refs").write_text("5")
    before = _status("VmRSS")
    start = time.perf_counter()
    job(Path(store), Path(source), Path(output), batch_rows)
    seconds = time.perf_counter() - start
    rows = pq.ParquetFile(output).metadata.num_rows
    return Run(path, rows, seconds, before, _status("VmHWM"))


def _in_fresh_process(
    path: PathName, store: Path, source: Path, output: Path, batch_rows: int
) -> Run:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        run: Run = pool.apply(measure, (path, str(store), str(source), str(output), batch_rows))
    return run


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key == field:
            return int(value.split()[0]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _stack(store: Path) -> list[str]:
    return [
        f"tracker.tracking_uri={_sqlite(store)}",
        f"tracker.artifact_location={store / 'artifacts'}",
    ]


def _sqlite(store: Path) -> str:
    return f"sqlite:///{store / 'mlflow.db'}"


def _check_outputs(podium_output: Path, plain_output: Path, rows: int) -> None:
    import numpy as np
    import pyarrow.parquet as pq

    podium_rows = pq.ParquetFile(podium_output).metadata.num_rows
    plain_rows = pq.ParquetFile(plain_output).metadata.num_rows
    if podium_rows != rows or plain_rows != rows:
        raise SystemExit(
            f"expected {rows} predictions, podium wrote {podium_rows}, plain {plain_rows}"
        )
    first = {
        name: next(pq.ParquetFile(path).iter_batches(batch_size=CHECKED)).to_pandas()
        for name, path in (("podium", podium_output), ("plain", plain_output))
    }
    if not np.allclose(first["podium"]["predicted_cnt"], first["plain"]["predicted_cnt"]):
        raise SystemExit("podium's and plain's predictions differ")


def _report(runs: list[Run], batch_rows: int, n_jobs: int) -> None:
    print(f"batch inference, podium batch_rows={batch_rows}, LightGBM n_jobs={n_jobs}")
    print(
        f"{'rows':>9} {'path':<7}{'seconds':>9}{'rows/s':>11}"
        f"{'peak RSS MiB':>14}{'job RSS MiB':>13}"
    )
    for run in runs:
        print(
            f"{run.rows:>9} {run.path:<7}{run.seconds:>9.2f}{run.rows_per_second:>11.0f}"
            f"{run.peak_rss / MIB:>14.0f}{run.job_rss / MIB:>13.0f}"
        )
    by = {(r.path, r.rows): r for r in runs}
    sizes = sorted({r.rows for r in runs})
    for rows in sizes:
        podium, plain = by[("podium", rows)], by[("plain", rows)]
        speed = podium.rows_per_second / plain.rows_per_second
        print(
            f"{rows} rows: podium/plain rows/s {speed:.2f} (goal >= {SPEED_GOAL}:"
            f" {'met' if speed >= SPEED_GOAL else 'MISSED'}), peak RSS"
            f" {podium.peak_rss / plain.peak_rss:.2f}, job RSS {podium.job_rss / plain.job_rss:.2f}"
        )
    small, large = by[("podium", sizes[0])], by[("podium", sizes[-1])]
    growth = large.peak_rss / small.peak_rss
    print(
        f"podium peak RSS at {sizes[-1]} rows / at {sizes[0]} rows: {growth:.2f}"
        f" (goal <= {MEMORY_GOAL}: {'met' if growth <= MEMORY_GOAL else 'MISSED'});"
        f" job RSS {large.job_rss / MIB:.0f} / {small.job_rss / MIB:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--batch-rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    if not Path("/proc/self/clear_refs").exists():
        raise SystemExit("this benchmark measures peak RSS through /proc; run it on Linux")

    scratch = Path(tempfile.mkdtemp(prefix="podium-inference-bench-"))
    try:
        store = scratch / "store"
        store.mkdir()
        print("training the example model ...", file=sys.stderr)
        train(store, args.n_jobs)
        runs: list[Run] = []
        for rows in sorted(args.rows):
            source = scratch / f"input-{rows}.parquet"
            print(f"writing {rows} input rows ...", file=sys.stderr)
            synthesize(source, rows)
            for _ in range(args.repeats):
                outputs = {}
                for path in ("podium", "plain"):
                    outputs[path] = scratch / f"{path}-{rows}.parquet"
                    print(f"{path} on {rows} rows ...", file=sys.stderr)
                    runs.append(
                        _in_fresh_process(path, store, source, outputs[path], args.batch_rows)
                    )
                _check_outputs(outputs["podium"], outputs["plain"], rows)
            source.unlink()
        _report(_best(runs), args.batch_rows, args.n_jobs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _best(runs: list[Run]) -> list[Run]:
    """The fastest run of each path and size (repeats only add noise from other processes)."""
    best: dict[tuple[str, int], Run] = {}
    for run in runs:
        key = (run.path, run.rows)
        if key not in best or run.seconds < best[key].seconds:
            best[key] = run
    return sorted(best.values(), key=lambda r: (r.rows, r.path != "podium"))


if __name__ == "__main__":
    main()
