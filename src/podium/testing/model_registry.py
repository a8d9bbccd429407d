"""The ModelRegistry contract: `ModelRegistryContract`, versions and aliases."""

import itertools
import re
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd
import pytest

from podium.domain.errors import AliasConflictError, RegistryError
from podium.domain.model import FittedModel
from podium.domain.promotion import AliasAction, AliasChange, AliasEvent, AliasOutcome
from podium.ports import ModelRegistry

NAME = "rides"
RACERS = 4

Predict = Callable[[FittedModel, pd.DataFrame], np.ndarray]
"""The predictions of a fitted model for some rows."""
RegistryClient = Callable[[], ModelRegistry]
"""Another client of the registry under test, as another thread would hold."""


@runtime_checkable
class _Predictor(Protocol):
    def predict(self, features: pd.DataFrame) -> object: ...


def estimator_predictions(model: FittedModel, rows: pd.DataFrame) -> np.ndarray:
    """What `model.estimator.predict` gives for `rows`, for estimators with scikit-learn's API."""
    estimator = model.estimator
    if not isinstance(estimator, _Predictor):
        pytest.fail(
            f"a {type(estimator).__name__} has no predict(features): override the `predict`"
            " fixture, for instance with your framework's `predict`",
            pytrace=False,
        )
    return np.asarray(estimator.predict(rows[list(model.features)]))


MoveOutside = Callable[[ModelRegistry, str, str, int | None], None]
"""Moves `alias` of `name` to a version (None: removes it) as a tool other than podium would."""


def change(
    before: int | None,
    after: int | None,
    *,
    alias: str = "champion",
    action: AliasAction = "promote",
    outcome: AliasOutcome = "moved",
) -> AliasChange:
    """A change of `alias` believed to point at `before`, to `after`, by ana."""
    return AliasChange(
        alias=alias,
        action=action,
        outcome=outcome,
        from_version=before,
        to_version=after,
        actor="ana",
        reason=f"{before} to {after}",
        evaluation_run_id="run-7",
    )


def promote_until_recorded(registry: ModelRegistry, target: int, attempts: int = 50) -> None:
    """Move the champion to `target` from wherever it is, as a promotion would, retrying when
    another writer moved it in between."""
    for _ in range(attempts):
        current = registry.get_alias(NAME, "champion")
        before = current.version if current else None
        try:
            registry.record_alias_change(NAME, change(before, target))
            return
        except AliasConflictError:
            continue
    raise AssertionError(f"version {target} was never recorded")


def assert_consistent(history: list[AliasEvent], pointed: int | None, targets: list[int]) -> None:
    """Every move recorded once, numbered without gaps, each from where the last one left it,
    and the alias where the last one put it."""
    assert sorted(e.to_version or 0 for e in history) == sorted(targets)
    assert [e.sequence for e in history] == list(range(1, len(targets) + 1))
    assert history[0].from_version is None
    for previous, event in itertools.pairwise(history):
        assert event.from_version == previous.to_version
    assert pointed == history[-1].to_version


def _register_versions(
    registry: ModelRegistry,
    models: Sequence[FittedModel],
    count: int,
    *,
    run_id: str,
    input_example: pd.DataFrame,
) -> None:
    """Register `count` versions of `NAME`, cycling through `models`."""
    for model in itertools.islice(itertools.cycle(models), count):
        registry.register(model, name=NAME, run_id=run_id, input_example=input_example)


def _assert_distinct(
    predict: Predict, first: FittedModel, second: FittedModel, rows: pd.DataFrame
) -> None:
    assert not np.array_equal(predict(first, rows), predict(second, rows)), (
        "`fitted_model` and `other_fitted_model` must predict differently on `input_example`,"
        " so that the suite can tell their versions apart"
    )


class ModelRegistryContract:
    """What every `ModelRegistry` promises: numbered versions, loading, and aliases.

    Subclass it, under a name pytest collects, and define:

    - `model_registry` (required): a fresh registry holding no model.
    - `fitted_model` (required): a `FittedModel` the registry can store, with at least one
      feature (a `schema` too, for the schema to be checked).
    - `other_fitted_model` (required): another one, of another framework or other params,
      that predicts differently from `fitted_model` on `input_example`.
    - `input_example` (required): rows holding every feature of both models, used as the
      input example of each registration and to compare predictions.
    - `registry_run_id` (default `"run-1"`): the run id models are registered with; override
      it for a registry that checks runs exist.
    - `predict` (default: `model.estimator.predict(rows[features])`): a function giving a
      model's predictions for some rows; override it (with your framework's `predict`) when the
      estimator has no scikit-learn style `predict`.
    - `model_registry_client` (default: a function returning `model_registry` itself): a
      function opening another client of the same registry, for the racing writers check.
    - `move_alias_outside` (default None: those checks are skipped): a function
      `(registry, name, alias, version)` moving the alias as another tool would (MLflow's own
      client), without podium recording it.
    """

    @pytest.fixture
    def move_alias_outside(self) -> MoveOutside | None:
        return None

    @pytest.fixture
    def registry_run_id(self) -> str:
        return "run-1"

    @pytest.fixture
    def predict(self) -> Predict:
        return estimator_predictions

    @pytest.fixture
    def model_registry_client(self, model_registry: ModelRegistry) -> RegistryClient:
        return lambda: model_registry

    # --- Versions --------------------------------------------------------------------------------

    def test_versions_count_from_one_per_name(
        self,
        model_registry: ModelRegistry,
        fitted_model: FittedModel,
        input_example: pd.DataFrame,
        registry_run_id: str,
    ) -> None:
        # when
        numbers = [
            model_registry.register(
                fitted_model, name=name, run_id=registry_run_id, input_example=input_example
            ).version
            for name in ("rides", "rides", "other", "rides")
        ]

        # then
        assert numbers == [1, 2, 1, 3]
        assert [v.version for v in model_registry.list_versions("rides")] == [1, 2, 3]
        assert [v.version for v in model_registry.list_versions("other")] == [1]

    def test_a_registered_version_is_read_back_with_its_run_and_tags(
        self,
        model_registry: ModelRegistry,
        fitted_model: FittedModel,
        input_example: pd.DataFrame,
        registry_run_id: str,
    ) -> None:
        # when
        registered = model_registry.register(
            fitted_model,
            name="rides",
            run_id=registry_run_id,
            input_example=input_example,
            tags={"data": "0123abcd"},
        )

        # then
        assert (registered.name, registered.version, registered.run_id) == (
            "rides",
            1,
            registry_run_id,
        )
        assert registered.tags == {"data": "0123abcd"}
        assert model_registry.get_version("rides", 1) == registered
        assert model_registry.list_versions("rides") == [registered]

    @pytest.mark.parametrize("which", ["fitted_model", "other_fitted_model"])
    def test_a_loaded_version_predicts_as_the_registered_model(
        self,
        *,
        model_registry: ModelRegistry,
        input_example: pd.DataFrame,
        registry_run_id: str,
        predict: Predict,
        request: pytest.FixtureRequest,
        which: str,
    ) -> None:
        # given
        model: FittedModel = request.getfixturevalue(which)
        model_registry.register(
            model, name="rides", run_id=registry_run_id, input_example=input_example.head(20)
        )

        # when
        loaded = model_registry.load("rides", 1)

        # then
        assert (loaded.framework, loaded.task, loaded.features) == (
            model.framework,
            model.task,
            model.features,
        )
        assert loaded.schema == model.schema
        np.testing.assert_array_equal(predict(loaded, input_example), predict(model, input_example))

    def test_each_version_loads_its_own_model(
        self,
        *,
        model_registry: ModelRegistry,
        fitted_model: FittedModel,
        other_fitted_model: FittedModel,
        input_example: pd.DataFrame,
        registry_run_id: str,
        predict: Predict,
    ) -> None:
        # given
        _assert_distinct(predict, fitted_model, other_fitted_model, input_example)
        for model in (fitted_model, other_fitted_model):
            model_registry.register(
                model, name="rides", run_id=registry_run_id, input_example=input_example
            )

        # when
        first, second = model_registry.load("rides", 1), model_registry.load("rides", 2)

        # then
        rows = input_example
        np.testing.assert_array_equal(predict(first, rows), predict(fitted_model, rows))
        np.testing.assert_array_equal(predict(second, rows), predict(other_fitted_model, rows))

    def test_an_unregistered_name_has_no_versions(self, model_registry: ModelRegistry) -> None:
        # when / then
        assert model_registry.list_versions("nobody") == []

    @pytest.mark.parametrize(("name", "version"), [("rides", 2), ("rides", 0), ("nobody", 1)])
    def test_an_unknown_version_raises_registry_error(
        self,
        *,
        model_registry: ModelRegistry,
        fitted_model: FittedModel,
        input_example: pd.DataFrame,
        registry_run_id: str,
        name: str,
        version: int,
    ) -> None:
        # given
        model_registry.register(
            fitted_model, name="rides", run_id=registry_run_id, input_example=input_example
        )

        # when / then
        with pytest.raises(RegistryError):
            model_registry.get_version(name, version)
        with pytest.raises(RegistryError):
            model_registry.load(name, version)

    def test_an_input_example_lacking_a_feature_registers_nothing(
        self,
        model_registry: ModelRegistry,
        fitted_model: FittedModel,
        input_example: pd.DataFrame,
        registry_run_id: str,
    ) -> None:
        # given
        feature = fitted_model.features[-1]
        lacking = input_example.drop(columns=feature)

        # when / then
        with pytest.raises(RegistryError, match=re.escape(feature)):
            model_registry.register(
                fitted_model, name="rides", run_id=registry_run_id, input_example=lacking
            )
        assert model_registry.list_versions("rides") == []
        registered = model_registry.register(
            fitted_model, name="rides", run_id=registry_run_id, input_example=input_example
        )
        assert registered.version == 1

    def test_a_failed_registration_keeps_the_earlier_versions_and_numbering(
        self,
        model_registry: ModelRegistry,
        fitted_model: FittedModel,
        input_example: pd.DataFrame,
        registry_run_id: str,
    ) -> None:
        # given: a first version, then rows that hold only the second feature (or none)
        first = model_registry.register(
            fitted_model, name="rides", run_id=registry_run_id, input_example=input_example
        )
        lacking = input_example[list(fitted_model.features[1:2])]

        # when / then
        with pytest.raises(RegistryError):
            model_registry.register(
                fitted_model, name="rides", run_id=registry_run_id, input_example=lacking
            )
        assert model_registry.list_versions("rides") == [first]
        registered = model_registry.register(
            fitted_model, name="rides", run_id=registry_run_id, input_example=input_example
        )
        assert registered.version == 2

    # --- Aliases ---------------------------------------------------------------------------------

    @pytest.fixture
    def register_versions(
        self,
        model_registry: ModelRegistry,
        fitted_model: FittedModel,
        other_fitted_model: FittedModel,
        input_example: pd.DataFrame,
        registry_run_id: str,
    ) -> Callable[[int], ModelRegistry]:
        """Registers versions 1 to `count` of `NAME`: `fitted_model` at odd numbers,
        `other_fitted_model` at even ones; returns the registry."""

        def register(count: int) -> ModelRegistry:
            _register_versions(
                model_registry,
                (fitted_model, other_fitted_model),
                count,
                run_id=registry_run_id,
                input_example=input_example,
            )
            return model_registry

        return register

    def test_an_unset_alias_is_none_with_an_empty_history(
        self, register_versions: Callable[[int], ModelRegistry]
    ) -> None:
        # given
        registry = register_versions(1)

        # when / then
        assert registry.get_alias(NAME, "champion") is None
        assert registry.alias_history(NAME, "champion") == []
        with pytest.raises(RegistryError, match="champion"):
            registry.load(NAME, alias="champion")

    def test_a_move_points_the_alias_and_is_recorded_with_who_when_and_why(
        self, register_versions: Callable[[int], ModelRegistry]
    ) -> None:
        # given
        registry = register_versions(2)
        before = datetime.now(UTC) - timedelta(seconds=1)

        # when
        recorded = registry.record_alias_change(NAME, change(None, 2))

        # then
        pointed = registry.get_alias(NAME, "champion")
        assert pointed is not None
        assert pointed.version == 2
        assert (recorded.sequence, recorded.from_version, recorded.to_version) == (1, None, 2)
        assert (recorded.actor, recorded.reason, recorded.evaluation_run_id) == (
            "ana",
            "None to 2",
            "run-7",
        )
        assert before <= recorded.at <= datetime.now(UTC)
        assert registry.alias_history(NAME, "champion") == [recorded]

    def test_loading_by_alias_loads_the_version_it_points_at_with_its_schema(
        self,
        register_versions: Callable[[int], ModelRegistry],
        fitted_model: FittedModel,
        other_fitted_model: FittedModel,
        input_example: pd.DataFrame,
        predict: Predict,
    ) -> None:
        # given: versions 1 and 3 hold `fitted_model`, 2 holds `other_fitted_model`
        _assert_distinct(predict, fitted_model, other_fitted_model, input_example)
        registry = register_versions(3)
        registry.record_alias_change(NAME, change(None, 2))

        # when
        loaded = registry.load(NAME, alias="champion")

        # then
        np.testing.assert_array_equal(
            predict(loaded, input_example), predict(other_fitted_model, input_example)
        )
        assert loaded.schema == other_fitted_model.schema
        with pytest.raises(ValueError, match="exactly one"):
            registry.load(NAME, 1, alias="champion")
        with pytest.raises(ValueError, match="exactly one"):
            registry.load(NAME)

    def test_a_refusal_is_recorded_and_leaves_the_alias_where_it_was(
        self, register_versions: Callable[[int], ModelRegistry]
    ) -> None:
        # given
        registry = register_versions(2)
        registry.record_alias_change(NAME, change(None, 1))

        # when
        refused = registry.record_alias_change(NAME, change(1, 2, outcome="refused"))

        # then
        assert refused.sequence == 2
        assert refused.outcome == "refused"
        pointed = registry.get_alias(NAME, "champion")
        assert pointed is not None
        assert pointed.version == 1

    def test_a_change_decided_on_a_stale_alias_is_refused_and_not_recorded(
        self, register_versions: Callable[[int], ModelRegistry]
    ) -> None:
        # given: the alias points at 1, the change believes it points at 2
        registry = register_versions(3)
        first = registry.record_alias_change(NAME, change(None, 1))

        # when / then
        with pytest.raises(AliasConflictError, match="points at version 1, not 2"):
            registry.record_alias_change(NAME, change(2, 3))
        assert registry.alias_history(NAME, "champion") == [first]
        pointed = registry.get_alias(NAME, "champion")
        assert pointed is not None
        assert pointed.version == 1

    def test_a_move_to_no_version_removes_the_alias(
        self, register_versions: Callable[[int], ModelRegistry]
    ) -> None:
        # given
        registry = register_versions(1)
        registry.record_alias_change(NAME, change(None, 1))

        # when
        registry.record_alias_change(NAME, change(1, None, action="rollback"))

        # then
        assert registry.get_alias(NAME, "champion") is None
        assert [e.to_version for e in registry.alias_history(NAME, "champion")] == [1, None]

    def test_a_move_to_a_version_that_does_not_exist_is_refused_and_not_recorded(
        self, register_versions: Callable[[int], ModelRegistry]
    ) -> None:
        # given
        registry = register_versions(1)

        # when / then
        with pytest.raises(RegistryError):
            registry.record_alias_change(NAME, change(None, 9))
        assert registry.alias_history(NAME, "champion") == []
        assert registry.get_alias(NAME, "champion") is None

    def test_each_alias_has_its_own_history(
        self, register_versions: Callable[[int], ModelRegistry]
    ) -> None:
        # given
        registry = register_versions(2)

        # when
        registry.record_alias_change(NAME, change(None, 1))
        registry.record_alias_change(NAME, change(None, 2, alias="staging"))
        registry.record_alias_change(NAME, change(1, 2))

        # then
        assert [e.sequence for e in registry.alias_history(NAME, "champion")] == [1, 2]
        assert [e.to_version for e in registry.alias_history(NAME, "staging")] == [2]

    def test_a_move_made_outside_podium_is_reported_by_the_history(
        self,
        register_versions: Callable[[int], ModelRegistry],
        move_alias_outside: MoveOutside | None,
    ) -> None:
        if move_alias_outside is None:
            pytest.skip("this registry's aliases cannot be moved from outside")
        # given: podium put the champion at 1; another tool moved it to 3
        registry = register_versions(3)
        first = registry.record_alias_change(NAME, change(None, 1))
        move_alias_outside(registry, NAME, "champion", 3)

        # when
        history = registry.alias_history(NAME, "champion")

        # then
        assert history[0] == first
        outside = history[1]
        assert (outside.sequence, outside.from_version, outside.to_version) == (2, 1, 3)
        assert outside.actor == "outside podium"
        assert "outside podium" in outside.reason
        assert registry.alias_history(NAME, "champion") == history

    def test_after_a_move_made_outside_podium_the_next_change_records_it_first(
        self,
        register_versions: Callable[[int], ModelRegistry],
        move_alias_outside: MoveOutside | None,
    ) -> None:
        if move_alias_outside is None:
            pytest.skip("this registry's aliases cannot be moved from outside")
        # given
        registry = register_versions(3)
        registry.record_alias_change(NAME, change(None, 1))
        move_alias_outside(registry, NAME, "champion", 3)

        # when: rolled back from where the registry says the alias is
        recorded = registry.record_alias_change(NAME, change(3, 1, action="rollback"))

        # then
        history = registry.alias_history(NAME, "champion")
        assert [(e.sequence, e.actor, e.from_version, e.to_version) for e in history] == [
            (1, "ana", None, 1),
            (2, "outside podium", 1, 3),
            (3, "ana", 3, 1),
        ]
        assert recorded == history[-1]
        pointed = registry.get_alias(NAME, "champion")
        assert pointed is not None
        assert pointed.version == 1

    def test_aliases_of_an_unregistered_model_raise_registry_error(
        self, register_versions: Callable[[int], ModelRegistry]
    ) -> None:
        # given
        registry = register_versions(1)

        # when / then
        with pytest.raises(RegistryError):
            registry.get_alias("nobody", "champion")
        with pytest.raises(RegistryError):
            registry.alias_history("nobody", "champion")
        with pytest.raises(RegistryError):
            registry.record_alias_change("nobody", change(None, 1))

    def test_racing_moves_leave_a_consistent_alias_and_a_complete_history(
        self,
        register_versions: Callable[[int], ModelRegistry],
        model_registry_client: RegistryClient,
    ) -> None:
        # given: one client per racer, all released at once
        register_versions(RACERS)
        clients = [model_registry_client() for _ in range(RACERS)]
        start = threading.Barrier(RACERS)
        failures: list[BaseException] = []

        def racer(registry: ModelRegistry, target: int) -> None:
            start.wait()
            try:
                promote_until_recorded(registry, target)
            except BaseException as exc:
                failures.append(exc)

        threads = [
            threading.Thread(target=racer, args=(client, target))
            for target, client in enumerate(clients, start=1)
        ]

        # when
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        # then
        assert failures == []
        registry = model_registry_client()
        pointed = registry.get_alias(NAME, "champion")
        assert_consistent(
            registry.alias_history(NAME, "champion"),
            pointed.version if pointed else None,
            list(range(1, RACERS + 1)),
        )
