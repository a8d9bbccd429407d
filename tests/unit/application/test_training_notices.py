"""What training tells people: the registered version, a refusal, a failure; never fails for it."""

import logging
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from podium.adapters.memory import (
    InMemoryExperimentTracker,
    InMemoryModelFramework,
    InMemoryModelRegistry,
    InMemoryNotifier,
    InMemoryTableStore,
)
from podium.application import TrainingService
from podium.domain.errors import StorageError
from podium.domain.notice import NoticeStatus
from podium.domain.training import TrainingRequest

URI = "memory://rides.parquet"


def rides() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "day": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(40), unit="D"),
            "temp": rng.normal(15, 5, 40),
            "rides": rng.normal(100, 10, 40),
        }
    )


def service(
    notifier: InMemoryNotifier, storage: InMemoryTableStore | None = None
) -> TrainingService:
    return TrainingService(
        storage=storage or InMemoryTableStore({URI: rides()}),
        tracker=InMemoryExperimentTracker(),
        registry=InMemoryModelRegistry(),
        framework=InMemoryModelFramework(),
        notifier=notifier,
    )


def request(**overrides: object) -> TrainingRequest:
    fields = {
        "data_uri": URI,
        "dataset": {"target": "rides", "time_column": "day"},
        "model_name": "rides",
        **overrides,
    }
    return TrainingRequest.model_validate(fields)


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def warnings() -> Iterator[list[logging.LogRecord]]:
    handler = Records()
    logger = logging.getLogger("podium.application")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def test_a_registered_model_is_announced_with_its_version_and_run() -> None:
    # given
    notifier = InMemoryNotifier()

    # when
    result = service(notifier).train(request())

    # then
    [notice] = notifier.notices
    assert (notice.job, notice.status) == ("training", NoticeStatus.SUCCEEDED)
    assert notice.summary == "registered rides version 1"
    assert notice.details["run"] == result.run_id
    assert notice.details["holdout"].startswith("rmse ")


def test_a_refused_model_is_announced_as_refused_with_the_reasons() -> None:
    # given
    notifier = InMemoryNotifier()

    # when
    service(notifier).train(request(gate={"rmse": {"max": 0.001}}))

    # then
    [notice] = notifier.notices
    assert notice.status is NoticeStatus.REFUSED
    assert notice.summary.startswith("quality gate refused the model: rmse ")


def test_a_failure_is_announced_and_still_raised() -> None:
    # given
    notifier = InMemoryNotifier()

    # when
    with pytest.raises(StorageError):
        service(notifier, InMemoryTableStore()).train(request())

    # then
    [notice] = notifier.notices
    assert notice.status is NoticeStatus.FAILED
    assert notice.summary.startswith("StorageError: memory://rides.parquet: no table there")
    assert notice.details == {"model": "rides"}


def test_a_dead_notifier_does_not_fail_training_and_is_logged_once(
    warnings: list[logging.LogRecord],
) -> None:
    # given
    dead = InMemoryNotifier(fail=True)

    # when
    result = service(dead).train(request())

    # then
    assert result.model_version == 1
    assert dead.attempts == 1
    assert len(warnings) == 1
    assert "training notice was refused" in warnings[0].getMessage()
