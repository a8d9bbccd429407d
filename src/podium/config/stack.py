"""The stack: the swappable parts a container is built from, apart from any job."""

from typing import Any

from pydantic import model_validator

from podium.config.monitoring import (
    ExplainerSettings,
    LightGBMExplainerSettings,
    MonitoringSettings,
)
from podium.config.notifier import NoNotifierSettings, NotifierSettings
from podium.config.parts import (
    CloudPathStorageSettings,
    EngineSettings,
    LightGBMModelSettings,
    LocalEngineSettings,
    MemoryRegistrySettings,
    MemoryStorageSettings,
    MemoryTrackerSettings,
    MlflowRegistrySettings,
    MlflowTrackerSettings,
    ModelSettings,
    RegistrySettings,
    StorageSettings,
    TrackerSettings,
)
from podium.config.tuning import TunerSettings
from podium.domain.base import Frozen

DEFAULT_KINDS = {
    "storage": "cloudpath",
    "tracker": "mlflow",
    "registry": "mlflow",
    "model": "lightgbm",
    "tuner": "optuna",
    "explainer": "lightgbm",
    "notifier": "none",
    "engine": "local",
}


class StackSettings(Frozen):
    """The parts jobs run on, each chosen by its `kind`: where tables live, where runs and
    models are recorded, which model framework fits, how tuning searches, how drift is judged,
    how models are explained, who hears how jobs end, and where batch work (inference,
    monitoring samples) runs.

    The default is the local stack (`configs/stacks/local.yaml`): tables on disk, MLflow in a
    SQLite file under `.podium/`. `StackSettings.in_memory()` keeps everything in memory.
    """

    model: ModelSettings = LightGBMModelSettings()
    storage: StorageSettings = CloudPathStorageSettings()
    tracker: TrackerSettings = MlflowTrackerSettings()
    registry: RegistrySettings = MlflowRegistrySettings()
    tuner: TunerSettings | None = None
    monitoring: MonitoringSettings = MonitoringSettings()
    explainer: ExplainerSettings = LightGBMExplainerSettings()
    notifier: NotifierSettings = NoNotifierSettings()
    engine: EngineSettings = LocalEngineSettings()

    @classmethod
    def in_memory(cls) -> "StackSettings":
        """A stack that keeps tables, runs and models in memory: no file, no server."""
        return cls(
            storage=MemoryStorageSettings(kind="memory"),
            tracker=MemoryTrackerSettings(kind="memory"),
            registry=MemoryRegistrySettings(kind="memory"),
        )

    @model_validator(mode="before")
    @classmethod
    def _fill_defaults(cls, data: Any) -> Any:
        """A part given without `kind` takes the default kind (so `--set tracker.x=y` works),
        and an MLflow registry with no tracking URI of its own uses the MLflow tracker's."""
        if not isinstance(data, dict):
            return data
        data = {
            **data,
            **{
                part: {"kind": kind, **data[part]}
                for part, kind in DEFAULT_KINDS.items()
                if isinstance(data.get(part), dict)
            },
        }
        tracker, registry = data.get("tracker"), data.get("registry", {"kind": "mlflow"})
        if (
            isinstance(tracker, dict)
            and isinstance(registry, dict)
            and tracker["kind"] == registry["kind"] == "mlflow"
            and "tracking_uri" in tracker
            and "tracking_uri" not in registry
        ):
            data["registry"] = {**registry, "tracking_uri": tracker["tracking_uri"]}
        return data
