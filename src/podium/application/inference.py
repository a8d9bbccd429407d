"""The batch-inference use case: stream a table through a registered model into a new table."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from podium.application.frameworks import framework_for
from podium.application.models import resolve_model
from podium.application.runs import tracked_run
from podium.domain.batch import ScoringJob
from podium.domain.dataset import Task
from podium.domain.errors import ConfigError, DataSchemaError, ModelError
from podium.domain.inference import InferenceRequest, InferenceResult, in_window
from podium.domain.lineage import location_lineage
from podium.domain.model import FittedModel
from podium.domain.rows import TableSlice
from podium.domain.schema import check_features
from podium.ports import (
    BatchEngine,
    ExperimentTracker,
    ModelFramework,
    ModelRegistry,
    TableStore,
)

logger = logging.getLogger(__name__)


class InferenceService:
    """Predicts with one registered version on a table of any size, one batch at a time.

    The batch `engine` reads, scores and writes where the data is: in this process, one batch
    (of `batch_rows` rows) and the model in memory whatever the table's size, or on a cluster.
    The model predicts through the framework that fitted it, chosen from `frameworks`; every
    batch is checked and scored by the same `BatchScoring`, whichever engine runs it.
    """

    def __init__(
        self,
        *,
        storage: TableStore,
        tracker: ExperimentTracker,
        registry: ModelRegistry,
        frameworks: Mapping[str, ModelFramework],
        engine: BatchEngine,
    ) -> None:
        self._storage = storage
        self._tracker = tracker
        self._registry = registry
        self._frameworks = frameworks
        self._engine = engine

    def infer(self, request: InferenceRequest) -> InferenceResult:
        """Write one prediction per input row in the window to `request.output_uri`.

        The model is loaded once. Each batch is checked against the model's input schema
        before it is predicted; the first problem raises `DataSchemaError` naming the column
        (and `StorageError` or `ModelError` as the ports raise them), and the output is
        written all at once at the end, so a failed job leaves the destination as it was.
        The run records the version used, the input (also as a dataset input of the rows
        scored, digested by location: the rows are streamed, not hashed), the output and the
        rows scored. An output
        that is the input itself (by the store's resolution of names) is refused with
        `ConfigError` before anything runs.
        """
        if self._storage.same_table(request.input_uri, request.output_uri):
            raise ConfigError(
                f"job.outputs.uri: {request.output_uri} is the input table itself"
                f" ({request.input_uri}); write the predictions elsewhere"
            )
        version, model = resolve_model(self._registry, request.model)
        framework = framework_for(self._frameworks, model)
        features = list(model.features)
        ids = list(request.id_columns)
        window = [request.time_column] if request.input.has_window and request.time_column else []
        columns = list(dict.fromkeys([*ids, *features, *window]))
        source = request.input_uri
        wants_probabilities = (
            request.probabilities is not False and model.task is Task.CLASSIFICATION
        )
        scoring = BatchScoring(
            framework=framework,
            model=model,
            ids=tuple(ids),
            window=request.input,
            time_column=request.time_column,
            source=source,
            prediction_column=request.prediction_column,
            probabilities=wants_probabilities,
        )
        job = ScoringJob(
            input_uri=source,
            output_uri=request.output_uri,
            columns=tuple(columns),
            batch_rows=request.batch_rows,
            label=f"{version.name} v{version.version}",
        )
        run_name = request.run_name or f"predict {version.name} v{version.version}"
        with tracked_run(self._tracker, request.experiment, run_name, "inference") as run:
            self._tracker.log_params(
                run,
                {
                    "podium.model": version.name,
                    "podium.model.version": version.version,
                    "podium.input": source,
                    "podium.output": request.output_uri,
                    "podium.batch_rows": request.batch_rows,
                    "podium.engine": self._engine.name,
                },
            )
            self._check_columns(source, columns, version.name, version.version)
            outcome = self._engine.score(job, scoring)
            rows, batches = outcome.rows, outcome.batches
            self._tracker.log_dataset(run, location_lineage(source, rows, "inference"))
            self._tracker.log_metrics(run, {"rows": rows, "batches": batches})
        logger.info("wrote %d predictions to %s", rows, request.output_uri)
        return InferenceResult(
            run_id=run,
            model_name=version.name,
            model_version=version.version,
            rows=rows,
            batches=batches,
            output_uri=request.output_uri,
        )

    def _check_columns(self, uri: str, columns: list[str], name: str, version: int) -> None:
        present = self._engine.columns(uri)
        missing = [c for c in columns if c not in present]
        if missing:
            raise DataSchemaError(
                f"{uri}: column(s) {missing} are not in the table; it has {present}; {name}"
                f" version {version} needs its feature columns and the job's id columns"
            )


@dataclass(frozen=True)
class BatchScoring:
    """One batch of input rows in, its output rows out: the rows in the window, checked
    against the model's input schema, with their id columns, prediction and (when asked)
    class probabilities. Picklable, so that an engine can run it on its executors.
    """

    framework: ModelFramework
    model: FittedModel
    ids: tuple[str, ...]
    window: TableSlice
    time_column: str | None
    source: str
    prediction_column: str
    probabilities: bool

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        """The output rows of `batch`; `DataSchemaError` naming the column and row when a
        row in the window cannot be scored."""
        features = list(self.model.features)
        keep = in_window(batch, self.window, time_column=self.time_column, source=self.source)
        chosen = batch if keep.all() else batch.loc[keep]
        check_features(chosen, features, self.model.schema, source=self.source)
        output = chosen.loc[:, list(self.ids)]
        output[self.prediction_column] = self.framework.predict(self.model, chosen.loc[:, features])
        if self.probabilities:
            _add_probabilities(output, self.framework, self.model, chosen.loc[:, features])
        return output


def _add_probabilities(
    output: pd.DataFrame, framework: ModelFramework, model: FittedModel, features: pd.DataFrame
) -> None:
    """One `proba_<class>` column per class, in the model's class order."""
    probabilities = framework.predict_proba(model, features)
    classes = framework.classes(model)
    if probabilities is None or classes is None:
        raise ModelError(
            f"the {framework.name} model gives no class probabilities; set probabilities: false"
        )
    for position, label in enumerate(classes):
        column = f"proba_{label}"
        if column in output.columns:
            raise DataSchemaError(
                f"probability column {column!r} clashes with an output column; rename the id"
                " column or set probabilities: false"
            )
        output[column] = probabilities[:, position]
