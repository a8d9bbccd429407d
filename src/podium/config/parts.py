"""The swappable parts of a stack that every job uses: storage, tracker, registry and model.

Each part is a union on `kind`; `podium.container` maps every kind to its adapter.
"""

from typing import Annotated, Literal

from pydantic import Field, JsonValue

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
