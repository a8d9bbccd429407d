"""The composition root: every `kind` has a provider, and ports can be swapped."""

from pathlib import Path
from typing import Any, get_args

import pandas as pd
import pytest

from podium.adapters.memory import (
    InMemoryExperimentTracker,
    InMemoryModelFramework,
    InMemoryModelRegistry,
    InMemoryProgressReporter,
    InMemoryTableStore,
)
from podium.config.loading import validate
from podium.config.monitoring import DetectorSettings, ExplainerSettings
from podium.config.notifier import NotifierSettings
from podium.config.parts import (
    EngineSettings,
    LightGBMModelSettings,
    ModelSettings,
    RegistrySettings,
    StorageSettings,
    TrackerSettings,
)
from podium.config.settings import JobConfig
from podium.config.stack import StackSettings
from podium.config.training import TrainingJobSettings
from podium.config.tuning import TunerSettings
from podium.container import Container
from podium.domain.errors import ConfigError
from podium.wiring import ADAPTERS, FrameworkCatalog, build, kind_of

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


# Each port of the table, with the union of settings classes that choose its adapter.
UNIONS = {
    "storage": StorageSettings,
    "documents": StorageSettings,
    "tracker": TrackerSettings,
    "charts": TrackerSettings,
    "registry": RegistrySettings,
    "model": ModelSettings,
    "tuner": TunerSettings,
    "detector": DetectorSettings,
    "explainer": ExplainerSettings,
    "notifier": NotifierSettings,
    "engine": EngineSettings,
}
# The fields a settings class needs beyond its kind, to build one here.
REQUIRED: dict[str, dict[str, Any]] = {
    "grid": {"space": {"n": {"choices": [1, 2]}}},
    "random": {"space": {"n": {"low": 1, "high": 3}}},
    "optuna": {"space": {"n": {"low": 1, "high": 3}}},
    "webhook": {"url": "http://127.0.0.1:9/hook"},
}


def _members(union: Any) -> tuple[type[Any], ...]:
    return get_args(get_args(union)[0])


def _settings(member: type[Any], tmp_path: Path) -> Any:
    kind = kind_of(member)
    fields: dict[str, Any] = {"kind": kind, **REQUIRED.get(kind, {})}
    if kind == "mlflow":
        fields["tracking_uri"] = f"sqlite:///{tmp_path / 'mlflow.db'}"
    return member.model_validate(fields)


def test_the_table_serves_exactly_the_kinds_of_every_union() -> None:
    # given
    expected = {(port, member) for port, union in UNIONS.items() for member in _members(union)}

    # when
    served = set(ADAPTERS)

    # then
    assert expected, "no settings classes found"
    assert served == expected


@pytest.mark.parametrize(
    ("port", "member"),
    [(port, member) for port, union in UNIONS.items() for member in _members(union)],
    ids=lambda value: value if isinstance(value, str) else kind_of(value),
)
def test_every_kind_of_every_union_resolves_to_its_adapter(
    port: str, member: type[Any], tmp_path: Path
) -> None:
    # given
    settings = _settings(member, tmp_path)
    adapter = ADAPTERS[(port, member)]

    # when
    built = build(
        port,
        settings,
        frameworks={},
        show_progress=False,
        storage=InMemoryTableStore(),
        progress=InMemoryProgressReporter(),
    )

    # then
    if adapter.path:
        assert type(built).__name__ == adapter.path.rpartition(":")[2]
    else:
        assert built is None


def test_every_model_kind_predicts_with_the_framework_of_its_name() -> None:
    # given
    catalog = FrameworkCatalog(
        LightGBMModelSettings(), lambda: build("model", LightGBMModelSettings())
    )

    # when
    names = {name: catalog[name].name for name in catalog}

    # then
    assert names == {kind_of(member): kind_of(member) for member in _members(ModelSettings)}


def test_a_part_the_stack_lacks_is_one_config_error() -> None:
    # given
    container = Container(stack=StackSettings.in_memory())

    # when / then
    with pytest.raises(ConfigError, match="tuner: the stack has no `tuner` section"):
        container.tuner()


def test_the_selector_builds_the_adapter_the_kind_names() -> None:
    # given
    container = Container(stack=validate(MINIMAL).stack)

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
    assert follows.stack.registry.kind == "mlflow"
    assert follows.stack.registry.tracking_uri == "sqlite:////tmp/elsewhere.db"
    assert own.stack.registry.kind == "mlflow"
    assert own.stack.registry.tracking_uri == "sqlite:///x.db"


def test_overridden_ports_reach_the_service_and_do_not_leak() -> None:
    # given
    settings: JobConfig = validate(MINIMAL)
    rows = pd.DataFrame({"t": range(40), "x": [float(i % 7) for i in range(40)], "y": range(40)})
    storage = InMemoryTableStore({"rows.parquet": rows})
    tracker = InMemoryExperimentTracker()
    registry = InMemoryModelRegistry()
    container = Container(stack=settings.stack)
    assert isinstance(settings.job, TrainingJobSettings)

    # when
    with (
        container.storage.override(storage),
        container.tracker.override(tracker),
        container.registry.override(registry),
        container.framework.override(InMemoryModelFramework()),
    ):
        result = container.training_service().train(settings.job.request(settings.stack.model))
    after = Container(stack=settings.stack)

    # then
    assert result.model_version == 1
    assert tracker.get_run(result.run_id).metrics["holdout_rmse"] > 0
    assert [v.version for v in registry.list_versions("model")] == [1]
    assert container.tracker() is not tracker
    assert after.tracker() is not tracker
