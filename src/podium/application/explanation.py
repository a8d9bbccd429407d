"""The explanation use case: which features a model's predictions rest on, overall and per row."""

import logging

import pandas as pd

from podium.application.charts import importance_chart
from podium.application.models import resolve_model, training_data_uri
from podium.application.runs import tracked_run
from podium.domain.errors import DataSchemaError
from podium.domain.explanation import (
    ExplanationRequest,
    ExplanationResult,
    contributions_table,
    importance_table,
    row_ids,
)
from podium.domain.lineage import table_lineage
from podium.domain.rows import cap_rows, select_rows
from podium.ports import ChartRenderer, ExperimentTracker, Explainer, ModelRegistry, TableStore

logger = logging.getLogger(__name__)

IMPORTANCE_TABLE = "importance.json"
CONTRIBUTIONS_TABLE = "contributions.parquet"
CHART = "importance.png"
IMPORTANCE_UNITS = {
    "permutation": "how much the metric worsens when the feature's values are shuffled"
    " (in the metric's units)",
}
"""What the importance of an explainer measures, by explainer name, for the chart's axis."""


class ExplanationService:
    """Explains a registered model version on a table of rows, with the configured explainer."""

    def __init__(
        self,
        *,
        storage: TableStore,
        tracker: ExperimentTracker,
        registry: ModelRegistry,
        explainer: Explainer,
        charts: ChartRenderer | None = None,
    ) -> None:
        self._storage = storage
        self._tracker = tracker
        self._registry = registry
        self._explainer = explainer
        self._charts = charts

    def explain(self, request: ExplanationRequest) -> ExplanationResult:
        """Explain the model `request` names on the rows it names.

        Importance covers every model feature; contributions (when the explainer gives them)
        cover every row, one line per feature plus the bias. The run holds both tables and a
        bar chart of the most important features; the tables are written to their URIs once
        all of that is logged, so a run that fails before writes neither. Raises
        `DataSchemaError` when the rows lack a model feature, the target or an id column, and
        `ModelError` when the explainer cannot explain the model.
        """
        version, model = resolve_model(self._registry, request.model)
        uri = request.rows.uri or training_data_uri(version, "job.rows.uri")
        rows = select_rows(
            self._storage.read(uri),
            request.rows,
            time_column=request.time_column,
            source=f"job.rows {uri}",
        )
        rows = cap_rows(rows, request.max_rows, request.rows.seed)
        needed = [*model.features, *request.id_columns]
        if request.target is not None:
            needed.append(request.target)
        missing = [c for c in dict.fromkeys(needed) if c not in rows.columns]
        if missing:
            raise DataSchemaError(f"{uri}: column(s) {missing} to explain the model are missing")
        features = rows[list(model.features)]
        target = rows[request.target] if request.target is not None else None
        lineage = table_lineage(rows, uri, "explanation")
        logger.info("explaining %s version %d on %d rows", version.name, version.version, len(rows))
        run_name = request.run_name or f"explain {version.name} v{version.version}"
        with tracked_run(self._tracker, request.experiment, run_name, "explanation") as run:
            self._tracker.log_dataset(run, lineage)
            self._tracker.log_params(
                run,
                {
                    "podium.model": version.name,
                    "podium.model.version": version.version,
                    "podium.explainer": self._explainer.name,
                },
            )
            importance = importance_table(
                self._explainer.importance(model, features, target), model.features
            )
            wide = self._explainer.contributions(model, features)
            contributions = (
                None
                if wide is None
                else contributions_table(wide, row_ids(rows, request.id_columns))
            )
            self._record(
                run,
                importance,
                contributions,
                request.top,
                model=f"{version.name} version {version.version}",
            )
            self._write_both(importance, request.importance_uri, contributions, request)
            if contributions is None and request.contributions_uri is not None:
                self._remove_stale(request.contributions_uri)
        return ExplanationResult(
            run_id=run,
            model_name=version.name,
            model_version=version.version,
            explainer=self._explainer.name,
            rows=len(rows),
            importance=importance,
            contributions=contributions,
            importance_uri=request.importance_uri,
            contributions_uri=request.contributions_uri if contributions is not None else None,
        )

    def _record(
        self,
        run: str,
        importance: pd.DataFrame,
        contributions: pd.DataFrame | None,
        top: int,
        *,
        model: str,
    ) -> None:
        self._tracker.log_metrics(run, {"explained_features": float(len(importance))})
        self._tracker.log_table(run, importance, IMPORTANCE_TABLE)
        if contributions is not None:
            self._tracker.log_table(run, contributions, CONTRIBUTIONS_TABLE)
        if self._charts is None:  # the tracker keeps no figures
            return
        png = importance_chart(
            self._charts,
            importance,
            model=model,
            explainer=self._explainer.name,
            what=IMPORTANCE_UNITS.get(
                self._explainer.name, "importance, as the explainer gives it"
            ),
            top=top,
        )
        self._tracker.log_figure(run, png, CHART)

    def _remove_stale(self, uri: str) -> None:
        """Remove the contributions an earlier run left at `uri`: this explainer gives none,
        and a table there would read as this run's."""
        if self._storage.exists(uri):
            self._storage.remove(uri)
            logger.warning(
                "the %s explainer gives no per-row contributions; removed %s, written by an"
                " earlier run",
                self._explainer.name,
                uri,
            )
        else:
            logger.warning(
                "the %s explainer gives no per-row contributions; nothing written to %s",
                self._explainer.name,
                uri,
            )

    def _write_both(
        self,
        importance: pd.DataFrame,
        importance_uri: str | None,
        contributions: pd.DataFrame | None,
        request: ExplanationRequest,
    ) -> None:
        """Write both tables or neither: the importance table (one row per feature) is put back
        as it was when the contributions cannot be written."""
        if importance_uri is None:
            if contributions is not None and request.contributions_uri is not None:
                self._storage.write(contributions, request.contributions_uri)
            return
        previous = (
            self._storage.read(importance_uri) if self._storage.exists(importance_uri) else None
        )
        self._storage.write(importance, importance_uri)
        if contributions is None or request.contributions_uri is None:
            return
        try:
            self._storage.write(contributions, request.contributions_uri)
        except BaseException:
            if previous is None:
                self._storage.remove(importance_uri)
            else:
                self._storage.write(previous, importance_uri)
            raise
