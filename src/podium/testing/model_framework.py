"""The ModelFramework contract: `ModelFrameworkContract`.

The data are small seeded tables of the dtypes pandas gives by default (float, int, `str`,
bool) with gaps, and of the other dtypes `podium.domain.dataset.feature_kinds` accepts.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from pydantic import JsonValue

from podium.domain.dataset import Task, feature_kinds
from podium.domain.errors import ConfigError, ModelError
from podium.domain.metrics import compute_metrics
from podium.domain.model import FittedModel
from podium.ports import ModelFramework

ROWS = 240
CITIES = ("Lyon", "Oslo", "Porto")
LABELS = ("high", "low", "mid")
TASKS = pytest.mark.parametrize("task", list(Task), ids=[t.value for t in Task])


def features(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    """Feature columns where only `x` carries signal, with gaps in `noise` and `city`."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=rows)
    noise[rng.random(rows) < 0.1] = np.nan
    city = pd.Series(rng.choice(CITIES, size=rows), dtype="str")
    return pd.DataFrame(
        {
            "x": rng.normal(size=rows),
            "noise": noise,
            "count": rng.integers(0, 10, size=rows),
            "city": city.where(rng.random(rows) >= 0.1),
            "member": rng.random(rows) < 0.5,
        }
    )


def target(table: pd.DataFrame, task: Task, seed: int = 0) -> pd.Series:
    """`3 * x` plus a little noise, or the label of the third of `x` a row falls in."""
    x = table["x"].to_numpy()
    if task is Task.CLASSIFICATION:
        labels = np.where(x < -0.43, "low", np.where(x < 0.43, "mid", "high"))
        return pd.Series(labels, dtype="str", name="band")
    rng = np.random.default_rng(seed + 1000)
    return pd.Series(3 * x + rng.normal(scale=0.3, size=len(x)), name="y")


def rows_to_score() -> pd.DataFrame:
    """Rows with gaps in every nullable column, a city never seen at fit time, same dtypes."""
    return pd.DataFrame(
        {
            "x": [0.5, np.nan, -1.0, 2.0],
            "noise": [np.nan, 0.1, np.nan, 0.0],
            "count": [3, 0, 9, 12],
            "city": pd.Series(["Atlantis", None, "Lyon", "Oslo"], dtype="str"),
            "member": [True, False, False, True],
        }
    )


def nullable(table: pd.DataFrame) -> pd.DataFrame:
    """The same values in pandas' nullable dtypes, gaps as `pd.NA`."""
    gaps = pd.Series(np.arange(len(table)) % 7 == 0)
    return table.assign(
        count=table["count"].astype("Int64").mask(gaps),
        noise=table["noise"].astype("Float64"),
        member=table["member"].astype("boolean").mask(gaps),
        city=table["city"].astype("string"),
    )


DTYPE_VARIANTS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "category": lambda t: t.assign(city=t["city"].astype("category")),
    "nullable": nullable,
}


@dataclass(frozen=True)
class Subject:
    """The framework under test, per task, with the params it is fitted with."""

    regressor: ModelFramework
    classifier: ModelFramework
    regression_params: Mapping[str, JsonValue]
    classification_params: Mapping[str, JsonValue]

    def framework(self, task: Task) -> ModelFramework:
        return self.regressor if task is Task.REGRESSION else self.classifier

    def params(self, task: Task) -> Mapping[str, JsonValue]:
        return self.regression_params if task is Task.REGRESSION else self.classification_params

    def fit(
        self,
        task: Task,
        table: pd.DataFrame | None = None,
        *,
        y: pd.Series | None = None,
    ) -> tuple[ModelFramework, FittedModel]:
        """Fit on `table` (by default `features()`), against `y` or the target of it."""
        table = features() if table is None else table
        framework = self.framework(task)
        kinds = feature_kinds(table, list(table.columns), source="memory://train")
        model = framework.fit(
            table,
            target(table, task) if y is None else y,
            kinds=kinds,
            task=task,
            params=self.params(task),
        )
        return framework, model


class Fits:
    """Models fitted once on `features()` per framework and task, for tests that only use them.

    Each entry keeps its framework, so the framework's `id` stays its own.
    """

    def __init__(self) -> None:
        self._models: dict[tuple[int, Task, str], tuple[ModelFramework, FittedModel]] = {}

    def get(self, subject: Subject, task: Task) -> tuple[ModelFramework, FittedModel]:
        key = (id(subject.framework(task)), task, repr(dict(subject.params(task))))
        if key not in self._models:
            self._models[key] = subject.fit(task)
        return self._models[key]


def assert_scored(model: FittedModel, predictions: np.ndarray) -> None:
    """A finite number per row for regression, a training label per row for classification."""
    assert predictions.shape == (len(predictions),)
    if model.task is Task.REGRESSION:
        assert predictions.dtype.kind == "f"
        assert np.isfinite(predictions).all()
    else:
        assert set(predictions) <= set(LABELS)


class ModelFrameworkContract:
    """What every `ModelFramework` promises, for regression and for classification.

    Subclass it, under a name pytest collects, and define:

    - `model_framework` (required): the framework, for regression, and for classification too
      unless `classifier_framework` is given. The suite fits the same instance many times; a
      class-scoped fixture (a `classmethod`, as pytest asks) lets it fit the models that
      several tests use once per task.
    - `classifier_framework` (default: `model_framework`): the framework for classification,
      when it is another instance (a scikit-learn classifier next to a regressor).
    - `regression_params`, `classification_params` (default `{}`): the params each task is
      fitted with; small, fast and seeded, so that two fits give the same predictions.
    - `accepted_params` (default: `regression_params`): params of the regression model,
      aliases included, that `check_params` must accept one by one and together.
    - `framework_learns` (default True): False for a model that does not learn from its data
      (a constant fake); the checks that it learns a signal are then skipped.
    - `has_native_importance` (default True): False when the model has no importances of its
      own, so `feature_importance` gives an empty table; the ranking check is then skipped.
    """

    @pytest.fixture
    def classifier_framework(self, model_framework: ModelFramework) -> ModelFramework:
        return model_framework

    @pytest.fixture
    def regression_params(self) -> Mapping[str, JsonValue]:
        return {}

    @pytest.fixture
    def classification_params(self) -> Mapping[str, JsonValue]:
        return {}

    @pytest.fixture
    def accepted_params(
        self, regression_params: Mapping[str, JsonValue]
    ) -> Mapping[str, JsonValue]:
        return regression_params

    @pytest.fixture
    def framework_learns(self) -> bool:
        return True

    @pytest.fixture
    def has_native_importance(self) -> bool:
        return True

    @pytest.fixture
    def framework_subject(
        self,
        model_framework: ModelFramework,
        classifier_framework: ModelFramework,
        regression_params: Mapping[str, JsonValue],
        classification_params: Mapping[str, JsonValue],
    ) -> Subject:
        return Subject(
            model_framework, classifier_framework, regression_params, classification_params
        )

    @pytest.fixture(scope="class")
    @classmethod
    def framework_fits(cls) -> Fits:
        return Fits()

    # --- Fitting ---------------------------------------------------------------------------------

    @TASKS
    def test_fit_returns_a_model_of_the_fitted_columns_in_order(
        self, framework_subject: Subject, task: Task
    ) -> None:
        # given
        table = features()
        framework = framework_subject.framework(task)
        columns = ["member", "x", "city", "noise"]
        kinds = feature_kinds(table, columns, source="memory://train")

        # when
        model = framework.fit(
            table,
            target(table, task),
            kinds=kinds,
            task=task,
            params=framework_subject.params(task),
        )

        # then
        assert model.features == ("member", "x", "city", "noise")
        assert model.framework == framework.name
        assert model.task is task

    # --- Prediction ------------------------------------------------------------------------------

    def test_predict_gives_one_finite_value_per_row(
        self, framework_subject: Subject, framework_fits: Fits
    ) -> None:
        # given
        framework, model = framework_fits.get(framework_subject, Task.REGRESSION)
        rows = features(rows=17, seed=1)

        # when
        predictions = framework.predict(model, rows)

        # then
        assert predictions.shape == (17,)
        assert predictions.dtype.kind == "f"
        assert np.isfinite(predictions).all()

    @TASKS
    def test_rows_with_gaps_and_unseen_categories_are_scored(
        self, framework_subject: Subject, framework_fits: Fits, task: Task
    ) -> None:
        # given
        framework, model = framework_fits.get(framework_subject, task)
        rows = rows_to_score()

        # when
        predictions = framework.predict(model, rows)

        # then
        assert predictions.shape == (len(rows),)
        assert_scored(model, predictions)

    @TASKS
    def test_the_column_order_of_the_rows_does_not_matter(
        self, framework_subject: Subject, framework_fits: Fits, task: Task
    ) -> None:
        # given
        framework, model = framework_fits.get(framework_subject, task)
        rows = features(rows=30, seed=2)

        # when
        shuffled = framework.predict(model, rows[["city", "member", "noise", "count", "x"]])

        # then
        np.testing.assert_array_equal(shuffled, framework.predict(model, rows))

    @TASKS
    def test_columns_the_model_was_not_fitted_on_are_ignored(
        self, framework_subject: Subject, framework_fits: Fits, task: Task
    ) -> None:
        # given
        framework, model = framework_fits.get(framework_subject, task)
        rows = features(rows=30, seed=2)
        wider = rows.assign(id=range(30), comment="late delivery").iloc[:, ::-1]

        # when
        predictions = framework.predict(model, wider)

        # then
        np.testing.assert_array_equal(predictions, framework.predict(model, rows))

    @TASKS
    def test_a_missing_feature_column_is_a_model_error_naming_it(
        self, framework_subject: Subject, framework_fits: Fits, task: Task
    ) -> None:
        # given
        framework, model = framework_fits.get(framework_subject, task)
        rows = features(rows=5, seed=3).drop(columns=["city"])

        # when / then
        with pytest.raises(ModelError, match="'city'"):
            framework.predict(model, rows)
        if task is Task.CLASSIFICATION:
            with pytest.raises(ModelError, match="'city'"):
                framework.predict_proba(model, rows)

    def test_an_empty_batch_gives_no_predictions(
        self, framework_subject: Subject, framework_fits: Fits
    ) -> None:
        """One value per row holds for zero rows too, so a use case need not special-case them."""
        # given
        framework, model = framework_fits.get(framework_subject, Task.REGRESSION)

        # when
        predictions = framework.predict(model, features().iloc[:0])

        # then
        assert predictions.shape == (0,)

    @pytest.mark.parametrize(
        ("column", "gaps"),
        [("noise", [None, None]), ("city", [np.nan, np.nan])],
        ids=["numeric-all-None", "categorical-all-NaN"],
    )
    def test_a_column_missing_in_every_row_of_a_batch_is_scored(
        self, framework_subject: Subject, framework_fits: Fits, column: str, gaps: list[object]
    ) -> None:
        """A batch may lack a value in every row of a column, and then its dtype is not the
        fitted one: pandas infers `object` for a column of Nones, and float64 for a column of
        NaNs (as `read_csv` does for an empty text column).
        """
        # given
        framework, model = framework_fits.get(framework_subject, Task.REGRESSION)
        rows = features(rows=2, seed=4).assign(**{column: pd.Series(gaps)})

        # when
        predictions = framework.predict(model, rows)

        # then
        assert predictions.shape == (2,)
        assert np.isfinite(predictions).all()

    # --- Classification --------------------------------------------------------------------------

    def test_predicted_labels_are_training_labels(
        self, framework_subject: Subject, framework_fits: Fits
    ) -> None:
        # given
        framework, model = framework_fits.get(framework_subject, Task.CLASSIFICATION)

        # when
        predictions = framework.predict(model, features(rows=50, seed=5))

        # then
        assert predictions.shape == (50,)
        assert set(predictions) <= set(LABELS)

    def test_probabilities_have_one_column_per_class_in_classes_order(
        self, framework_subject: Subject, framework_fits: Fits
    ) -> None:
        # given
        framework, model = framework_fits.get(framework_subject, Task.CLASSIFICATION)
        rows = features(rows=50, seed=5)

        # when
        classes = framework.classes(model)
        proba = framework.predict_proba(model, rows)

        # then
        assert classes is not None
        assert proba is not None
        assert list(classes) == sorted(LABELS)
        assert proba.shape == (50, len(LABELS))
        assert ((proba >= 0) & (proba <= 1)).all()
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        # The columns follow `classes`: the most probable class of each row is its predicted label.
        np.testing.assert_array_equal(classes[proba.argmax(axis=1)], framework.predict(model, rows))

    def test_a_regression_model_has_no_probabilities_and_no_classes(
        self, framework_subject: Subject, framework_fits: Fits
    ) -> None:
        # given
        framework, model = framework_fits.get(framework_subject, Task.REGRESSION)

        # when
        proba = framework.predict_proba(model, features(rows=5, seed=6))
        classes = framework.classes(model)

        # then
        assert proba is None
        assert classes is None

    # --- Parameters ------------------------------------------------------------------------------

    @TASKS
    def test_check_params_names_an_unknown_parameter(
        self, framework_subject: Subject, task: Task
    ) -> None:
        # given
        framework = framework_subject.framework(task)
        params = {**framework_subject.params(task), "n_treez": 100}

        # when / then
        with pytest.raises(ConfigError, match="n_treez"):
            framework.check_params(params)

    @TASKS
    def test_fit_refuses_an_unknown_parameter_before_fitting(
        self, framework_subject: Subject, task: Task
    ) -> None:
        """Zero rows would make any real fit fail with `ModelError`: the `ConfigError` comes
        first."""
        # given
        framework = framework_subject.framework(task)
        table = features().iloc[:0]
        kinds = feature_kinds(table, list(table.columns), source="memory://train")

        # when / then
        with pytest.raises(ConfigError, match="n_treez"):
            framework.fit(
                table, target(table, task), kinds=kinds, task=task, params={"n_treez": 100}
            )

    def test_check_params_accepts_the_models_own_parameters_and_aliases(
        self, model_framework: ModelFramework, accepted_params: Mapping[str, JsonValue]
    ) -> None:
        # when
        one_by_one = [model_framework.check_params({n: v}) for n, v in accepted_params.items()]
        together = model_framework.check_params(accepted_params)

        # then
        assert one_by_one == [None] * len(accepted_params)
        assert together is None

    @TASKS
    def test_describe_names_the_estimator_class_and_every_param_it_was_fitted_with(
        self, framework_subject: Subject, framework_fits: Fits, task: Task
    ) -> None:
        # given
        framework, model = framework_fits.get(framework_subject, task)

        # when
        estimator, params = framework.describe(model)

        # then
        assert "." in estimator
        assert " " not in estimator
        for name, value in framework_subject.params(task).items():
            if name in params:  # an alias is kept under the library's own name
                assert params[name] == value
        assert all(isinstance(v, str | int | float | bool | type(None)) for v in params.values())

    # --- Importance ------------------------------------------------------------------------------

    @TASKS
    def test_importance_has_one_row_per_feature_in_model_order(
        self,
        framework_subject: Subject,
        framework_fits: Fits,
        has_native_importance: bool,
        task: Task,
    ) -> None:
        """A model without importances of its own gives an empty table with the same columns."""
        # given
        framework, model = framework_fits.get(framework_subject, task)

        # when
        importance = framework.feature_importance(model)

        # then
        assert list(importance.columns) == ["feature", "importance"]
        if not has_native_importance:
            assert importance.empty
            return
        assert importance["feature"].tolist() == list(model.features)
        values = importance["importance"].to_numpy(dtype=float)
        assert np.isfinite(values).all()
        assert (values >= 0).all()

    @pytest.mark.parametrize("signal", ["x", "signal strength (€)"])
    def test_the_informative_column_ranks_first(
        self,
        framework_subject: Subject,
        framework_learns: bool,
        has_native_importance: bool,
        signal: str,
    ) -> None:
        """Only models that learn and have importances of their own can rank columns.

        The second case names the column as a caller might, with spaces and punctuation.
        """
        if not (framework_learns and has_native_importance):
            pytest.skip("the model does not learn, or has no importances of its own")
        # given
        table = features()
        framework, model = framework_subject.fit(
            Task.REGRESSION,
            table.rename(columns={"x": signal}),
            y=target(table, task=Task.REGRESSION),
        )

        # when
        importance = framework.feature_importance(model)

        # then
        ranked = importance.sort_values("importance", ascending=False)["feature"].tolist()
        assert ranked[0] == signal
        top, runner_up = importance.set_index("feature")["importance"].nlargest(2)
        assert top > 5 * runner_up

    # --- Learning and determinism ----------------------------------------------------------------

    def test_a_model_learns_a_linear_signal(
        self, framework_subject: Subject, framework_fits: Fits, framework_learns: bool
    ) -> None:
        if not framework_learns:
            pytest.skip("the model does not learn from its data (`framework_learns` is False)")
        # given
        framework, model = framework_fits.get(framework_subject, Task.REGRESSION)
        holdout = features(rows=200, seed=8)
        truth = target(holdout, Task.REGRESSION, seed=8)

        # when
        predictions = framework.predict(model, holdout)

        # then
        scores = compute_metrics(("r2", "rmse"), truth, predictions)
        constant = compute_metrics(("rmse",), truth, np.full(len(truth), truth.mean()))
        assert scores["r2"] > 0.8
        assert scores["rmse"] < 0.5 * constant["rmse"]

    def test_a_classifier_learns_a_threshold(
        self, framework_subject: Subject, framework_fits: Fits, framework_learns: bool
    ) -> None:
        if not framework_learns:
            pytest.skip("the model does not learn from its data (`framework_learns` is False)")
        # given
        framework, model = framework_fits.get(framework_subject, Task.CLASSIFICATION)
        holdout = features(rows=200, seed=9)
        truth = target(holdout, Task.CLASSIFICATION)

        # when
        predictions = framework.predict(model, holdout)

        # then
        assert compute_metrics(("accuracy",), truth, predictions)["accuracy"] > 0.8

    @TASKS
    def test_the_same_params_and_data_give_the_same_predictions(
        self, framework_subject: Subject, task: Task
    ) -> None:
        # given
        rows = features(rows=40, seed=10)
        first_framework, first = framework_subject.fit(task)
        second_framework, second = framework_subject.fit(task)

        # when
        predictions = first_framework.predict(first, rows)
        again = second_framework.predict(second, rows)

        # then
        np.testing.assert_array_equal(predictions, again)

    # --- Feature dtypes --------------------------------------------------------------------------

    @pytest.mark.parametrize("variant", list(DTYPE_VARIANTS))
    def test_every_feature_dtype_the_domain_accepts_is_fitted_and_scored(
        self, framework_subject: Subject, variant: str
    ) -> None:
        """`feature_kinds` accepts pandas categories and nullable dtypes, so every model takes
        them."""
        # given
        table = DTYPE_VARIANTS[variant](features())

        # when
        framework, model = framework_subject.fit(Task.REGRESSION, table)
        predictions = framework.predict(model, table.head(20))

        # then
        assert predictions.shape == (20,)
        assert np.isfinite(predictions).all()
