"""The parts of a config monitoring and explanation add: the `monitoring` and `explainer`
sections, and the `monitoring` and `explanation` jobs."""

import importlib.util
from typing import Annotated, Any, Literal, Self

from pydantic import Field, model_validator

from podium.domain.base import Frozen
from podium.domain.drift import DriftPolicy
from podium.domain.explanation import ExplanationRequest
from podium.domain.metrics import MetricName
from podium.domain.model_ref import ModelRef
from podium.domain.monitoring import MonitoringRequest, check_slices
from podium.domain.names import AliasName, ModelName
from podium.domain.rows import TableSlice, check_window

EVIDENTLY_HINT = "pip install 'podium[evidently]'"


class StatisticalDetectorSettings(Frozen):
    """Two-sample statistics from scipy (KS, chi-squared, PSI, Wasserstein): fast, no extra."""

    kind: Literal["statistical"] = "statistical"
    progress_columns: int = Field(
        default=20, ge=1, description="Show a progress bar on a terminal from this many columns"
    )


class EvidentlyDetectorSettings(Frozen):
    """Evidently's data drift preset, run with the same methods; an optional extra."""

    kind: Literal["evidently"]

    @model_validator(mode="after")
    def _evidently_is_installed(self) -> Self:
        if importlib.util.find_spec("evidently") is None:
            raise ValueError(f"the evidently detector needs its optional extra: {EVIDENTLY_HINT}")
        return self


DetectorSettings = Annotated[
    StatisticalDetectorSettings | EvidentlyDetectorSettings, Field(discriminator="kind")
]


class MonitoringSettings(DriftPolicy):
    """How drift is detected and judged: the detector, the methods and thresholds per kind and
    column, the row cap, and the share of drifted columns that means the table drifted."""

    detector: DetectorSettings = StatisticalDetectorSettings()
    drift_share: float = Field(
        default=0.5, gt=0, le=1, description="Drift when at least this share of columns drifted"
    )

    @model_validator(mode="before")
    @classmethod
    def _detector_kind_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("detector"), dict):
            return {**data, "detector": {"kind": "statistical", **data["detector"]}}
        return data

    def policy(self) -> DriftPolicy:
        """The policy every detector follows."""
        return DriftPolicy.model_validate(self.model_dump(include=set(DriftPolicy.model_fields)))


class LightGBMExplainerSettings(Frozen):
    """LightGBM's gain importance and `pred_contrib` per-row contributions (LightGBM models)."""

    kind: Literal["lightgbm"] = "lightgbm"


class PermutationExplainerSettings(Frozen):
    """Permutation importance for any model; needs the job's `target`; no contributions."""

    kind: Literal["permutation"]
    metric: MetricName | None = Field(default=None, description="Default: the task's first")
    repeats: int = Field(default=5, ge=1)
    seed: int = 0


ExplainerSettings = Annotated[
    LightGBMExplainerSettings | PermutationExplainerSettings, Field(discriminator="kind")
]


class MonitoringOutputs(Frozen):
    """Where the drift report table goes (parquet or csv); none keeps it in the tracker only."""

    uri: str | None = None


class MonitoringJobSettings(Frozen):
    """Compare a registered model's feature columns between a reference and a current table.

    `reference.uri` absent means the data the model version was trained on. Exits 4 on drift.
    """

    kind: Literal["monitoring"]
    model_name: ModelName
    model_version: int | None = Field(default=None, ge=1, description="Default: the latest")
    model_alias: AliasName | None = Field(default=None, description="Or an alias")
    reference: TableSlice = TableSlice()
    current: TableSlice
    time_column: str | None = Field(default=None, description="For time_from and time_to")
    compare_predictions: bool = False
    outputs: MonitoringOutputs = MonitoringOutputs()
    experiment: str = "podium"
    run_name: str | None = None

    @model_validator(mode="after")
    def _slices_are_usable(self) -> Self:
        check_slices(self.reference, self.current, self.time_column)
        _version_or_alias(self.model_version, self.model_alias)
        return self

    def request(self, monitoring: MonitoringSettings) -> MonitoringRequest:
        """The monitoring request this job asks for, judged as `monitoring` says."""
        return MonitoringRequest(
            model=ModelRef(
                name=self.model_name, version=self.model_version, alias=self.model_alias
            ),
            reference=self.reference,
            current=self.current,
            time_column=self.time_column,
            compare_predictions=self.compare_predictions,
            policy=monitoring.policy(),
            drift_share=monitoring.drift_share,
            output_uri=self.outputs.uri,
            experiment=self.experiment,
            run_name=self.run_name,
        )


class ExplanationOutputs(Frozen):
    """Where the importance and contributions tables go (parquet or csv)."""

    importance: str | None = None
    contributions: str | None = None


class ExplanationJobSettings(Frozen):
    """Explain a registered model on rows of a table: importance, and per-row contributions.

    `rows.uri` absent means the data the model version was trained on.
    """

    kind: Literal["explanation"]
    model_name: ModelName
    model_version: int | None = Field(default=None, ge=1, description="Default: the latest")
    model_alias: AliasName | None = Field(default=None, description="Or an alias")
    rows: TableSlice = TableSlice()
    time_column: str | None = Field(default=None, description="For time_from and time_to")
    target: str | None = Field(default=None, description="Needed by permutation importance")
    id_columns: tuple[str, ...] = ()
    max_rows: int | None = Field(default=None, ge=1, description="A seeded sample of the rows")
    outputs: ExplanationOutputs = ExplanationOutputs()
    top: int = Field(default=15, ge=1, description="Features in the chart")
    experiment: str = "podium"
    run_name: str | None = None

    @model_validator(mode="after")
    def _window_has_a_time_column(self) -> Self:
        check_window((self.rows,), self.time_column)
        _version_or_alias(self.model_version, self.model_alias)
        return self

    def request(self) -> ExplanationRequest:
        """The explanation request this job asks for."""
        return ExplanationRequest(
            model=ModelRef(
                name=self.model_name, version=self.model_version, alias=self.model_alias
            ),
            rows=self.rows,
            time_column=self.time_column,
            target=self.target,
            id_columns=self.id_columns,
            max_rows=self.max_rows,
            importance_uri=self.outputs.importance,
            contributions_uri=self.outputs.contributions,
            experiment=self.experiment,
            run_name=self.run_name,
            top=self.top,
        )


def _version_or_alias(version: int | None, alias: str | None) -> None:
    if version is not None and alias is not None:
        raise ValueError("give `model_version` or `model_alias`, not both")
