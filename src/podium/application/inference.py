"""The batch-inference use case: stream a table through a registered model into a new table."""

import logging
from collections.abc import Iterator, Mapping

import pandas as pd

from podium.application.frameworks import framework_for
from podium.application.models import resolve_model
from podium.application.runs import tracked_run
from podium.domain.dataset import Task
from podium.domain.errors import ConfigError, DataSchemaError, ModelError
from podium.domain.inference import InferenceRequest, InferenceResult, in_window
from podium.domain.model import FittedModel
from podium.domain.schema import check_features
from podium.ports import (
    ExperimentTracker,
    ModelFramework,
    ModelRegistry,
    ProgressReporter,
    TableStore,
)

logger = logging.getLogger(__name__)


class InferenceService:
    """Predicts with one registered version on a table of any size, one batch at a time.

    Memory holds one batch (of `batch_rows` rows) and the model, whatever the table's size.
    The model predicts through the framework that fitted it, chosen from `frameworks`.
    """

    def __init__(
        self,
        *,
        storage: TableStore,
        tracker: ExperimentTracker,
        registry: ModelRegistry,
        frameworks: Mapping[str, ModelFramework],
        progress: ProgressReporter,
    ) -> None:
        self._storage = storage
        self._tracker = tracker
        self._registry = registry
        self._frameworks = frameworks
        self._progress = progress

    def infer(self, request: InferenceRequest) -> InferenceResult:
        """Write one prediction per input row in the window to `request.output_uri`.

        The model is loaded once. Each batch is checked against the model's input schema
        before it is predicted; the first problem raises `DataSchemaError` naming the column
        (and `StorageError` or `ModelError` as the ports raise them), and the output is
        written all at once at the end, so a failed job leaves the destination as it was.
        The run records the version used, the input and output and the rows scored. An output
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
        rows = batches = 0
        with tracked_run(self._tracker, request.experiment, request.run_name, "inference") as run:
            self._tracker.log_params(
                run,
                {
                    "podium.model": version.name,
                    "podium.model.version": version.version,
                    "podium.input": source,
                    "podium.output": request.output_uri,
                    "podium.batch_rows": request.batch_rows,
                },
            )
            self._progress.start(f"{version.name} v{version.version}", "rows")
            try:
                with self._storage.open_writer(request.output_uri) as writer:
                    for batch in self._batches(request, columns, version.name, version.version):
                        keep = in_window(
                            batch, request.input, time_column=request.time_column, source=source
                        )
                        chosen = batch if keep.all() else batch.loc[keep]
                        check_features(chosen, features, model.schema, source=source)
                        output = chosen.loc[:, ids]
                        output[request.prediction_column] = framework.predict(
                            model, chosen.loc[:, features]
                        )
                        if wants_probabilities:
                            _add_probabilities(output, framework, model, chosen.loc[:, features])
                        if len(output) or batches == 0:
                            writer.write(output)
                        rows += len(output)
                        batches += 1
                        self._progress.advance(len(output))
            finally:
                self._progress.finish()
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

    def _batches(
        self, request: InferenceRequest, columns: list[str], name: str, version: int
    ) -> Iterator[pd.DataFrame]:
        batches = self._storage.read_batches(request.input_uri, request.batch_rows, columns)
        try:
            first = next(batches)
        except DataSchemaError as exc:
            raise DataSchemaError(
                f"{exc}; {name} version {version} needs its feature columns and the job's id"
                " columns"
            ) from exc
        yield first
        yield from batches


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
