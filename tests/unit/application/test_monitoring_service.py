"""The monitoring use case on in-memory ports, with the scipy detector (pure computation).

The registered model is the in-memory constant model, so predictions never drift: what moves
is only what the tables hold.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from podium.adapters.local_engine import LocalBatchEngine
from podium.adapters.memory import (
    InMemoryChartRenderer,
    InMemoryExperimentTracker,
    InMemoryModelFramework,
    InMemoryModelRegistry,
    InMemoryNotifier,
    InMemoryProgressReporter,
    InMemoryTableStore,
)
from podium.adapters.scipy_drift import ScipyDriftDetector
from podium.application.monitoring import MonitoringService
from podium.domain.dataset import FeatureKind, Task
from podium.domain.drift import DriftPolicy
from podium.domain.errors import ConfigError, DataSchemaError, RegistryError
from podium.domain.model import RunStatus
from podium.domain.monitoring import MonitoringRequest
from podium.domain.notice import NoticeStatus

TRAIN_URI = "memory://train.parquet"
NEW_URI = "memory://new.parquet"
REPORT_URI = "memory://reports/drift.parquet"
KINDS = {"temp": FeatureKind.NUMERIC, "weather": FeatureKind.CATEGORICAL}
ROWS = 600


def days(seed: int, *, warmer: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "day": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(ROWS), unit="h"),
            "temp": rng.normal(15 + warmer, 5, ROWS),
            "weather": pd.Series(rng.choice(["clear", "rain"], ROWS), dtype="str"),
            "rides": rng.normal(100, 10, ROWS),
        }
    )


@dataclass
class World:
    storage: InMemoryTableStore = field(default_factory=InMemoryTableStore)
    tracker: InMemoryExperimentTracker = field(default_factory=InMemoryExperimentTracker)
    registry: InMemoryModelRegistry = field(default_factory=InMemoryModelRegistry)
    charts: InMemoryChartRenderer = field(default_factory=InMemoryChartRenderer)
    notifier: InMemoryNotifier = field(default_factory=InMemoryNotifier)

    def service(self, notifier: InMemoryNotifier | None = None) -> MonitoringService:
        return MonitoringService(
            storage=self.storage,
            tracker=self.tracker,
            registry=self.registry,
            frameworks={"memory": InMemoryModelFramework()},
            detector=ScipyDriftDetector(),
            engine=LocalBatchEngine(storage=self.storage, progress=InMemoryProgressReporter()),
            charts=self.charts,
            notifier=notifier or self.notifier,
        )

    def register(self, tags: dict[str, str] | None = None) -> None:
        table = self.storage.read(TRAIN_URI)
        model = InMemoryModelFramework().fit(
            table[list(KINDS)], table["rides"], kinds=KINDS, task=Task.REGRESSION, params={}
        )
        self.registry.register(
            model,
            name="rides",
            run_id="train-run",
            input_example=table.head(),
            tags={"podium.data.uri": TRAIN_URI} if tags is None else tags,
        )


@pytest.fixture
def world() -> World:
    ports = World()
    ports.storage.write(days(1), TRAIN_URI)
    ports.storage.write(days(2, warmer=6.0), NEW_URI)
    ports.register()
    return ports


def request(**overrides: object) -> MonitoringRequest:
    fields: dict[str, object] = {
        "model": {"name": "rides"},
        "current": {"uri": NEW_URI},
        "output_uri": REPORT_URI,
        "drift_share": 0.5,
        "run_name": "nightly",
        **overrides,
    }
    return MonitoringRequest.model_validate(fields)


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def warnings() -> Iterator[list[logging.LogRecord]]:
    """Warnings the use cases log, whatever the logging set-up of the process."""
    handler = Records()
    logger = logging.getLogger("podium.application")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def test_a_moved_column_is_drift_reported_logged_written_and_announced(world: World) -> None:
    # given / when
    result = world.service().monitor(request())

    # then
    assert result.verdict.drifted
    assert result.verdict.drifted_columns == ("temp",)
    assert [c.column for c in result.report.columns] == ["temp", "weather"]
    assert (result.model_name, result.model_version) == ("rides", 1)
    assert result.reference_uri == TRAIN_URI
    written = world.storage.read(REPORT_URI)
    assert written["column"].tolist() == ["temp", "weather"]
    assert written["drifted"].tolist() == [True, False]
    [notice] = world.notifier.notices
    assert notice.status is NoticeStatus.DRIFT
    assert notice.details["drifted columns"] == "temp"


def test_the_run_holds_lineage_params_verdict_report_and_chart(world: World) -> None:
    # given / when
    result = world.service().monitor(request())

    # then
    run = world.tracker.get_run(result.run_id)
    assert (run.status, run.name, run.tags["podium.job"]) == (
        RunStatus.FINISHED,
        "nightly",
        "monitoring",
    )
    assert [(d.context, d.uri, d.rows) for d in run.datasets] == [
        ("reference", TRAIN_URI, ROWS),
        ("current", NEW_URI, ROWS),
    ]
    assert run.params["podium.detector"] == "statistical"
    assert run.params["podium.columns"] == "temp,weather"
    assert run.metrics == {
        "drift_detected": 1.0,
        "drifted_share": 0.5,
        "drifted_columns": 1.0,
        "compared_columns": 2.0,
    }
    assert run.tags["podium.drift"] == "drift"
    assert run.tables == ("drift_report.json",)
    assert run.figures == ("drift.png",)
    [chart] = world.charts.charts
    assert chart["labels"] == ["temp", "weather"]
    assert chart["line"] == 1.0


def test_calm_data_is_no_drift_and_announced_as_a_success(world: World) -> None:
    # given
    world.storage.write(days(3), NEW_URI)

    # when
    result = world.service().monitor(request(drift_share=0.5))

    # then
    assert not result.verdict.drifted
    assert world.notifier.notices[0].status is NoticeStatus.SUCCEEDED
    assert world.tracker.get_run(result.run_id).tags["podium.drift"] == "none"


def test_a_reference_uri_and_windows_choose_the_rows_compared(world: World) -> None:
    # given: the first and last 200 hours of the new table
    window = {"uri": NEW_URI, "time_to": "2024-01-09T08:00"}
    later = {"uri": NEW_URI, "time_from": "2024-01-17T16:00"}

    # when
    result = world.service().monitor(request(reference=window, current=later, time_column="day"))

    # then
    assert (result.reference_rows, result.current_rows) == (200, 200)
    assert result.reference_uri == NEW_URI
    assert not result.verdict.drifted


def test_predictions_are_compared_when_asked(world: World) -> None:
    # given / when
    result = world.service().monitor(request(compare_predictions=True))

    # then
    prediction = result.report.columns[-1]
    assert (prediction.column, prediction.kind, prediction.drifted) == (
        "prediction",
        FeatureKind.NUMERIC,
        False,
    )


def test_the_row_cap_bounds_what_is_compared(world: World) -> None:
    # given / when
    result = world.service().monitor(request(policy=DriftPolicy(max_rows=100)))

    # then
    assert {(c.reference_rows, c.current_rows) for c in result.report.columns} == {(100, 100)}
    assert (result.reference_rows, result.current_rows) == (ROWS, ROWS)


def test_the_latest_version_is_used_unless_one_is_named(world: World) -> None:
    # given
    world.register()

    # when
    latest = world.service().monitor(request())
    first = world.service().monitor(request(model={"name": "rides", "version": 1}))

    # then
    assert (latest.model_version, first.model_version) == (2, 1)


def test_a_version_that_names_no_data_needs_a_reference_uri(world: World) -> None:
    # given
    world.register(tags={})

    # when / then
    with pytest.raises(ConfigError, match=r"job\.reference\.uri: rides version 2 does not name"):
        world.service().monitor(request())
    assert world.tracker.runs == {}


def test_bad_data_fails_before_any_run_and_is_announced(world: World) -> None:
    # given
    world.storage.write(days(2).drop(columns=["weather"]), NEW_URI)

    # when
    with pytest.raises(DataSchemaError, match=r"current table lacks column\(s\) \['weather'\]"):
        world.service().monitor(request())

    # then
    assert world.tracker.runs == {}
    assert not world.storage.exists(REPORT_URI)
    [notice] = world.notifier.notices
    assert notice.status is NoticeStatus.FAILED
    assert notice.summary.startswith("DataSchemaError: the current table lacks")


def test_a_column_that_changed_kind_is_refused(world: World) -> None:
    # given
    world.storage.write(days(2).assign(temp=lambda t: t["temp"].round().astype(str)), NEW_URI)

    # when / then
    with pytest.raises(DataSchemaError, match=r"'temp' \(categorical here, numeric in the ref"):
        world.service().monitor(request())


def test_an_unknown_model_fails_and_is_announced(world: World) -> None:
    # given / when
    with pytest.raises(RegistryError, match="'bikes' has no registered version"):
        world.service().monitor(request(model={"name": "bikes"}))

    # then
    assert world.notifier.notices[0].details == {"model": "bikes"}


def test_a_dead_notifier_does_not_fail_the_job_and_is_logged_once(
    world: World, warnings: list[logging.LogRecord]
) -> None:
    # given
    dead = InMemoryNotifier(fail=True)

    # when
    result = world.service(notifier=dead).monitor(request())

    # then
    assert result.verdict.drifted
    assert dead.attempts == 1
    assert [r.getMessage() for r in warnings] == [
        "notification not delivered: in-memory notifier: the monitoring notice was refused"
    ]


def test_a_rule_for_a_column_the_model_lacks_is_refused_before_any_run(world: World) -> None:
    # given
    policy = DriftPolicy.model_validate({"columns": {"tmep": {"threshold": 0.01}}})

    # when / then
    with pytest.raises(ConfigError, match=r"monitoring\.columns: \['tmep'\] are not columns"):
        world.service().monitor(request(policy=policy))
    assert world.tracker.runs == {}
