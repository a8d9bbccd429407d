"""Batch inference on the local engine and on Spark (`local[2]`), at two input sizes.

    python benchmarks/spark_inference.py [--rows 1000000 5000000] [--batch-rows 100000]
                                         [--n-jobs 1] [--master local[2]]

Needs `pip install -e '.[spark]'` and Java 17+. As in `inference_throughput.py`, a LightGBM
model is trained once on the bundled example and registered in a scratch local stack, and inputs
shaped like the example are written as parquet (row groups of 2**20 rows). Then, for each size
and engine, a fresh process builds the container of `configs/inference.yaml` (plus
`configs/stacks/spark.yaml` for Spark) and runs the job once through `InferenceService.infer`:

- local: the input streamed in batches of `--batch-rows` through this process.
- spark: the same service on the Spark engine: Spark reads the input, `mapInPandas` scores
  Arrow batches of `--batch-rows` on `--master`'s executors, Spark writes the parquet output.
  The session is started before the clock starts, and its start-up is reported on its own.

Reported per run: the session's start-up (spark), the job's wall seconds and rows per second,
the driver's peak RSS (the Python process; for spark also the driver JVM, and the Python
workers of the executors, which on `local[N]` are processes of this machine too), each reset
just before the job (`/proc/<pid>/clear_refs`). Both outputs are checked to hold one
prediction per row and the same predictions, bit for bit.
"""

import argparse
import multiprocessing
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from inference_throughput import INFERENCE, ROOT, synthesize, train

SPARK_STACK = ROOT / "configs" / "stacks" / "spark.yaml"
MIB = 1024 * 1024

Engine = Literal["local", "spark"]


@dataclass(frozen=True)
class Run:
    """One job: which engine on how many rows, its start-up and wall seconds, peak memory."""

    engine: Engine
    rows: int
    startup: float
    seconds: float
    driver_peak: int
    jvm_peak: int
    workers_peak: int

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


@dataclass(frozen=True)
class Job:
    """What one measured process runs: `engine` on `source` into `output`."""

    engine: Engine
    store: str
    source: str
    output: str
    batch_rows: int
    master: str


def measure(job: Job) -> Run:
    """In a fresh process: build the container, start Spark if asked, run the job once."""
    import logging
    import os

    import pyarrow.parquet as pq

    from podium.adapters.spark.engine import SparkBatchEngine
    from podium.config.lifecycle import InferenceJobSettings
    from podium.config.loading import load_config
    from podium.container import Container

    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"
    engine, store, source, output = job.engine, job.store, job.source, job.output
    configs = [str(INFERENCE), *([str(SPARK_STACK)] if engine == "spark" else [])]
    settings = load_config(
        configs,
        [
            f"tracker.tracking_uri=sqlite:///{Path(store) / 'mlflow.db'}",
            f"tracker.artifact_location={Path(store) / 'artifacts'}",
            f"job.input.uri={source}",
            "job.input.time_from=null",
            f"job.outputs.uri={output}",
            "job.model_version=1",
            "job.model_alias=null",
            f"job.batch_rows={job.batch_rows}",
            *([f"engine.master={job.master}"] if engine == "spark" else []),
        ],
    )
    if not isinstance(settings.job, InferenceJobSettings):
        raise SystemExit(f"{INFERENCE} is not an inference job")
    container = Container(stack=settings.stack, progress_mode="log")
    startup, jvm = 0.0, None
    built = container.engine()
    if isinstance(built, SparkBatchEngine):
        began = time.perf_counter()
        session = built.start()
        startup = time.perf_counter() - began
        jvm = session.sparkContext._gateway.proc.pid  # type: ignore[union-attr]
    service = container.inference_service()
    for pid in (os.getpid(), jvm):
        if pid is not None:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
    start = time.perf_counter()
    service.infer(settings.job.request())
    seconds = time.perf_counter() - start
    rows = pq.read_metadata(output).num_rows if Path(output).is_file() else _rows(output)
    return Run(
        engine=engine,
        rows=rows,
        startup=startup,
        seconds=seconds,
        driver_peak=_peak(os.getpid()),
        jvm_peak=_peak(jvm) if jvm else 0,
        workers_peak=sum(_peak(pid) for pid in _descendants(jvm)) if jvm else 0,
    )


def _rows(folder: str) -> int:
    import pyarrow.parquet as pq

    return sum(pq.read_metadata(part).num_rows for part in Path(folder).glob("part-*.parquet"))


def _peak(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key == "VmHWM":
            return int(value.split()[0]) * 1024
    return 0


def _descendants(root: int) -> list[int]:
    """The processes under `root` (the executors' Python workers under the JVM)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found.extend(children)
        frontier.extend(children)
    return found


def _in_fresh_process(job: Job) -> Run:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        run: Run = pool.apply(measure, (job,))
    return run


def _check_outputs(local: Path, spark: Path, rows: int) -> None:
    import numpy as np
    import pandas as pd

    expected = pd.read_parquet(local, columns=["predicted_cnt"])["predicted_cnt"].to_numpy()
    got = pd.read_parquet(spark, columns=["predicted_cnt"])["predicted_cnt"].to_numpy()
    if len(expected) != rows or len(got) != rows:
        raise SystemExit(
            f"expected {rows} predictions, local wrote {len(expected)}, spark {len(got)}"
        )
    if not np.array_equal(expected.view(np.int64), got.view(np.int64)):
        raise SystemExit("the local and the Spark engine's predictions differ")


def _report(runs: list[Run], batch_rows: int, n_jobs: int, master: str) -> None:
    print(f"batch inference, batch_rows={batch_rows}, LightGBM n_jobs={n_jobs}, spark {master}")
    print(
        f"{'rows':>9} {'engine':<7}{'start-up s':>11}{'job s':>8}{'rows/s':>10}"
        f"{'driver MiB':>12}{'JVM MiB':>9}{'workers MiB':>13}"
    )
    for run in runs:
        print(
            f"{run.rows:>9} {run.engine:<7}{run.startup:>11.2f}{run.seconds:>8.2f}"
            f"{run.rows_per_second:>10.0f}{run.driver_peak / MIB:>12.0f}"
            f"{run.jvm_peak / MIB:>9.0f}{run.workers_peak / MIB:>13.0f}"
        )
    by = {(r.engine, r.rows): r for r in runs}
    for rows in sorted({r.rows for r in runs}):
        local, spark = by[("local", rows)], by[("spark", rows)]
        print(
            f"{rows} rows: spark/local rows/s {spark.rows_per_second / local.rows_per_second:.2f}"
            f" (job only), {(spark.startup + spark.seconds) / local.seconds:.2f}x local's wall"
            " time with the session's start-up; predictions identical"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--batch-rows", type=int, default=100_000)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()
    if not Path("/proc/self/clear_refs").exists():
        raise SystemExit("this benchmark measures peak RSS through /proc; run it on Linux")

    scratch = Path(tempfile.mkdtemp(prefix="podium-spark-bench-"))
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
            outputs: dict[Engine, Path] = {}
            engines: tuple[Engine, ...] = ("local", "spark")
            for engine in engines:
                outputs[engine] = scratch / f"{engine}-{rows}.parquet"
                print(f"{engine} on {rows} rows ...", file=sys.stderr)
                job = Job(
                    engine=engine,
                    store=str(store),
                    source=str(source),
                    output=str(outputs[engine]),
                    batch_rows=args.batch_rows,
                    master=args.master,
                )
                runs.append(_in_fresh_process(job))
            _check_outputs(outputs["local"], outputs["spark"], rows)
            source.unlink()
        _report(runs, args.batch_rows, args.n_jobs, args.master)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
