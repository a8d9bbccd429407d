"""`podium.Lifecycle`: the whole model lifecycle for a host application, over its DataFrames.

Every method takes pandas DataFrames or table URIs, keyword arguments for what a job config
says (with the same defaults), and returns the use case's frozen result. Nothing is written,
served or started that the stack does not ask for; nothing global is touched.
"""

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, overload

import pandas as pd
from pydantic import JsonValue

from podium.application.models import resolve_version
from podium.application.promotion import PromotionService
from podium.application.training import DATASET_TAG
from podium.config.actor import current_actor
from podium.config.stack import StackSettings
from podium.container import Container
from podium.domain.dataset import DatasetSpec, Task
from podium.domain.drift import DriftPolicy
from podium.domain.errors import ConfigError
from podium.domain.evaluation import EvaluationRequest, EvaluationResult
from podium.domain.explanation import ExplanationRequest, ExplanationResult
from podium.domain.folds import FoldPolicy, KFolds, TimeFolds
from podium.domain.gate import QualityGate
from podium.domain.inference import DEFAULT_BATCH_ROWS, InferenceRequest, InferenceResult
from podium.domain.metrics import MetricName
from podium.domain.model_ref import ModelRef
from podium.domain.monitoring import MonitoringRequest, MonitoringResult
from podium.domain.promotion import AliasEvent, PromotionRequest, PromotionResult, RollbackRequest
from podium.domain.rows import TableSlice
from podium.domain.search_space import SearchSpace
from podium.domain.study import SearchBudget
from podium.domain.training import TrainingRequest
from podium.domain.tuning import TuningRequest, TuningResult
from podium.lifecycle.arguments import (
    ModelLike,
    SplitLike,
    checked,
    dataset,
    model_ref,
    promotion_gate,
    quality_gate,
    split_policy,
)
from podium.lifecycle.frames import PREFIX, FrameTables
from podium.lifecycle.model import Model
from podium.lifecycle.results import Trained

Table = pd.DataFrame | str


class Lifecycle:
    """Tune, train, evaluate, promote, predict, explain and monitor, in-process.

    `Lifecycle()` keeps everything in memory (no file, no server, no thread);
    `Lifecycle(stack=...)` runs on a stack, `Lifecycle.from_config("configs/stacks/local.yaml")`
    on a stack file. Any port can be swapped by keyword (`Lifecycle(tracker=my_tracker)`) or
    through `lifecycle.container.<port>.override(...)`. Quiet unless `progress=True`.
    """

    def __init__(
        self,
        stack: StackSettings | None = None,
        *,
        progress: bool = False,
        **ports: object,
    ) -> None:
        self.stack = stack if stack is not None else StackSettings.in_memory()
        self.container = Container(
            stack=self.stack, progress_mode="terminal" if progress else "log"
        )
        for port, adapter in ports.items():
            provider = getattr(self.container, port, None)
            if provider is None or port in ("stack", "progress_mode") or port.endswith("_service"):
                raise ConfigError(
                    f"{port}: not a port of the stack; swap one of storage, documents, tracker,"
                    " charts, registry, framework, tuner, drift_detector, explainer, notifier"
                )
            provider.override(adapter)
        self._tables: FrameTables | None = None

    @classmethod
    def from_config(
        cls, path_or_uri: str | Sequence[str], overrides: Sequence[str] = (), **kwargs: Any
    ) -> "Lifecycle":
        """A lifecycle on the stack that YAML files (paths or URIs, merged left to right, then
        `overrides` such as `"model.kind=sklearn"`) describe."""
        from podium.config.loading import load_stack  # OmegaConf and YAML only when asked

        files = [path_or_uri] if isinstance(path_or_uri, str) else list(path_or_uri)
        return cls(load_stack(files, overrides), **kwargs)

    # Training and tuning.

    def train(
        self,
        data: Table,
        *,
        target: str,
        name: str = "model",
        task: Task | str = Task.REGRESSION,
        time_column: str | None = None,
        drop: Sequence[str] = (),
        features: Sequence[str] = (),
        id_columns: Sequence[str] = (),
        split: SplitLike = None,
        test_size: float = 0.2,
        seed: int = 42,
        params: Mapping[str, JsonValue] | None = None,
        metrics: Sequence[MetricName] = (),
        gate: Mapping[str, Any] | QualityGate | None = None,
        register: bool = True,
        refit_full: bool = False,
        experiment: str = "podium",
        run_name: str | None = None,
    ) -> Trained:
        """Fit on the train part of `data`, judge on its holdout (the latest `test_size` of
        time with a `time_column`, else a seeded random share), and register the model as the
        next version of `name` when it passes `gate`.

        The result holds the fitted model (`result.model.predict(rows)`) and the holdout rows
        (`result.holdout`) to promote on. `params` default to the stack's model params.
        """
        spec = dataset(
            target=target,
            task=task,
            time_column=time_column,
            drop=tuple(drop),
            features=tuple(features),
            id_columns=tuple(id_columns),
        )
        with self._held(training=data) as names:
            uri = names["training"] or ""
            table = self._storage().read(uri)
            request = checked(
                TrainingRequest,
                data_uri=uri,
                dataset=spec,
                split=split_policy(split, time_column=time_column, test_size=test_size, seed=seed),
                params=dict(params) if params is not None else self.stack.model.params,
                metrics=tuple(metrics),
                gate=quality_gate(gate),
                experiment=experiment,
                run_name=run_name,
                model_name=name,
                register_model=register,
                refit_full=refit_full,
            )
            training = self.container.training_service().fit(table, request)
        framework = self.container.framework()
        return Trained(
            **training.result.model_dump(),
            model=Model(training.model, framework),
            holdout=table.iloc[list(training.holdout_rows)],
        )

    def tune(
        self,
        data: Table,
        *,
        target: str,
        space: Mapping[str, Any] | SearchSpace,
        task: Task | str = Task.REGRESSION,
        time_column: str | None = None,
        drop: Sequence[str] = (),
        features: Sequence[str] = (),
        split: SplitLike = None,
        test_size: float = 0.2,
        folds: FoldPolicy | int = 4,
        metric: MetricName | None = None,
        n_trials: int = 20,
        timeout_s: float | None = None,
        seed: int | None = 42,
        params: Mapping[str, JsonValue] | None = None,
        best_params_uri: str | None = None,
        experiment: str = "podium",
        run_name: str | None = None,
    ) -> TuningResult:
        """Search `space` by cross-validation on `data` without its training holdout, with
        the stack's tuner (Optuna when the stack names none). `folds` is a policy or a count
        (time-ordered folds with a time column, else seeded k-fold)."""
        spec = dataset(
            target=target,
            task=task,
            time_column=time_column,
            drop=tuple(drop),
            features=tuple(features),
            id_columns=(),
        )
        if isinstance(folds, int):
            folds = (
                checked(TimeFolds, n_folds=folds)
                if time_column is not None
                else checked(KFolds, n_folds=folds, seed=seed or 0)
            )
        with self._held(tuning=data) as names:
            request = checked(
                TuningRequest,
                data_uri=names["tuning"] or "",
                dataset=spec,
                space=checked(SearchSpace.model_validate, obj=space)
                if not isinstance(space, SearchSpace)
                else space,
                budget=checked(SearchBudget, n_trials=n_trials, timeout_s=timeout_s, seed=seed),
                holdout=split_policy(
                    split, time_column=time_column, test_size=test_size, seed=seed or 0
                ),
                folds=folds,
                metric=metric,
                base_params=dict(params) if params is not None else self.stack.model.params,
                best_params_uri=best_params_uri,
                experiment=experiment,
                run_name=run_name,
            )
            if self.stack.tuner is None and not self.container.tuner.overridden:
                from podium.config.tuning import OptunaTunerSettings
                from podium.wiring import build

                tuner = build(
                    "tuner",
                    OptunaTunerSettings(space=request.space),
                    show_progress=self.container.show_progress(),
                )
                service = self.container.tuning_service(storage=self._storage(), tuner=tuner)
            else:
                service = self.container.tuning_service(storage=self._storage())
            return service.tune(request)

    # Registered models.

    def evaluate(
        self,
        model: ModelLike,
        data: Table,
        *,
        target: str | None = None,
        task: Task | str | None = None,
        time_column: str | None = None,
        time_from: Any = None,
        time_to: Any = None,
        metrics: Sequence[MetricName] = (),
        gate: Mapping[str, Any] | QualityGate | None = None,
        champion: str | None = "champion",
        allow_training_data: bool = False,
        experiment: str = "podium",
        run_name: str | None = None,
    ) -> EvaluationResult:
        """Score a registered version on rows with known targets, against the version
        `champion` points at on the same rows. The data set (target, task, dropped columns)
        is the one the version was trained under unless given."""
        ref = model_ref(model)
        spec = self._dataset(ref, target=target, task=task, time_column=time_column)
        with self._held(data=data) as names:
            request = checked(
                EvaluationRequest,
                model=ref,
                data=checked(TableSlice, uri=names["data"], time_from=time_from, time_to=time_to),
                dataset=spec,
                metrics=tuple(metrics),
                gate=quality_gate(gate),
                champion_alias=champion,
                allow_training_data=allow_training_data,
                experiment=experiment,
                run_name=run_name,
            )
            return self.container.evaluation_service(storage=self._storage()).evaluate(request)

    def promote(
        self,
        name: str,
        *,
        version: int | None,
        data: Table | None = None,
        alias: str = "champion",
        gate: Mapping[str, Any] | QualityGate | None = None,
        metrics: Sequence[MetricName] = (),
        force: bool = False,
        reason: str = "",
        dry_run: bool = False,
        actor: str | None = None,
        allow_training_data: bool = False,
        experiment: str = "podium",
    ) -> PromotionResult:
        """Point `alias` at `version` if it passes `gate` on `data` (rows its training held
        out, such as `trained.holdout`) against the current holder of the alias; by default
        the gate is "no worse than the champion" on the task's first metric. `force=True` with
        a `reason` skips the gate. Every move and refusal is recorded in the alias history."""
        if version is None:
            raise ConfigError(
                "version: that training registered no version (its gate refused the model, or"
                " register=False); nothing to promote"
            )
        if data is None and not force:
            raise ConfigError(
                "data: a promotion is judged on held-out rows; pass data=trained.holdout, or"
                " force=True with a reason"
            )
        ref = ModelRef(name=name, version=version)
        with self._held(data=data) as names:
            evaluation = None
            if not force:
                spec = self._dataset(ref, target=None, task=None, time_column=None)
                evaluation = checked(
                    EvaluationRequest,
                    model=ref,
                    data=checked(TableSlice, uri=names["data"]),
                    dataset=spec,
                    metrics=tuple(metrics),
                    gate=promotion_gate(gate, spec.task),
                    champion_alias=alias,
                    allow_training_data=allow_training_data,
                    experiment=experiment,
                    run_name=f"gate {name} v{version} for {alias}",
                )
            request = checked(
                PromotionRequest,
                model_name=name,
                version=version,
                alias=alias,
                actor=actor or current_actor(),
                reason=reason,
                force=force,
                dry_run=dry_run,
                evaluation=evaluation,
            )
            return self._promotion().promote(request)

    def rollback(
        self,
        name: str,
        *,
        alias: str = "champion",
        reason: str = "",
        dry_run: bool = False,
        actor: str | None = None,
    ) -> PromotionResult:
        """Undo the last move of `alias` (rolling back the first one removes the alias)."""
        request = checked(
            RollbackRequest,
            model_name=name,
            alias=alias,
            actor=actor or current_actor(),
            reason=reason,
            dry_run=dry_run,
        )
        return self._promotion().rollback(request)

    def history(self, name: str, *, alias: str = "champion") -> list[AliasEvent]:
        """Every recorded change of `alias`, oldest first."""
        return self._promotion().history(name, alias)

    @overload
    def predict(
        self,
        model: ModelLike,
        data: Table,
        *,
        output: None = None,
        id_columns: Sequence[str] = (),
        prediction_column: str = "prediction",
        probabilities: bool | None = None,
        time_column: str | None = None,
        time_from: Any = None,
        time_to: Any = None,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        experiment: str = "podium",
        run_name: str | None = None,
    ) -> pd.DataFrame: ...

    @overload
    def predict(
        self,
        model: ModelLike,
        data: Table,
        *,
        output: str,
        id_columns: Sequence[str] = (),
        prediction_column: str = "prediction",
        probabilities: bool | None = None,
        time_column: str | None = None,
        time_from: Any = None,
        time_to: Any = None,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        experiment: str = "podium",
        run_name: str | None = None,
    ) -> InferenceResult: ...

    def predict(
        self,
        model: ModelLike,
        data: Table,
        *,
        output: str | None = None,
        id_columns: Sequence[str] = (),
        prediction_column: str = "prediction",
        probabilities: bool | None = None,
        time_column: str | None = None,
        time_from: Any = None,
        time_to: Any = None,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        experiment: str = "podium",
        run_name: str | None = None,
    ) -> pd.DataFrame | InferenceResult:
        """Predict with a registered model on every row of `data`, checked batch by batch
        against the schema it was fitted on.

        Without `output`, returns a DataFrame of the `id_columns` and the prediction (and one
        `proba_<class>` column per class for a classifier, unless `probabilities=False`) on
        the index of `data` when `data` is a DataFrame scored whole; nothing is written. With
        `output` (a URI), streams the predictions there and returns the `InferenceResult`.
        """
        destination = output or f"{PREFIX}predictions"
        with self._held(data=data) as names:
            request = checked(
                InferenceRequest,
                model=model_ref(model),
                input=checked(TableSlice, uri=names["data"], time_from=time_from, time_to=time_to),
                output_uri=destination,
                time_column=time_column,
                id_columns=tuple(id_columns),
                prediction_column=prediction_column,
                probabilities=probabilities,
                batch_rows=batch_rows,
                experiment=experiment,
                run_name=run_name,
            )
            tables = self._storage()
            service = self.container.inference_service(storage=tables, engine__storage=tables)
            result = service.infer(request)
        if output is not None:
            return result
        predictions = self._storage().take(destination)
        if isinstance(data, pd.DataFrame) and len(predictions) == len(data):
            predictions.index = data.index
        return predictions

    def explain(
        self,
        model: ModelLike,
        data: Table | None = None,
        *,
        target: str | None = None,
        id_columns: Sequence[str] = (),
        time_column: str | None = None,
        time_from: Any = None,
        time_to: Any = None,
        max_rows: int | None = None,
        top: int = 15,
        importance_uri: str | None = None,
        contributions_uri: str | None = None,
        experiment: str = "podium",
        run_name: str | None = None,
    ) -> ExplanationResult:
        """Global importance of every feature, and (with the LightGBM explainer) each feature's
        contribution to each row's prediction, on `data` (default: the table the version was
        trained on, when that was a URI). Permutation importance needs `target`."""
        with self._held(data=data) as names:
            request = checked(
                ExplanationRequest,
                model=model_ref(model),
                rows=checked(TableSlice, uri=names["data"], time_from=time_from, time_to=time_to),
                time_column=time_column,
                target=target,
                id_columns=tuple(id_columns),
                max_rows=max_rows,
                importance_uri=importance_uri,
                contributions_uri=contributions_uri,
                experiment=experiment,
                run_name=run_name,
                top=top,
            )
            return self.container.explanation_service(storage=self._storage()).explain(request)

    def monitor(
        self,
        model: ModelLike,
        current: Table,
        *,
        reference: Table | None = None,
        time_column: str | None = None,
        compare_predictions: bool = False,
        policy: DriftPolicy | Mapping[str, Any] | None = None,
        drift_share: float | None = None,
        output: str | None = None,
        experiment: str = "podium",
        run_name: str | None = None,
    ) -> MonitoringResult:
        """Compare a model's feature columns (and, with `compare_predictions`, its predictions)
        between `reference` (default: the table the version was trained on, when that was a
        URI) and `current`, column by column. `policy` and `drift_share` default to the stack's
        `monitoring` section."""
        monitoring = self.stack.monitoring
        if policy is None:
            policy = monitoring.policy()
        elif not isinstance(policy, DriftPolicy):
            policy = checked(DriftPolicy.model_validate, obj=dict(policy))
        with self._held(current=current, reference=reference) as names:
            request = checked(
                MonitoringRequest,
                model=model_ref(model),
                current=checked(TableSlice, uri=names["current"]),
                reference=checked(TableSlice, uri=names["reference"]),
                time_column=time_column,
                compare_predictions=compare_predictions,
                policy=policy,
                drift_share=drift_share if drift_share is not None else monitoring.drift_share,
                output_uri=output,
                experiment=experiment,
                run_name=run_name,
            )
            tables = self._storage()
            service = self.container.monitoring_service(storage=tables, engine__storage=tables)
            return service.monitor(request)

    # Helpers.

    def _storage(self) -> FrameTables:
        if self._tables is None:
            self._tables = FrameTables(self.container.storage())
        return self._tables

    def _held(self, **tables: Table | None) -> AbstractContextManager[dict[str, str | None]]:
        return self._storage().holding(**tables)

    def _promotion(self) -> PromotionService:
        evaluation = self.container.evaluation_service(storage=self._storage())
        return self.container.promotion_service(evaluation=evaluation)

    def _dataset(
        self,
        ref: ModelRef,
        *,
        target: str | None,
        task: Task | str | None,
        time_column: str | None,
    ) -> DatasetSpec:
        """The data set spec a version was trained under (its `podium.dataset` tag), with the
        arguments given in place of its fields."""
        recorded = self._recorded_dataset(ref)
        if recorded is None and target is None:
            raise ConfigError(
                f"target: {ref.describe()} records no data set spec; pass target= (and task=)"
            )
        base = recorded.model_dump() if recorded is not None else {}
        given = {"target": target, "task": task, "time_column": time_column}
        return checked(
            DatasetSpec.model_validate,
            obj={**base, **{k: v for k, v in given.items() if v is not None}},
        )

    def _recorded_dataset(self, ref: ModelRef) -> DatasetSpec | None:
        recorded = resolve_version(self.container.registry(), ref).tags.get(DATASET_TAG)
        return None if recorded is None else DatasetSpec.model_validate_json(recorded)
