"""The schema of a whole podium config: one frozen pydantic model, a union on `kind` per part."""

from typing import Annotated, Any, Literal, Self

from pydantic import Field, JsonValue, model_validator

from podium.domain.base import Frozen
from podium.domain.dataset import DatasetSpec
from podium.domain.gate import QualityGate, check_absolute
from podium.domain.metrics import MetricName, check_metrics
from podium.domain.splits import SplitPolicy, TimeHoldout, check_split
from podium.domain.training import TrainingRequest
from podium.lifecycle_settings import (
    EvaluationJobSettings,
    InferenceJobSettings,
    PromotionJobSettings,
)
from podium.monitoring_settings import (
    ExplainerSettings,
    ExplanationJobSettings,
    LightGBMExplainerSettings,
    MonitoringJobSettings,
    MonitoringSettings,
)
from podium.notifier_settings import NoNotifierSettings, NotifierSettings
from podium.tuning_settings import TunerSettings, TuningJobSettings

DEFAULT_TRACKING_URI = "sqlite:///.podium/mlflow.db"
DEFAULT_ARTIFACTS = ".podium/artifacts"
DEFAULT_KINDS = {
    "storage": "cloudpath",
    "tracker": "mlflow",
    "registry": "mlflow",
    "model": "lightgbm",
    "tuner": "optuna",
    "explainer": "lightgbm",
    "notifier": "none",
}


class CloudPathStorageSettings(Frozen):
    """Tables on a local disk or any cloudpathlib URI (s3://, gs://, az://)."""

    kind: Literal["cloudpath"] = "cloudpath"
    s3_endpoint_url: str | None = Field(
        default=None, description="An S3-compatible endpoint, e.g. http://127.0.0.1:9000"
    )


class MemoryStorageSettings(Frozen):
    """Tables in memory: for tests and embedding apps that hand over their own tables."""

    kind: Literal["memory"]


class MlflowTrackerSettings(Frozen):
    """Runs in MLflow, through a tracking URI (sqlite:///..., http://..., postgresql://...)."""

    kind: Literal["mlflow"] = "mlflow"
    tracking_uri: str = DEFAULT_TRACKING_URI
    artifact_location: str | None = Field(
        default=DEFAULT_ARTIFACTS,
        description="Where new experiments keep artifacts: a folder or a URI such as s3://...",
    )


class MemoryTrackerSettings(Frozen):
    """Runs kept in memory and lost at exit."""

    kind: Literal["memory"]


class MlflowRegistrySettings(Frozen):
    """Registered models in MLflow's model registry."""

    kind: Literal["mlflow"] = "mlflow"
    tracking_uri: str = Field(
        default=DEFAULT_TRACKING_URI,
        description="Defaults to the MLflow tracker's tracking URI when the tracker is MLflow",
    )
    registry_uri: str | None = Field(default=None, description="Defaults to the tracking URI")


class MemoryRegistrySettings(Frozen):
    """Registered models kept in memory and lost at exit."""

    kind: Literal["memory"]


class LightGBMModelSettings(Frozen):
    """LightGBM's `LGBMRegressor` or `LGBMClassifier` (by the task), with its parameters."""

    kind: Literal["lightgbm"] = "lightgbm"
    params: dict[str, JsonValue] = {}


class SklearnModelSettings(Frozen):
    """Any scikit-learn estimator, by dotted path under `sklearn.`, with its parameters."""

    kind: Literal["sklearn"]
    estimator: str = "sklearn.ensemble.HistGradientBoostingRegressor"
    params: dict[str, JsonValue] = {}


StorageSettings = Annotated[
    CloudPathStorageSettings | MemoryStorageSettings, Field(discriminator="kind")
]
TrackerSettings = Annotated[
    MlflowTrackerSettings | MemoryTrackerSettings, Field(discriminator="kind")
]
RegistrySettings = Annotated[
    MlflowRegistrySettings | MemoryRegistrySettings, Field(discriminator="kind")
]
ModelSettings = Annotated[LightGBMModelSettings | SklearnModelSettings, Field(discriminator="kind")]


class TrainingJobSettings(Frozen):
    """Train a model on `data`, judge it on a holdout and register it as `model_name`."""

    kind: Literal["training"]
    data: str = Field(min_length=1, description="URI of the table: a path, file://, s3://, ...")
    dataset: DatasetSpec
    split: SplitPolicy = TimeHoldout()
    metrics: tuple[MetricName, ...] = ()
    gate: QualityGate = QualityGate()
    experiment: str = "podium"
    run_name: str | None = None
    model_name: str = Field(default="model", min_length=1)
    register_model: bool = True
    refit_full: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        check_metrics(self.metrics, self.dataset.task)
        check_metrics(self.gate.root.keys(), self.dataset.task)
        check_absolute(self.gate)
        check_split(self.split, self.dataset)
        return self

    def request(self, model: LightGBMModelSettings | SklearnModelSettings) -> TrainingRequest:
        """The training request this job asks for, with `model`'s parameters."""
        return TrainingRequest(
            data_uri=self.data,
            dataset=self.dataset,
            split=self.split,
            params=model.params,
            metrics=self.metrics,
            gate=self.gate,
            experiment=self.experiment,
            run_name=self.run_name,
            model_name=self.model_name,
            register_model=self.register_model,
            refit_full=self.refit_full,
        )


JobSettings = Annotated[
    TrainingJobSettings
    | TuningJobSettings
    | MonitoringJobSettings
    | ExplanationJobSettings
    | EvaluationJobSettings
    | PromotionJobSettings
    | InferenceJobSettings,
    Field(discriminator="kind"),
]


class Settings(Frozen):
    """A whole podium config: the job to run and the parts it runs on."""

    job: JobSettings
    model: ModelSettings = LightGBMModelSettings()
    storage: StorageSettings = CloudPathStorageSettings()
    tracker: TrackerSettings = MlflowTrackerSettings()
    registry: RegistrySettings = MlflowRegistrySettings()
    tuner: TunerSettings | None = None
    monitoring: MonitoringSettings = MonitoringSettings()
    explainer: ExplainerSettings = LightGBMExplainerSettings()
    notifier: NotifierSettings = NoNotifierSettings()

    @model_validator(mode="after")
    def _tuning_has_a_tuner(self) -> Self:
        if isinstance(self.job, TuningJobSettings) and self.tuner is None:
            raise ValueError("a tuning job needs a `tuner` section with a `space`")
        return self

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
