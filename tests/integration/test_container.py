"""The composition root: every `kind` has a provider, and ports can be swapped."""

import typing
from typing import Any, get_args

import pandas as pd
import pytest

from podium.adapters.memory import (
    InMemoryExperimentTracker,
    InMemoryModelFramework,
    InMemoryModelRegistry,
    InMemoryTableStore,
)
from podium.config import validate
from podium.container import Container
from podium.config.monitoring import DetectorSettings, ExplainerSettings
from podium.config.notifier import NotifierSettings
from podium.config.settings import (
    ModelSettings,
    RegistrySettings,
    Settings,
    StorageSettings,
    TrackerSettings,
    TrainingJobSettings,
)

MINIMAL = {
    "job": {
        "kind": "training",
        "data": "rows.parquet",
        "dataset": {"target": "y", "time_column": "t"},
    },
    "storage": {"kind": "memory"},
    "tracker": {"kind": "memory"},
    "registry": {"kind": "memory"},
}


def _kinds(union: Any) -> set[str]:
    members = get_args(get_args(union)[0])
    return {typing.get_args(m.model_fields["kind"].annotation)[0] for m in members}


@pytest.mark.parametrize(
    ("port", "union"),
    [
        ("storage", StorageSettings),
        ("tracker", TrackerSettings),
        ("registry", RegistrySettings),
        ("framework", ModelSettings),
        ("drift_detector", DetectorSettings),
        ("explainer", ExplainerSettings),
        ("notifier", NotifierSettings),
    ],
)
def test_every_kind_in_the_settings_has_a_provider(port: str, union: Any) -> None:
    # given
    kinds = _kinds(union)

    # when
    selector = getattr(Container, port)

    # then
    assert kinds, f"no kinds found for {port}"
    assert set(selector.providers) == kinds


def test_the_selector_builds_the_adapter_the_kind_names() -> None:
    # given
    container = Container(settings=validate(MINIMAL))

    # when / then
    assert isinstance(container.storage(), InMemoryTableStore)
    assert isinstance(container.tracker(), InMemoryExperimentTracker)
    assert isinstance(container.registry(), InMemoryModelRegistry)
    assert type(container.framework()).__name__ == "LightGBMFramework"


def test_an_mlflow_registry_follows_the_tracker_uri_unless_set() -> None:
    # given
    tracker = {"kind": "mlflow", "tracking_uri": "sqlite:////tmp/elsewhere.db"}

    # when
    follows = validate({**MINIMAL, "tracker": tracker, "registry": {"kind": "mlflow"}})
    own = validate(
        {
            **MINIMAL,
            "tracker": tracker,
            "registry": {"kind": "mlflow", "tracking_uri": "sqlite:///x.db"},
        }
    )

    # then
    assert follows.registry.kind == "mlflow"
    assert follows.registry.tracking_uri == "sqlite:////tmp/elsewhere.db"
    assert own.registry.kind == "mlflow"
    assert own.registry.tracking_uri == "sqlite:///x.db"


def test_overridden_ports_reach_the_service_and_do_not_leak() -> None:
    # given
    settings: Settings = validate(MINIMAL)
    rows = pd.DataFrame({"t": range(40), "x": [float(i % 7) for i in range(40)], "y": range(40)})
    storage = InMemoryTableStore({"rows.parquet": rows})
    tracker = InMemoryExperimentTracker()
    registry = InMemoryModelRegistry()
    container = Container(settings=settings)
    assert isinstance(settings.job, TrainingJobSettings)

    # when
    with (
        container.storage.override(storage),
        container.tracker.override(tracker),
        container.registry.override(registry),
        container.framework.override(InMemoryModelFramework()),
    ):
        result = container.training_service().train(settings.job.request(settings.model))
    after = Container(settings=settings)

    # then
    assert result.model_version == 1
    assert tracker.get_run(result.run_id).metrics["holdout_rmse"] > 0
    assert [v.version for v in registry.list_versions("model")] == [1]
    assert container.tracker() is not tracker
    assert after.tracker() is not tracker
