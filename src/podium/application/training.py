"""The training use case: fit on the train part, judge on the holdout, register if it passes."""

import logging

import pandas as pd

from podium.application.notifying import deliver, failure
from podium.application.runs import tracked_run
from podium.application.scoring import score
from podium.domain.dataset import feature_kinds, validate_table
from podium.domain.evaluation import HOLDOUT_PREFIX, REFIT_FULL_TAG
from podium.domain.gate import judge
from podium.domain.holdout import HOLDOUT_FROM_TAG, holdout_start
from podium.domain.lineage import table_lineage
from podium.domain.metrics import positive_label
from podium.domain.model import DatasetLineage, FittedModel, ModelVersion
from podium.domain.notice import Notice, NoticeStatus
from podium.domain.splits import MIN_SPLIT_ROWS, split_table
from podium.domain.training import Training, TrainingRequest, TrainingResult
from podium.ports import ExperimentTracker, ModelFramework, ModelRegistry, Notifier, TableStore

logger = logging.getLogger(__name__)

EXAMPLE_ROWS = 5
IMPORTANCE_TABLE = "feature_importance.json"
"""The run's table of the model's own importance per feature, with each one's share."""
DATASET_TAG = "podium.dataset"
"""The version tag holding the data set spec it was trained under, as JSON."""


class TrainingService:
    """Trains one model from a table and records everything about it."""

    def __init__(
        self,
        *,
        storage: TableStore,
        tracker: ExperimentTracker,
        registry: ModelRegistry,
        framework: ModelFramework,
        notifier: Notifier | None = None,
    ) -> None:
        self._storage = storage
        self._tracker = tracker
        self._registry = registry
        self._framework = framework
        self._notifier = notifier

    def train(self, request: TrainingRequest) -> TrainingResult:
        """Train under `request` and return its metrics and the registered version.

        The table is read and checked before any run starts, so bad data leaves no trace in
        the tracker. A model the quality gate refuses is not registered; the result carries the
        reasons. Registration is the run's last step: any failure before it marks the run FAILED and
        registers nothing. The registered version names its run, not the other way round.
        With a notifier, it tells people of the result and of any failure.
        """
        try:
            table = self._storage.read(request.data_uri)
        except Exception as exc:
            deliver(self._notifier, failure("training", exc, {"model": request.model_name}))
            raise
        return self.train_on(table, request)

    def train_on(self, table: pd.DataFrame, request: TrainingRequest) -> TrainingResult:
        """Like `train`, on a table the caller holds; `request.data_uri` names its origin."""
        return self.fit(table, request).result

    def fit(self, table: pd.DataFrame, request: TrainingRequest) -> Training:
        """Like `train_on`, keeping what an embedding app uses in-process: the fitted model
        and the positions of the holdout rows in `table`."""
        try:
            training = self._train_on(table, request)
        except Exception as exc:
            deliver(self._notifier, failure("training", exc, {"model": request.model_name}))
            raise
        deliver(self._notifier, _notice(training.result))
        return training

    def _train_on(self, table: pd.DataFrame, request: TrainingRequest) -> Training:
        spec = request.dataset
        features = validate_table(table, spec, source=request.data_uri)
        kinds = feature_kinds(table, features, source=request.data_uri)
        self._framework.check_params(request.params)
        split = split_table(table, request.split, spec, min_rows=MIN_SPLIT_ROWS)
        train, test = table.iloc[list(split.train)], table.iloc[list(split.test)]
        lineage = table_lineage(table, request.data_uri, "training")
        logger.info(
            "training %s on %d rows, holding out %d", self._framework.name, len(train), len(test)
        )

        run_name = request.run_name or f"train {request.model_name} {self._framework.name}"
        with tracked_run(self._tracker, request.experiment, run_name, "training") as run_id:
            self._tracker.log_dataset(run_id, lineage)
            self._tracker.log_params(
                run_id,
                {
                    **request.params,
                    "podium.framework": self._framework.name,
                    "podium.target": spec.target,
                    "podium.task": spec.task.value,
                    "podium.dropped": ",".join(spec.drop),
                    "podium.time_column": spec.time_column,
                    "podium.split": request.split.model_dump_json(),
                    "podium.features": ",".join(features),
                    "podium.n_train": len(train),
                    "podium.n_test": len(test),
                    "podium.refit_full": request.refit_full,
                },
            )
            model = self._framework.fit(
                train[features],
                train[spec.target],
                kinds=kinds,
                task=spec.task,
                params=request.params,
            )
            self._log_effective_params(run_id, model, request)
            names = request.metric_names
            positive: object = spec.positive_class
            classes = self._framework.classes(model)
            if classes is not None and len(classes) == 2:
                positive = positive_label(classes, spec.positive_class)
                self._tracker.log_params(run_id, {"podium.positive_class": positive})
            holdout = score(
                self._framework,
                model,
                test[features],
                test[spec.target],
                names,
                positive_class=positive,
            )
            on_train = score(
                self._framework,
                model,
                train[features],
                train[spec.target],
                names,
                positive_class=positive,
            )
            self._tracker.log_metrics(
                run_id,
                {
                    **{f"{HOLDOUT_PREFIX}{k}": v for k, v in holdout.items()},
                    **{f"train_{k}": v for k, v in on_train.items()},
                },
            )
            verdict = judge(holdout, request.gate)
            version: ModelVersion | None = None
            if not verdict.passed:
                logger.warning("quality gate refused the model: %s", "; ".join(verdict.reasons))
                self._tracker.set_tags(
                    run_id,
                    {"podium.gate": "refused", "podium.gate.reasons": "; ".join(verdict.reasons)},
                )
            else:
                self._tracker.set_tags(run_id, {"podium.gate": "passed"})
                if request.refit_full:
                    model = self._framework.fit(
                        table[features],
                        table[spec.target],
                        kinds=kinds,
                        task=spec.task,
                        params=request.params,
                    )
            self._tracker.log_table(
                run_id, _with_shares(self._framework.feature_importance(model)), IMPORTANCE_TABLE
            )
            if verdict.passed and request.register_model:
                version = self._register(
                    model=model,
                    request=request,
                    run_id=run_id,
                    example=test[features],
                    lineage=lineage,
                    holdout=holdout,
                    holdout_from=None
                    if request.refit_full or request.split.kind != "time"
                    else holdout_start(test, spec.time_column),
                )

        result = TrainingResult(
            run_id=run_id,
            metrics=holdout,
            train_metrics=on_train,
            gate=verdict,
            model_name=request.model_name,
            model_version=version.version if version else None,
            n_train=len(train),
            n_test=len(test),
            data_digest=lineage.digest,
        )
        return Training(result=result, model=model, holdout_rows=split.test)

    def _log_effective_params(
        self, run_id: str, model: FittedModel, request: TrainingRequest
    ) -> None:
        """The estimator's class and every param it was fitted with, defaults included; those
        the request set are logged already, under the names it gave."""
        estimator, params = self._framework.describe(model)
        self._tracker.log_params(
            run_id,
            {
                "podium.estimator": estimator,
                **{k: v for k, v in params.items() if k not in request.params},
            },
        )

    def _register(
        self,
        *,
        model: FittedModel,
        request: TrainingRequest,
        run_id: str,
        example: pd.DataFrame,
        lineage: DatasetLineage,
        holdout: dict[str, float],
        holdout_from: str | None,
    ) -> ModelVersion:
        version = self._registry.register(
            model,
            name=request.model_name,
            run_id=run_id,
            input_example=example.head(EXAMPLE_ROWS),
            tags={
                "podium.data.uri": lineage.uri,
                "podium.data.digest": lineage.digest,
                "podium.data.rows": str(lineage.rows),
                DATASET_TAG: request.dataset.model_dump_json(),
                REFIT_FULL_TAG: str(request.refit_full).lower(),
                **({HOLDOUT_FROM_TAG: holdout_from} if holdout_from else {}),
                **{f"{HOLDOUT_PREFIX}{k}": f"{v:.6g}" for k, v in holdout.items()},
            },
        )
        logger.info("registered %s version %d", version.name, version.version)
        return version


def _with_shares(importance: pd.DataFrame) -> pd.DataFrame:
    """The importance table with `share`: each feature's part of the total, whatever the
    framework's own unit (LightGBM's split gain, a tree's impurity decrease)."""
    total = float(importance["importance"].sum())
    return importance.assign(share=importance["importance"] / total if total > 0 else 0.0)


def _notice(result: TrainingResult) -> Notice:
    metrics = ", ".join(f"{name} {value:.4g}" for name, value in result.metrics.items())
    if not result.gate.passed:
        status, summary = (
            NoticeStatus.REFUSED,
            "quality gate refused the model: " + "; ".join(result.gate.reasons),
        )
    elif result.model_version is not None:
        status = NoticeStatus.SUCCEEDED
        summary = f"registered {result.model_name} version {result.model_version}"
    else:
        status, summary = NoticeStatus.SUCCEEDED, f"trained {result.model_name}, not registered"
    return Notice(
        job="training",
        status=status,
        summary=summary,
        details={"holdout": metrics, "run": result.run_id},
    )
