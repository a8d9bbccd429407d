"""What podium costs over plain pandas, LightGBM and MLflow for the bundled training job.

    python benchmarks/training_overhead.py [--repeats N] [--n-jobs K]

Two worker processes, one per path, run the same job on the same data with the same params
(`configs/training.yaml`'s `model.params`, plus `n_jobs`), taking turns, and report each call's
wall time, CPU time and peak RSS:

- podium: `load_config` on the config, then the container's `TrainingService.train`, which is
  `podium run` in-process: read the parquet, validate, split, fit, score holdout and train, log
  params, metrics, dataset lineage, gate tags and the importance table, then save the model with
  its signature and input example and register a version.
- plain: the job a user would write by hand: read, time-ordered split (the same cutoff rule),
  the same scikit-learn pipeline (ordinal-encoded categoricals into `LGBMRegressor`), score with
  `sklearn.metrics`, one `log_batch` of params and metrics, then save with `mlflow.sklearn`
  (skops, explicit pip requirements, the same input example) and register a version with the
  `MlflowClient` calls podium's registry makes. It does not validate the table, log lineage,
  tags or the importance table: that work is part of what podium costs.

Each call gets a fresh copy of one migrated MLflow SQLite store (migrating costs seconds and is
not what is measured); copying it is not timed. Each worker makes one untimed warm-up call first,
so imports and first-call caches are not counted. Peak RSS is per call: the worker resets the
kernel's high-water mark (`/proc/self/clear_refs`) before each call; where that is not possible,
the worker's lifetime peak is shown instead. Finally, `podium --help` and `python -c pass` are
timed as subprocesses.
"""

import argparse
import gc
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from statistics import median
from typing import Any, Literal

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "training.yaml"
DATA = ROOT / "data" / "bike_sharing_hourly.parquet"
GOAL = 1.15
NOISY = 1.25  # a median this far above the fastest call means most calls were disturbed
EXAMPLE_ROWS = 5
HELP_RUNS = 10
MIB = 1024 * 1024

PathName = Literal["podium", "plain"]


@dataclass(frozen=True)
class Job:
    """What both paths do, read once from the podium config so they cannot drift apart."""

    target: str
    drop: tuple[str, ...]
    time_column: str
    test_size: float
    experiment: str
    model_name: str
    params: dict[str, Any]  # YAML values, passed on to LightGBM's typed keywords


@dataclass(frozen=True)
class Outcome:
    """What a call produced, to check that both paths did the same work."""

    holdout: dict[str, float]
    version: int


@dataclass(frozen=True)
class Measurement:
    """One timed call: wall and CPU seconds, RSS before it and at its peak, what it produced."""

    seconds: float
    cpu_seconds: float
    rss_before: int
    peak_rss: int
    per_call_peak: bool
    outcome: Outcome


def read_job(n_jobs: int) -> Job:
    """The job in `configs/training.yaml`, with `n_jobs` added to the model params."""
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    job, dataset = config["job"], config["job"]["dataset"]
    return Job(
        target=dataset["target"],
        drop=tuple(dataset["drop"]),
        time_column=dataset["time_column"],
        test_size=float(job["split"]["test_size"]),
        experiment=job["experiment"],
        model_name=job["model_name"],
        params={**config["model"]["params"], "n_jobs": n_jobs},
    )


def run_podium(store: Path, job: Job) -> Outcome:
    """The bundled training job through podium, in-process, on the local stack in `store`."""
    from podium.config.loading import load_config
    from podium.config.training import TrainingJobSettings
    from podium.container import Container

    settings = load_config(
        [str(CONFIG)],
        [
            f"job.data={DATA}",
            f"tracker.tracking_uri={_sqlite_uri(store)}",
            f"tracker.artifact_location={store / 'artifacts'}",
            f"model.params.n_jobs={job.params['n_jobs']}",
        ],
    )
    if not isinstance(settings.job, TrainingJobSettings):
        raise SystemExit(f"{CONFIG} is not a training job")
    service = Container(stack=settings.stack).training_service()
    result = service.train(settings.job.request(settings.stack.model))
    if result.model_version is None:
        raise RuntimeError(f"podium registered no version: {result.gate.reasons}")
    return Outcome(holdout=result.metrics, version=result.model_version)


def run_plain(store: Path, job: Job) -> Outcome:
    """The same job by hand with pandas, scikit-learn, LightGBM and an `MlflowClient`."""
    from importlib import metadata

    import mlflow.sklearn
    import numpy as np
    import pandas as pd
    import skops.io
    from lightgbm import LGBMRegressor
    from mlflow import MlflowClient
    from mlflow.entities import LoggedModelStatus, Metric, Param
    from mlflow.models import Model
    from sklearn.compose import ColumnTransformer
    from sklearn.metrics import (
        mean_absolute_error,
        mean_absolute_percentage_error,
        r2_score,
        root_mean_squared_error,
    )
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    table = pd.read_parquet(DATA)
    times = table[job.time_column]
    cutoff = np.sort(times.to_numpy())[int(len(table) * (1 - job.test_size))]
    is_test = times >= cutoff
    features = table.drop(columns=[job.target, job.time_column, *job.drop])
    numeric = list(features.select_dtypes("number").columns)
    categorical = [c for c in features.columns if c not in numeric]
    train_x, train_y = features[~is_test], table.loc[~is_test, job.target]
    test_x, test_y = features[is_test], table.loc[is_test, job.target]

    encode = OrdinalEncoder(
        handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan
    )
    prepare = ColumnTransformer(
        [("categorical", encode, categorical), ("numeric", "passthrough", numeric)],
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    model = Pipeline([("prepare", prepare), ("model", LGBMRegressor(verbose=-1, **job.params))])
    model.fit(train_x, train_y, model__categorical_feature=categorical)

    scores: dict[str, float] = {}
    for part, x, y in (("holdout", test_x, test_y), ("train", train_x, train_y)):
        predicted = model.predict(x)
        scores[f"{part}_rmse"] = root_mean_squared_error(y, predicted)
        scores[f"{part}_mae"] = mean_absolute_error(y, predicted)
        scores[f"{part}_r2"] = r2_score(y, predicted)
        scores[f"{part}_mape"] = mean_absolute_percentage_error(y, predicted)

    client = MlflowClient(tracking_uri=_sqlite_uri(store))
    experiment = client.get_experiment_by_name(job.experiment)
    experiment_id = (
        experiment.experiment_id
        if experiment is not None
        else client.create_experiment(job.experiment, (store / "artifacts").as_uri())
    )
    run_id = client.create_run(experiment_id).info.run_id
    now = int(time.time() * 1000)
    client.log_batch(
        run_id,
        params=[Param(k, str(v)) for k, v in job.params.items()],
        metrics=[Metric(k, float(v), now, 0) for k, v in scores.items()],
        synchronous=True,
    )

    trusted = skops.io.get_untrusted_types(data=skops.io.dumps(model))
    requirements = [
        f"{d}=={metadata.version(d)}"
        for d in ("lightgbm", "numpy", "pandas", "scikit-learn", "skops")
    ]
    logged = client.create_logged_model(experiment_id, name=job.model_name, source_run_id=run_id)
    with tempfile.TemporaryDirectory() as folder:
        mlflow.sklearn.save_model(
            model,
            f"{folder}/model",
            mlflow_model=Model(model_id=logged.model_id),
            serialization_format="skops",
            skops_trusted_types=trusted,
            input_example=test_x.head(EXAMPLE_ROWS),
            pip_requirements=requirements,
        )
        client.log_model_artifacts(logged.model_id, f"{folder}/model")
    client.finalize_logged_model(logged.model_id, LoggedModelStatus.READY)
    client.create_registered_model(job.model_name)
    version = client.create_model_version(
        job.model_name, logged.artifact_location, run_id=run_id, model_id=logged.model_id
    )
    client.set_terminated(run_id)
    holdout = {k.removeprefix("holdout_"): v for k, v in scores.items() if k.startswith("holdout")}
    return Outcome(holdout=holdout, version=int(version.version))


RUNS: dict[PathName, Callable[[Path, Job], Outcome]] = {"podium": run_podium, "plain": run_plain}


def serve(name: PathName, job: Job, conn: Connection) -> None:
    """A worker: run `name`'s job on each store folder received, until None; send each timing."""
    _quiet()
    while (store := conn.recv()) is not None:
        conn.send(_measure(lambda: RUNS[name](Path(store), job)))
    conn.close()


def _measure(call: Callable[[], Outcome]) -> Measurement:
    gc.collect()
    per_call_peak = _reset_peak_rss()
    rss_before = _rss()
    start, start_cpu = time.perf_counter(), time.process_time()
    outcome = call()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
    return Measurement(
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        rss_before=rss_before,
        peak_rss=_peak_rss(),
        per_call_peak=per_call_peak,
        outcome=outcome,
    )


def _quiet() -> None:
    """Keep MLflow's INFO lines (store creation, registration) off stderr, as podium does."""
    import logging

    for logger in ("mlflow", "alembic"):
        logging.getLogger(logger).setLevel(logging.WARNING)


def _reset_peak_rss() -> bool:
    """Reset this process's peak RSS to its current RSS (Linux only); whether it worked."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _rss() -> int:
    return _proc_status("VmRSS") or 0


def _peak_rss() -> int:
    peak = _proc_status("VmHWM")
    if peak is not None:
        return peak
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _proc_status(field: str) -> int | None:
    """A `kB` field of /proc/self/status in bytes, or None where there is no /proc."""
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition(":")
        if key == field:
            return int(value.split()[0]) * 1024
    return None


def _sqlite_uri(store: Path) -> str:
    return f"sqlite:///{store / 'mlflow.db'}"


def make_template(folder: Path) -> Path:
    """A migrated MLflow SQLite store (tracking and registry tables) in `folder`."""
    from mlflow import MlflowClient

    _quiet()
    client = MlflowClient(tracking_uri=_sqlite_uri(folder))
    client.search_experiments()
    client.search_registered_models()
    return folder / "mlflow.db"


class Worker:
    """One path's worker process, driven over a pipe."""

    def __init__(self, name: PathName, job: Job, template: Path, scratch: Path) -> None:
        context = multiprocessing.get_context("spawn")
        self.name = name
        self._conn, child = context.Pipe()
        self._process = context.Process(target=serve, args=(name, job, child), name=name)
        self._process.start()
        child.close()
        self._template = template
        self._scratch = scratch
        self._calls = 0

    def call(self) -> Measurement:
        """Run the job once on a fresh copy of the template store and return its measurement."""
        self._calls += 1
        store = self._scratch / f"{self.name}-{self._calls}"
        store.mkdir()
        shutil.copy(self._template, store / "mlflow.db")
        self._conn.send(str(store))
        try:
            measurement: Measurement = self._conn.recv()
        except EOFError:
            raise SystemExit(f"the {self.name} worker died; its traceback is above") from None
        shutil.rmtree(store)
        return measurement

    def stop(self) -> None:
        """Ask the worker to exit and wait for it."""
        if self._process.is_alive():
            self._conn.send(None)
        self._process.join()


def time_command(command: Sequence[str]) -> float:
    """Wall seconds of one run of `command`, its output discarded; it must succeed."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def podium_command() -> str:
    """The `podium` script next to this interpreter, else the one on PATH."""
    beside = Path(sys.executable).with_name("podium")
    found = str(beside) if beside.exists() else shutil.which("podium")
    if found is None:
        raise SystemExit("no `podium` command found; install podium (pip install -e .)")
    return found


def _mib(size: int) -> str:
    return f"{size / MIB:.0f}"


def _report_training(
    first: dict[PathName, Measurement],
    results: dict[PathName, list[Measurement]],
    n_jobs: int,
) -> None:
    podium, plain = results["podium"], results["plain"]
    print(f"training job, {len(podium)} interleaved repeats per path, n_jobs={n_jobs}")
    print(
        f"{'path':<8}{'median s':>10}{'min s':>8}{'max s':>8}{'CPU s':>8}{'1st call s':>12}"
        f"{'peak RSS MiB':>14}{'RSS before MiB':>16}"
    )
    for name, runs in results.items():
        seconds = [m.seconds for m in runs]
        print(
            f"{name:<8}{median(seconds):>10.3f}{min(seconds):>8.3f}{max(seconds):>8.3f}"
            f"{median(m.cpu_seconds for m in runs):>8.3f}{first[name].seconds:>12.3f}"
            f"{_mib(max(m.peak_rss for m in runs)):>14}"
            f"{_mib(int(median(m.rss_before for m in runs))):>16}"
        )
    ratio = median(m.seconds for m in podium) / median(m.seconds for m in plain)
    # Each repeat's two calls ran back to back, so their ratio shares that moment's load.
    paired = median(a.seconds / b.seconds for a, b in zip(podium, plain, strict=True))
    fastest = min(m.seconds for m in podium) / min(m.seconds for m in plain)
    cpu = median(m.cpu_seconds for m in podium) / median(m.cpu_seconds for m in plain)
    memory = max(m.peak_rss for m in podium) / max(m.peak_rss for m in plain)
    verdict = "met" if ratio <= GOAL else "MISSED"
    print(f"podium/plain: median wall {ratio:.3f} (goal <= {GOAL}: {verdict})")
    print(
        f"  per-repeat median {paired:.3f}, fastest calls {fastest:.3f},"
        f" median CPU {cpu:.3f}, peak RSS {memory:.3f}"
    )
    for name, runs in results.items():
        seconds = [m.seconds for m in runs]
        if median(seconds) > NOISY * min(seconds):
            print(
                f"NOISY: {name}'s median is {median(seconds) / min(seconds):.2f}x its fastest"
                " call; other processes took the CPU; rerun on a quiet machine"
            )
    if not all(m.per_call_peak for m in podium + plain):
        print("(no /proc/self/clear_refs here: peak RSS is each worker's lifetime peak)")
    a, b = podium[-1].outcome, plain[-1].outcome
    drift = max(abs(a.holdout[k] - b.holdout[k]) / abs(b.holdout[k]) for k in b.holdout)
    same = "yes" if drift < 1e-6 and a.version == b.version else "NO"
    scores = "  ".join(f"{k} {v:.4g}" for k, v in a.holdout.items())
    print(f"same holdout metrics and version: {same} ({scores}; version {a.version})")


def _report_commands(podium: list[float], python: list[float]) -> None:
    print(f"command startup, median of {len(podium)} runs")
    print(f"{'podium --help':<16}{median(podium):>8.3f} s")
    print(f"{'python -c pass':<16}{median(python):>8.3f} s")


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per path (default 5)")
    parser.add_argument("--n-jobs", type=int, default=2, help="LightGBM threads (default 2)")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.n_jobs < 1:
        parser.error("--repeats and --n-jobs must be at least 1")
    # Usage telemetry would put network calls in background threads of both paths' timings.
    os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
    job = read_job(args.n_jobs)

    with tempfile.TemporaryDirectory(prefix="podium-bench-") as folder:
        scratch = Path(folder)
        (scratch / "template").mkdir()
        template = make_template(scratch / "template")
        workers = [Worker(name, job, template, scratch) for name in RUNS]
        try:
            # The untimed warm-up: imports and first-call caches, shown as "1st call".
            first = {worker.name: worker.call() for worker in workers}
            results: dict[PathName, list[Measurement]] = {w.name: [] for w in workers}
            for i in range(args.repeats):
                for worker in workers if i % 2 == 0 else workers[::-1]:
                    results[worker.name].append(worker.call())
        finally:
            for worker in workers:
                worker.stop()
    _report_training(first, results, args.n_jobs)

    podium = podium_command()
    help_times: list[float] = []
    pass_times: list[float] = []
    time_command([podium, "--help"])  # untimed: the first run warms the file cache
    for _ in range(HELP_RUNS):
        help_times.append(time_command([podium, "--help"]))
        pass_times.append(time_command([sys.executable, "-c", "pass"]))
    _report_commands(help_times, pass_times)


if __name__ == "__main__":
    main()
