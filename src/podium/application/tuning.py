"""The tuning use case: search model params by cross-validation and keep the best as an overlay."""

import json
import logging
from pathlib import PurePosixPath
from urllib.parse import urlparse

import pandas as pd

from podium.application.charts import search_chart
from podium.application.cross_validation import CrossValidation
from podium.application.runs import tracked_run
from podium.application.tuning_records import (
    log_trial_runs,
    overlay,
    overlay_comment,
    search_params,
    trials_table,
)
from podium.domain.dataset import feature_kinds, validate_table
from podium.domain.errors import ConfigError, ModelError
from podium.domain.folds import make_folds
from podium.domain.lineage import table_lineage
from podium.domain.redaction import redact
from podium.domain.splits import split_table
from podium.domain.study import StudyResult, TrialState
from podium.domain.tuning import TuningRequest, TuningResult
from podium.ports import (
    ChartRenderer,
    DocumentStore,
    ExperimentTracker,
    ModelFramework,
    TableStore,
    Tuner,
)

logger = logging.getLogger(__name__)

SEARCH_CHART = "search.png"


class TuningService:
    """Runs one search over a model's params and records the study as one run."""

    def __init__(
        self,
        *,
        storage: TableStore,
        tracker: ExperimentTracker,
        framework: ModelFramework,
        tuner: Tuner,
        documents: DocumentStore,
        charts: ChartRenderer | None = None,
    ) -> None:
        self._charts = charts
        self._storage = storage
        self._tracker = tracker
        self._framework = framework
        self._tuner = tuner
        self._documents = documents

    def tune(self, request: TuningRequest) -> TuningResult:
        """Search under `request`, record the study, and write the best params as an overlay.

        The table is read and checked, and every parameter name checked against the model, before
        any run or trial starts (`ConfigError` names an unknown one). The rows of the training
        holdout (`request.holdout`) are left out of every fold. One run records the search
        settings, the best params and score, and the trials table, with a chart of the search
        (`search.png`: each trial's score and the best so far) when there are `charts`; with
        `log_trials`, each trial also gets a child run. The study is told the run, the data's
        digest and the base params. The overlay is written last, so a failed search leaves none;
        `ModelError` when no trial completed.
        """
        table = self._storage.read(request.data_uri)
        return self.tune_on(table, request)

    def tune_on(self, table: pd.DataFrame, request: TuningRequest) -> TuningResult:
        """Like `tune`, on a table the caller holds; `request.data_uri` names its origin."""
        spec = request.dataset
        features = validate_table(table, spec, source=request.data_uri)
        kinds = feature_kinds(table, features, source=request.data_uri)
        self.check(request)
        rows = self._tuning_rows(table, request)
        folds = make_folds(rows, request.folds, spec)
        objective = request.objective
        evaluator = CrossValidation(
            framework=self._framework,
            features=rows[features],
            target=rows[spec.target],
            kinds=kinds,
            task=spec.task,
            folds=folds,
            metric=objective.metric,
            base_params=request.base_params,
        )
        lineage = table_lineage(table, request.data_uri, "tuning")
        logger.info(
            "tuning %s on %d of %d rows (%d folds), %s %s, %d trials",
            self._framework.name,
            len(rows),
            len(table),
            len(folds),
            objective.direction.value,
            objective.metric,
            request.budget.n_trials,
        )
        table_name = _table_name(request.data_uri)
        run_name = request.run_name or f"tune {table_name} {self._framework.name}"
        with tracked_run(self._tracker, request.experiment, run_name, "tuning") as run_id:
            self._tracker.log_dataset(run_id, lineage)
            self._tracker.log_params(
                run_id,
                {
                    **search_params(request, self._tuner.settings(), self._framework.name),
                    "podium.features": ",".join(features),
                    "podium.n_rows": len(rows),
                },
            )
            study = self._tuner.search(
                request.space,
                evaluator,
                objective=objective,
                budget=request.budget,
                about={
                    "podium.run_id": run_id,
                    "podium.experiment": request.experiment,
                    "podium.data_uri": redact(request.data_uri),
                    "podium.data_digest": lineage.digest,
                    "podium.base_params": json.dumps(request.base_params, sort_keys=True),
                    "podium.framework": self._framework.name,
                    "podium.metric": objective.metric,
                },
            )
            best = study.best()
            if best is None or best.value is None:
                raise ModelError(_nothing_completed(study))
            counts = {state: study.count(state) for state in TrialState}
            self._tracker.log_params(run_id, {f"best.{k}": v for k, v in best.params.items()})
            self._tracker.log_metrics(
                run_id,
                {
                    f"best_cv_{objective.metric}": best.value,
                    "trials_complete": counts[TrialState.COMPLETE],
                    "trials_pruned": counts[TrialState.PRUNED],
                    "trials_failed": counts[TrialState.FAIL],
                },
            )
            self._tracker.log_table(run_id, trials_table(study), "trials.json")
            if self._charts is not None:  # None: the tracker keeps no figures
                title = f"Search of {self._framework.name} params on {table_name}"
                png = search_chart(self._charts, study, title=title)
                self._tracker.log_figure(run_id, png, SEARCH_CHART)
            self._tracker.set_tags(run_id, {"podium.best_trial": str(best.number)})
            if request.log_trials:
                log_trial_runs(self._tracker, run_id, request, study)
            if request.best_params_uri is not None:
                self._documents.write(
                    overlay(best),
                    request.best_params_uri,
                    comment=overlay_comment(run_id, study, best, len(folds)),
                )
                logger.info("wrote the best params to %s", request.best_params_uri)

        return TuningResult(
            run_id=run_id,
            objective=objective,
            best_params=best.params,
            best_value=best.value,
            best_trial=best.number,
            best_fold_scores=best.fold_scores,
            n_complete=counts[TrialState.COMPLETE],
            n_pruned=counts[TrialState.PRUNED],
            n_failed=counts[TrialState.FAIL],
            n_rows=len(rows),
            n_folds=len(folds),
            study_name=study.study_name,
            best_params_uri=request.best_params_uri,
            data_digest=lineage.digest,
        )

    def check(self, request: TuningRequest) -> None:
        """Raise `ConfigError` naming a base or searched parameter the model does not take."""
        check_params(self._framework, request)

    @staticmethod
    def _tuning_rows(table: pd.DataFrame, request: TuningRequest) -> pd.DataFrame:
        if request.holdout is None:
            return table.reset_index(drop=True)
        split = split_table(table, request.holdout, request.dataset)
        return table.iloc[list(split.train)].reset_index(drop=True)


def check_params(framework: ModelFramework, request: TuningRequest) -> None:
    """Raise `ConfigError` naming a base or searched parameter `framework`'s model does not take.

    Needs nothing but the framework, so a config can be checked without touching any store.
    """
    framework.check_params(request.base_params)
    unknown = []
    for name in request.space.names:
        try:
            framework.check_params({name: None})
        except ConfigError:
            unknown.append(name)
    if len(unknown) == 1:
        raise ConfigError(
            f"tuner.space.{unknown[0]}: not a parameter of the {framework.name} model"
        )
    if unknown:
        raise ConfigError(
            f"tuner.space: {unknown} are not parameters of the {framework.name} model"
        )


def _table_name(uri: str) -> str:
    """What a person calls the table at `uri`: its file name without the suffix."""
    parsed = urlparse(uri)
    return PurePosixPath(parsed.path or parsed.netloc).stem or uri


def _nothing_completed(study: StudyResult) -> str:
    if not study.trials:
        return "no trial ran; raise `tuner.timeout_s` or `tuner.n_trials`"
    errors = [t.error for t in study.trials if t.error]
    first = f"; the first error: {errors[0]}" if errors else ""
    return (
        f"none of the study's {len(study.trials)} trials completed"
        f" ({study.count(TrialState.PRUNED)} pruned, {study.count(TrialState.FAIL)} failed){first}"
    )
