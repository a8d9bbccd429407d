"""The monitoring use case: has what a model sees moved away from what it was trained on?"""

import logging
from collections.abc import Mapping

import pandas as pd

from podium.application.charts import drift_chart, window_text
from podium.application.frameworks import framework_for
from podium.application.models import resolve_model, training_data_uri
from podium.application.notifying import deliver, failure
from podium.application.runs import tracked_run
from podium.domain.batch import SampleRequest
from podium.domain.dataset import FeatureKind, Task, feature_kinds
from podium.domain.drift import DriftPolicy, check_columns
from podium.domain.drift_report import DriftReport, DriftVerdict, judge_drift
from podium.domain.errors import ConfigError, DataSchemaError
from podium.domain.model import DatasetLineage, FittedModel
from podium.domain.monitoring import PREDICTION_COLUMN, MonitoringRequest, MonitoringResult
from podium.domain.notice import Notice, NoticeStatus
from podium.ports import (
    BatchEngine,
    ChartRenderer,
    DriftDetector,
    ExperimentTracker,
    ModelFramework,
    ModelRegistry,
    Notifier,
    TableStore,
)

logger = logging.getLogger(__name__)

REPORT_TABLE = "drift_report.json"
CHART = "drift.png"
CHART_COLUMNS = 15


class MonitoringService:
    """Compares a model's inputs (and predictions) in a current table with a reference table.

    The verdict is drift when at least the request's `drift_share` of the compared columns
    drifted. Predictions come from the framework in `frameworks` that fitted the model. With a
    notifier, it tells people of drift, of no drift, and of failure.
    """

    def __init__(
        self,
        *,
        storage: TableStore,
        tracker: ExperimentTracker,
        registry: ModelRegistry,
        frameworks: Mapping[str, ModelFramework],
        detector: DriftDetector,
        engine: BatchEngine,
        charts: ChartRenderer | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        self._storage = storage
        self._tracker = tracker
        self._registry = registry
        self._frameworks = frameworks
        self._detector = detector
        self._engine = engine
        self._charts = charts
        self._notifier = notifier

    def monitor(self, request: MonitoringRequest) -> MonitoringResult:
        """Compare the tables `request` names and report, log and announce the result.

        Tables are read and checked before any run starts, so bad data leaves no run behind.
        The run holds the report as a table, the verdict as metrics and a chart of the most
        drifted columns; the report is written to `request.output_uri` last, so a failed run
        writes no report. Raises `DataSchemaError` when a table lacks a model feature, a
        feature changed kind, or a slice holds no row.
        """
        try:
            result = self._monitor(request)
        except Exception as exc:
            deliver(self._notifier, failure("monitoring", exc, {"model": request.model.name}))
            raise
        deliver(self._notifier, _notice(result))
        return result

    def _monitor(self, request: MonitoringRequest) -> MonitoringResult:
        version, model = resolve_model(self._registry, request.model)
        reference_uri = request.reference.uri or training_data_uri(version, "job.reference.uri")
        current_uri = str(request.current.uri)
        features = list(model.features)
        policy = request.policy
        reference_sample, current_sample = self._engine.sample(
            [
                SampleRequest(
                    uri=reference_uri,
                    rows=request.reference,
                    source=f"job.reference {reference_uri}",
                ),
                SampleRequest(
                    uri=current_uri, rows=request.current, source=f"job.current {current_uri}"
                ),
            ],
            columns=[*features, *([request.time_column] if request.time_column else [])],
            time_column=request.time_column,
            max_rows=policy.max_rows,
            seed=policy.seed,
        )
        reference, current = reference_sample.rows, current_sample.rows
        check_columns(reference, current, features)
        kinds = feature_kinds(reference, features, source=reference_uri)
        _check_same_kinds(kinds, feature_kinds(current, features, source=current_uri), current_uri)
        lineages = (
            DatasetLineage(
                uri=reference_uri,
                rows=reference_sample.total,
                digest=reference_sample.digest,
                context="reference",
            ),
            DatasetLineage(
                uri=current_uri,
                rows=current_sample.total,
                digest=current_sample.digest,
                context="current",
            ),
        )
        _check_rules(policy, [*features, PREDICTION_COLUMN])
        compared_reference = reference[features]
        compared_current = current[features]
        if request.compare_predictions:
            compared_reference = self._with_predictions(model, compared_reference)
            compared_current = self._with_predictions(model, compared_current)
            kinds[PREDICTION_COLUMN] = (
                FeatureKind.CATEGORICAL
                if model.task is Task.CLASSIFICATION
                else FeatureKind.NUMERIC
            )
        logger.info(
            "comparing %d columns of %d current rows with %d reference rows (%s)",
            len(kinds),
            current_sample.total,
            reference_sample.total,
            self._detector.name,
        )
        run_name = request.run_name or f"monitor {version.name} v{version.version}"
        with tracked_run(self._tracker, request.experiment, run_name, "monitoring") as run:
            for lineage in lineages:
                self._tracker.log_dataset(run, lineage)
            self._tracker.log_params(
                run,
                {
                    "podium.model": version.name,
                    "podium.model.version": version.version,
                    "podium.detector": self._detector.name,
                    "podium.policy": policy.model_dump_json(),
                    "podium.drift_share": request.drift_share,
                    "podium.columns": ",".join(kinds),
                },
            )
            report = self._detector.detect(compared_reference, compared_current, kinds, policy)
            verdict = judge_drift(report, request.drift_share)
            self._record(
                run,
                report,
                verdict,
                model=f"{version.name} version {version.version}",
                windows=(
                    window_text(reference_uri, request.reference),
                    window_text(current_uri, request.current),
                ),
            )
            if request.output_uri is not None:
                self._storage.write(report.table(), request.output_uri)
        return MonitoringResult(
            run_id=run,
            model_name=version.name,
            model_version=version.version,
            report=report,
            verdict=verdict,
            reference_uri=reference_uri,
            current_uri=current_uri,
            reference_rows=reference_sample.total,
            current_rows=current_sample.total,
            output_uri=request.output_uri,
        )

    def _with_predictions(self, model: FittedModel, rows: pd.DataFrame) -> pd.DataFrame:
        framework = framework_for(self._frameworks, model)
        if PREDICTION_COLUMN in rows.columns:
            raise DataSchemaError(
                f"a model feature is named {PREDICTION_COLUMN!r}, like the predictions to compare;"
                " set `compare_predictions: false`"
            )
        return rows.assign(**{PREDICTION_COLUMN: framework.predict(model, rows)})

    def _record(
        self,
        run: str,
        report: DriftReport,
        verdict: DriftVerdict,
        *,
        model: str,
        windows: tuple[str, str],
    ) -> None:
        self._tracker.log_metrics(
            run,
            {
                "drift_detected": float(verdict.drifted),
                "drifted_share": verdict.share,
                "drifted_columns": float(len(verdict.drifted_columns)),
                "compared_columns": float(verdict.columns),
            },
        )
        self._tracker.set_tags(
            run,
            {
                "podium.drift": "drift" if verdict.drifted else "none",
                "podium.drift.columns": ",".join(verdict.drifted_columns),
            },
        )
        self._tracker.log_table(run, report.table(), REPORT_TABLE)
        if self._charts is None:  # the tracker keeps no figures
            return
        reference, current = windows
        png = drift_chart(
            self._charts,
            report,
            model=model,
            reference=reference,
            current=current,
            top=CHART_COLUMNS,
        )
        self._tracker.log_figure(run, png, CHART)


def _check_rules(policy: DriftPolicy, columns: list[str]) -> None:
    unknown = sorted(set(policy.columns) - set(columns))
    if unknown:
        raise ConfigError(
            f"monitoring.columns: {unknown} are not columns of the model; it has {columns[:-1]}"
        )


def _check_same_kinds(
    reference: dict[str, FeatureKind], current: dict[str, FeatureKind], source: str
) -> None:
    changed = [c for c, kind in reference.items() if current[c] is not kind]
    if changed:
        described = ", ".join(
            f"{c!r} ({current[c].value} here, {reference[c].value} in the reference)"
            for c in changed
        )
        raise DataSchemaError(f"{source}: column(s) changed kind: {described}")


def _notice(result: MonitoringResult) -> Notice:
    verdict = result.verdict
    drifted = ", ".join(verdict.drifted_columns) or "none"
    summary = (
        f"{len(verdict.drifted_columns)} of {verdict.columns} columns of"
        f" {result.model_name} version {result.model_version} drifted"
        f" (share {verdict.share:.2f}, alert at {verdict.drift_share:.2f})"
    )
    return Notice(
        job="monitoring",
        status=NoticeStatus.DRIFT if verdict.drifted else NoticeStatus.SUCCEEDED,
        summary=summary,
        details={
            "drifted columns": drifted,
            "run": result.run_id,
            "reference": result.reference_uri,
            "current": result.current_uri,
        },
    )
