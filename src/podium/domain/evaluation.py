"""The evaluation use case's request and result, and the rule against scoring on training data."""

from typing import Self

from pydantic import model_validator

from podium.domain.base import Frozen
from podium.domain.dataset import DatasetSpec
from podium.domain.errors import ConfigError
from podium.domain.gate import GateCheck, GateVerdict, QualityGate
from podium.domain.metrics import MetricName, check_metrics, default_metrics
from podium.domain.model import ModelVersion
from podium.domain.model_ref import ModelRef
from podium.domain.names import AliasName
from podium.domain.rows import TableSlice

DIGEST_TAG = "podium.data.digest"
"""The version tag holding the digest of the table the version was trained from."""
REFIT_FULL_TAG = "podium.refit_full"
"""The version tag saying "true" when the version was refitted on every row of its table."""
HOLDOUT_PREFIX = "holdout_"
"""The prefix of a metric scored on rows the model was not fitted on, in every job's run."""


class EvaluationRequest(Frozen):
    """Score a registered model on rows with known targets, and judge it by `gate`.

    `data` names the table and, on the spec's time column, the window of rows to score (the
    held-out rows). With `champion_alias`, the version that alias points at is scored on the same
    rows, and `max_worse` thresholds compare with it. Scoring on the very table a version was
    trained from is refused unless `allow_training_data`.
    """

    model: ModelRef
    data: TableSlice
    dataset: DatasetSpec
    metrics: tuple[MetricName, ...] = ()
    gate: QualityGate = QualityGate()
    champion_alias: AliasName | None = "champion"
    allow_training_data: bool = False
    experiment: str = "podium"
    run_name: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not self.data.uri:
            raise ValueError("data.uri: name the table to evaluate on (the held-out rows)")
        if self.data.has_window and self.dataset.time_column is None:
            raise ValueError("data.time_from/time_to need `dataset.time_column`")
        check_metrics(self.metrics, self.dataset.task)
        check_metrics(self.gate.root.keys(), self.dataset.task)
        if self.gate.is_relative and self.champion_alias is None:
            raise ValueError("gate: `max_worse` compares with a champion; set `champion_alias`")
        return self

    @property
    def metric_names(self) -> tuple[MetricName, ...]:
        """The metrics to compute: those asked for, or every metric of the task."""
        return self.metrics or default_metrics(self.dataset.task)


class EvaluationResult(Frozen):
    """What an evaluation run found: metrics, the champion's, each check and the verdict."""

    run_id: str
    model_name: str
    model_version: int
    champion_version: int | None
    metrics: dict[str, float]
    champion_metrics: dict[str, float] | None
    checks: tuple[GateCheck, ...]
    verdict: GateVerdict
    n_rows: int
    data_digest: str


def refuse_refit_rows(version: ModelVersion, *, uri: str, role: str) -> None:
    """Raise `ConfigError`: `version` was refitted on every row of the table at `uri`, so any
    of its rows is training data. `role` says which model it is (`model`, `champion`)."""
    raise ConfigError(
        f"{uri}: {role} {version.name} version {version.version} was refit on every row of"
        " this table (refit_full), so no row of it is held out and its scores there say nothing"
        " about new data; evaluate on another table, or set `allow_training_data: true` to do"
        " it anyway"
    )


def refuse_training_data(version: ModelVersion, digest: str, *, uri: str, role: str) -> None:
    """Raise `ConfigError` when the table with `digest` is the one `version` was trained from.

    `role` says which model it is (`model`, `champion`) in the message.
    """
    if version.tags.get(DIGEST_TAG) == digest:
        raise ConfigError(
            f"{uri}: these rows are the table {role} {version.name} version {version.version} was"
            f" trained from (digest {digest}); its scores there say nothing about new data."
            " Evaluate on held-out rows (`time_from`/`time_to`, or another table), or set"
            " `allow_training_data: true` to do it anyway"
        )
