"""The jobs that use registered models: `evaluation`, `promotion` and `inference`."""

from collections.abc import Callable
from typing import Literal, Self

from pydantic import Field, ValidationError, model_validator

from podium.domain.base import Frozen
from podium.domain.dataset import DatasetSpec
from podium.domain.evaluation import EvaluationRequest
from podium.domain.gate import QualityGate
from podium.domain.inference import DEFAULT_BATCH_ROWS, InferenceRequest
from podium.domain.metrics import MetricName
from podium.domain.model_ref import ModelRef
from podium.domain.names import AliasName, ModelName
from podium.domain.promotion import PromotionRequest, RollbackRequest
from podium.domain.rows import TableSlice

DEFAULT_ALIAS = "champion"
_CHECKING_ACTOR = "config-check"


class EvaluationJobSettings(Frozen):
    """Score a registered version on held-out rows with known targets, against the champion.

    `model_version` or `model_alias` picks the version (neither: the latest). `data` names the
    table and the window of rows on `dataset.time_column`. Exits 3 when the gate refuses.
    """

    kind: Literal["evaluation"]
    model_name: ModelName
    model_version: int | None = Field(default=None, ge=1, description="Default: the latest")
    model_alias: AliasName | None = Field(default=None, description="Instead of model_version")
    data: TableSlice
    dataset: DatasetSpec
    metrics: tuple[MetricName, ...] = ()
    gate: QualityGate = QualityGate()
    champion_alias: AliasName | None = Field(
        default=DEFAULT_ALIAS, description="Compare with the version this alias points at"
    )
    allow_training_data: bool = Field(
        default=False, description="Allow scoring on the very table the version was trained from"
    )
    experiment: str = "podium"
    run_name: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _checked(self.request)
        return self

    def request(self) -> EvaluationRequest:
        """The evaluation request this job asks for."""
        return EvaluationRequest(
            model=ModelRef(
                name=self.model_name, version=self.model_version, alias=self.model_alias
            ),
            data=self.data,
            dataset=self.dataset,
            metrics=self.metrics,
            gate=self.gate,
            champion_alias=self.champion_alias,
            allow_training_data=self.allow_training_data,
            experiment=self.experiment,
            run_name=self.run_name,
        )


class PromotionGateSettings(Frozen):
    """The evaluation a promotion must pass: rows to score, the data set spec and thresholds."""

    data: TableSlice
    dataset: DatasetSpec
    metrics: tuple[MetricName, ...] = ()
    gate: QualityGate = QualityGate()
    allow_training_data: bool = False


class PromotionJobSettings(Frozen):
    """Move an alias (`promote`), undo its last move (`rollback`), or list its `history`.

    `promote` points `alias` at `model_version` if it passes `evaluation` (or is `force`d, with
    a `reason`); a refusal exits 3 and is recorded. Who moved it comes from `PODIUM_USER` (or
    the login name). With `dry_run`, it says what it would do and does nothing.
    """

    kind: Literal["promotion"]
    action: Literal["promote", "rollback", "history"] = "promote"
    model_name: ModelName
    model_version: int | None = Field(default=None, ge=1, description="The version to promote")
    alias: AliasName = DEFAULT_ALIAS
    evaluation: PromotionGateSettings | None = None
    force: bool = False
    reason: str = ""
    dry_run: bool = False
    experiment: str = "podium"

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.action == "promote":
            _checked(lambda: self.promotion_request(_CHECKING_ACTOR))
        else:
            _checked(lambda: self.rollback_request(_CHECKING_ACTOR))
        return self

    def promotion_request(self, actor: str) -> PromotionRequest:
        """The promotion this job asks for, by `actor`."""
        if self.model_version is None:
            raise ValueError(
                "model_version: name the version to promote (--set job.model_version=N)"
            )
        gate = self.evaluation
        evaluation = None
        if gate is not None and not self.force:
            evaluation = EvaluationRequest(
                model=ModelRef(name=self.model_name, version=self.model_version),
                data=gate.data,
                dataset=gate.dataset,
                metrics=gate.metrics,
                gate=gate.gate,
                champion_alias=self.alias,
                allow_training_data=gate.allow_training_data,
                experiment=self.experiment,
                run_name=f"gate {self.model_name} v{self.model_version} for {self.alias}",
            )
        return PromotionRequest(
            model_name=self.model_name,
            version=self.model_version,
            alias=self.alias,
            actor=actor,
            reason=self.reason,
            force=self.force,
            dry_run=self.dry_run,
            evaluation=evaluation,
        )

    def rollback_request(self, actor: str) -> RollbackRequest:
        """The rollback this job asks for, by `actor`."""
        return RollbackRequest(
            model_name=self.model_name,
            alias=self.alias,
            actor=actor,
            reason=self.reason,
            dry_run=self.dry_run,
        )


class InferenceOutputs(Frozen):
    """Where the predictions go: a parquet table at any URI."""

    uri: str = Field(min_length=1)


class InferenceJobSettings(Frozen):
    """Predict with a registered version on every row of a table, streamed in batches.

    `model_version` or `model_alias` picks the version (neither: the `champion` alias). The
    output keeps `id_columns` and adds `prediction_column`, one row per input row in the
    window (`input.time_from`/`time_to` on `time_column`).
    """

    kind: Literal["inference"]
    model_name: ModelName
    model_version: int | None = Field(default=None, ge=1)
    model_alias: AliasName | None = Field(default=None, description="Default: champion")
    input: TableSlice
    time_column: str | None = Field(default=None, description="For time_from and time_to")
    id_columns: tuple[str, ...] = ()
    prediction_column: str = "prediction"
    batch_rows: int = Field(default=DEFAULT_BATCH_ROWS, ge=1, description="Rows per batch")
    probabilities: bool | None = Field(
        default=None,
        description="One proba_<class> column per class; default: on for classifiers",
    )
    outputs: InferenceOutputs
    experiment: str = "podium"
    run_name: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _checked(self.request)
        return self

    def request(self) -> InferenceRequest:
        """The inference request this job asks for."""
        alias = self.model_alias
        if alias is None and self.model_version is None:
            alias = DEFAULT_ALIAS
        return InferenceRequest(
            model=ModelRef(name=self.model_name, version=self.model_version, alias=alias),
            input=self.input,
            output_uri=self.outputs.uri,
            time_column=self.time_column,
            id_columns=self.id_columns,
            prediction_column=self.prediction_column,
            batch_rows=self.batch_rows,
            probabilities=self.probabilities,
            experiment=self.experiment,
            run_name=self.run_name,
        )


def _checked(build: Callable[[], object]) -> None:
    """Build a request to check the settings, turning its validation errors into `ValueError`."""
    try:
        build()
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        raise ValueError(f"{where}: {message}" if where else message) from exc
