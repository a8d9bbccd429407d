"""The swappable parts of a stack that every job uses: storage, tracker, registry, model and
batch engine.

Each part is a union on `kind`; `podium.container` maps every kind to its adapter.
"""

from typing import Annotated, Literal

from pydantic import Field, JsonValue, field_validator

from podium.domain.base import Frozen

DEFAULT_TRACKING_URI = "sqlite:///.podium/mlflow.db"
DEFAULT_ARTIFACTS = ".podium/artifacts"


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
    timeout_s: float = Field(
        default=8.0, gt=0, le=600, description="Seconds a tracking server may take per request"
    )
    retries: int = Field(
        default=2, ge=0, le=10, description="Retries of a failed request to a tracking server"
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
    timeout_s: float = Field(
        default=8.0, gt=0, le=600, description="Seconds a registry server may take to answer"
    )


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


class MemoryModelSettings(Frozen):
    """A constant model (the target's mean or class shares): for tests and for trying a stack."""

    kind: Literal["memory"]
    params: dict[str, JsonValue] = {}


ModelSettings = Annotated[
    LightGBMModelSettings | SklearnModelSettings | MemoryModelSettings,
    Field(discriminator="kind"),
]
AnyModelSettings = LightGBMModelSettings | SklearnModelSettings | MemoryModelSettings


class LocalEngineSettings(Frozen):
    """Batch work (inference, monitoring samples) in this process, streamed with pandas."""

    kind: Literal["local"] = "local"


SparkConfValue = str | int | float | bool
_SPARK_MASTERS = ("local", "spark://", "sc://", "yarn", "k8s://", "mesos://")


class SparkEngineSettings(Frozen):
    """Batch work on Apache Spark (`pip install 'podium[spark]'`): local threads, a standalone
    cluster, YARN or Kubernetes, or a Spark Connect server (`sc://`)."""

    kind: Literal["spark"]
    master: str = Field(
        default="local[2]",
        description="local[N], spark://host:7077, sc://host:15002, yarn or k8s://...",
    )
    app_name: str = Field(default="podium", min_length=1)
    conf: dict[str, SparkConfValue] = Field(
        default={}, description="Spark settings, e.g. spark.executor.memory: 4g"
    )

    @field_validator("master")
    @classmethod
    def _known_master(cls, master: str) -> str:
        if not master.startswith(_SPARK_MASTERS):
            raise ValueError(
                f"{master!r} is not a Spark master URL; use local[N], spark://host:port,"
                " sc://host:port, yarn or k8s://..."
            )
        return master


EngineSettings = Annotated[LocalEngineSettings | SparkEngineSettings, Field(discriminator="kind")]
