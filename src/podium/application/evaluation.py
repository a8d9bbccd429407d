"""The evaluation use case: score a registered version on held-out rows, against the champion."""

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from podium.application.frameworks import framework_for
from podium.application.models import DATA_URI_TAG, resolve_model
from podium.application.runs import tracked_run
from podium.application.scoring import score_predictions
from podium.domain.dataset import Task, validate_table
from podium.domain.diagnostics import confusion_table, residual_table
from podium.domain.evaluation import (
    DIGEST_TAG,
    HOLDOUT_PREFIX,
    REFIT_FULL_TAG,
    EvaluationRequest,
    EvaluationResult,
    refuse_refit_rows,
    refuse_training_data,
)
from podium.domain.gate import GateCheck, check_gate, verdict_of
from podium.domain.holdout import inside_holdout
from podium.domain.lineage import table_lineage
from podium.domain.model import FittedModel, ModelVersion
from podium.domain.model_ref import ModelRef
from podium.domain.rows import select_rows
from podium.domain.schema import check_features
from podium.ports import ExperimentTracker, ModelFramework, ModelRegistry, TableStore

logger = logging.getLogger(__name__)

GATE_TABLE = "gate.json"
RESIDUALS_TABLE = "residuals.json"
CONFUSION_TABLE = "confusion.json"


class EvaluationService:
    """Scores one registered version, and the champion on the same rows, and judges the gate.

    Each model predicts through the framework that fitted it, chosen from `frameworks` by name.
    """

    def __init__(
        self,
        *,
        storage: TableStore,
        tracker: ExperimentTracker,
        registry: ModelRegistry,
        frameworks: Mapping[str, ModelFramework],
    ) -> None:
        self._storage = storage
        self._tracker = tracker
        self._registry = registry
        self._frameworks = frameworks

    def evaluate(self, request: EvaluationRequest) -> EvaluationResult:
        """Evaluate under `request` and log one evaluation run.

        The rows are read, windowed and checked, and both models loaded, before the run starts,
        so bad data or a missing version leaves no run. Raises `ConfigError` when the rows are
        the very table the version (or the champion) was trained from, or any rows of the table
        a `refit_full` version was refitted on, unless allowed;
        `DataSchemaError` when they lack the target or a model feature. The run holds the
        metrics, named `holdout_<metric>` as training names them (the champion's prefixed
        `champion_`), one row per gate check in `gate.json`,
        and `residuals.json` (regression) or `confusion.json` (classification).
        """
        version, model = resolve_model(self._registry, request.model)
        champion = self._champion(request, version, model)
        uri = request.data.uri or ""
        table = self._rows(request, uri)
        lineage = table_lineage(table, uri, "evaluation")
        digest = lineage.digest
        contenders = [("model", version, model)]
        if champion is not None:
            contenders.append(("champion", *champion))
        for role, entry, fitted in contenders:
            self._check_rows(request, entry, fitted, table, digest, role=role)

        run_name = request.run_name or f"evaluate {version.name} v{version.version}"
        with tracked_run(self._tracker, request.experiment, run_name, "evaluation") as run:
            self._tracker.log_dataset(run, lineage)
            self._tracker.log_params(run, _params(request, version, champion))
            target = table[request.dataset.target]
            metrics, predictions = self._score(model, table, target, request)
            champion_metrics = None
            if champion is not None:
                champion_metrics = self._score(champion[1], table, target, request)[0]
            checks = check_gate(metrics, request.gate, champion_metrics)
            verdict = verdict_of(checks)
            self._tracker.log_metrics(
                run,
                {
                    **{f"{HOLDOUT_PREFIX}{k}": v for k, v in metrics.items()},
                    **{
                        f"champion_{HOLDOUT_PREFIX}{k}": v
                        for k, v in (champion_metrics or {}).items()
                    },
                },
            )
            self._tracker.log_table(run, _checks_table(checks), GATE_TABLE)
            self._log_errors(run, model, target, predictions)
            tags = {"podium.gate": "passed" if verdict.passed else "refused"}
            if verdict.reasons:
                tags["podium.gate.reasons"] = "; ".join(verdict.reasons)
            self._tracker.set_tags(run, tags)
        if not verdict.passed:
            logger.warning("evaluation gate refused: %s", "; ".join(verdict.reasons))
        return EvaluationResult(
            run_id=run,
            model_name=version.name,
            model_version=version.version,
            champion_version=champion[0].version if champion else None,
            metrics=metrics,
            champion_metrics=champion_metrics,
            checks=checks,
            verdict=verdict,
            n_rows=len(table),
            data_digest=digest,
        )

    def _champion(
        self, request: EvaluationRequest, version: ModelVersion, model: FittedModel
    ) -> tuple[ModelVersion, FittedModel] | None:
        """The champion and its model; None without a champion alias, or when it is unset."""
        alias = request.champion_alias
        if alias is None:
            return None
        found = self._registry.get_alias(version.name, alias)
        if found is None:
            logger.info("%s has no %s yet: nothing to compare with", version.name, alias)
            return None
        if found.version == version.version:
            return found, model
        return resolve_model(self._registry, ModelRef(name=version.name, version=found.version))

    def _rows(self, request: EvaluationRequest, uri: str) -> pd.DataFrame:
        table = self._storage.read(uri)
        rows = select_rows(
            table, request.data, time_column=request.dataset.time_column, source=f"job.data {uri}"
        )
        validate_table(rows, request.dataset, source=uri)
        return rows

    def _check_rows(
        self,
        request: EvaluationRequest,
        version: ModelVersion,
        model: FittedModel,
        table: pd.DataFrame,
        digest: str,
        *,
        role: str,
    ) -> None:
        """Raise unless `model` can be scored honestly on `table` (see `evaluate`)."""
        uri = request.data.uri or ""
        trained_uri = version.tags.get(DATA_URI_TAG)
        refit_here = version.tags.get(REFIT_FULL_TAG) == "true" and (
            version.tags.get(DIGEST_TAG) == digest
            or (trained_uri is not None and self._storage.same_table(trained_uri, uri))
        )
        if refit_here and not request.allow_training_data:
            refuse_refit_rows(version, uri=uri, role=role)
        trained_from_these = version.tags.get(DIGEST_TAG) == digest
        if trained_from_these and not request.allow_training_data:
            refuse_training_data(version, digest, uri=uri, role=role)
        if trained_from_these:
            logger.warning(
                "%s: scoring %s version %d on the table it was trained from (allowed by"
                " allow_training_data); its scores will look better than they are",
                uri,
                version.name,
                version.version,
            )
        elif version.tags.get(DATA_URI_TAG) == uri and not inside_holdout(
            version.tags, table, request.dataset.time_column
        ):
            logger.warning(
                "%s: %s version %d was trained from this table and these rows may include"
                " training rows; score rows its training held out (the window on the time"
                " column) for the scores to be honest",
                uri,
                version.name,
                version.version,
            )
        check_features(table, model.features, model.schema, source=uri)
        framework_for(self._frameworks, model)

    def _score(
        self,
        model: FittedModel,
        table: pd.DataFrame,
        target: pd.Series,
        request: EvaluationRequest,
    ) -> tuple[dict[str, float], np.ndarray]:
        framework = framework_for(self._frameworks, model)
        features = table.loc[:, list(model.features)]
        return score_predictions(
            framework,
            model,
            features,
            target,
            request.metric_names,
            positive_class=request.dataset.positive_class,
        )

    def _log_errors(
        self, run: str, model: FittedModel, target: pd.Series, predictions: np.ndarray
    ) -> None:
        if model.task is Task.REGRESSION:
            self._tracker.log_table(run, residual_table(target, predictions), RESIDUALS_TABLE)
        else:
            classes = framework_for(self._frameworks, model).classes(model)
            self._tracker.log_table(
                run, confusion_table(target, predictions, classes), CONFUSION_TABLE
            )


def _params(
    request: EvaluationRequest,
    version: ModelVersion,
    champion: tuple[ModelVersion, FittedModel] | None,
) -> dict[str, object]:
    return {
        "podium.model": version.name,
        "podium.model.version": version.version,
        "podium.champion.alias": request.champion_alias,
        "podium.champion.version": champion[0].version if champion else None,
        "podium.data.time_from": request.data.time_from,
        "podium.data.time_to": request.data.time_to,
        "podium.metrics": ",".join(request.metric_names),
    }


def _checks_table(checks: tuple[GateCheck, ...]) -> pd.DataFrame:
    columns = ["metric", "rule", "value", "limit", "passed", "reason"]
    return pd.DataFrame([c.model_dump() for c in checks], columns=columns)
