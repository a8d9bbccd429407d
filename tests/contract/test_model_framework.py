"""The ModelFramework contract: what every implementation promises, checked on each of them.

The same tests run on `InMemoryModelFramework`, on `SklearnFramework` with a gradient-boosting
estimator and with a linear one, and on `LightGBMFramework`, so the fake cannot drift from the
real frameworks. The data are small seeded tables of the dtypes pandas 3 gives by default
(float, int, `str`, bool) with gaps. The last sections cover what only `SklearnFramework` and
`LightGBMFramework` promise.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from pydantic import JsonValue
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from podium.adapters.lightgbm.framework import LightGBMFramework
from podium.adapters.memory import InMemoryModelFramework
from podium.adapters.sklearn.framework import SklearnFramework
from podium.domain.dataset import Task, feature_kinds
from podium.domain.errors import ConfigError, ModelError
from podium.domain.metrics import compute_metrics
from podium.domain.model import FittedModel
from podium.ports import ModelFramework

ROWS = 240
CITIES = ("Lyon", "Oslo", "Porto")
LABELS = ("high", "low", "mid")


@dataclass(frozen=True)
class Subject:
    """One implementation of the port: how to build it per task, and fast, seeded parameters."""

    id: str
    regressor: Callable[[], ModelFramework]
    classifier: Callable[[], ModelFramework]
    regression_params: Mapping[str, JsonValue]
    classification_params: Mapping[str, JsonValue]
    own_params: Mapping[str, JsonValue]
    """Parameters the regressor takes, aliases included, that `check_params` must accept."""
    native_importance: bool
    """False when the estimator has no importances of its own, so the table is empty."""
    learns: bool

    def framework(self, task: Task) -> ModelFramework:
        return self.regressor() if task is Task.REGRESSION else self.classifier()

    def params(self, task: Task) -> Mapping[str, JsonValue]:
        return self.regression_params if task is Task.REGRESSION else self.classification_params


MEMORY = Subject(
    id="memory",
    regressor=InMemoryModelFramework,
    classifier=InMemoryModelFramework,
    regression_params={},
    classification_params={},
    own_params={"shift": 1.5},
    native_importance=True,
    learns=False,
)
SKLEARN_BOOSTING = Subject(
    id="sklearn-boosting",
    regressor=lambda: SklearnFramework("sklearn.ensemble.HistGradientBoostingRegressor"),
    classifier=lambda: SklearnFramework("sklearn.ensemble.HistGradientBoostingClassifier"),
    regression_params={"max_iter": 40, "random_state": 7},
    classification_params={"max_iter": 40, "random_state": 7},
    own_params={"max_iter": 10, "learning_rate": 0.05, "l2_regularization": 1.0},
    # HistGradientBoosting has neither `feature_importances_` nor `coef_`.
    native_importance=False,
    learns=True,
)
SKLEARN_LINEAR = Subject(
    id="sklearn-linear",
    regressor=lambda: SklearnFramework("sklearn.linear_model.Ridge"),
    classifier=lambda: SklearnFramework("sklearn.linear_model.LogisticRegression"),
    regression_params={"alpha": 1.0},
    classification_params={"C": 1.0, "max_iter": 1000},
    own_params={"alpha": 0.5, "fit_intercept": True},
    native_importance=True,
    learns=True,
)
LIGHTGBM = Subject(
    id="lightgbm",
    regressor=LightGBMFramework,
    classifier=LightGBMFramework,
    regression_params={"n_estimators": 40, "n_jobs": 1, "random_state": 7},
    classification_params={"n_estimators": 40, "n_jobs": 1, "random_state": 7},
    own_params={
        "num_leaves": 15,
        "learning_rate": 0.05,
        "eta": 0.05,
        "min_child_samples": 5,
        "min_data_in_leaf": 5,
        "n_jobs": 1,
    },
    native_importance=True,
    learns=True,
)
SUBJECTS = [MEMORY, SKLEARN_BOOSTING, SKLEARN_LINEAR, LIGHTGBM]
LEARNERS = [s for s in SUBJECTS if s.learns]
REAL = [SKLEARN_BOOSTING, SKLEARN_LINEAR, LIGHTGBM]
RANKERS = [s for s in LEARNERS if s.native_importance]
TASKS = pytest.mark.parametrize("task", list(Task), ids=[t.value for t in Task])


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    # HistGradientBoosting's OpenMP threads spin against other processes on a small machine,
    # which turns a 50 ms fit into seconds; LightGBM gets `n_jobs=1` for the same reason.
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(params=SUBJECTS, ids=[s.id for s in SUBJECTS])
def subject(request: pytest.FixtureRequest) -> Subject:
    assert isinstance(request.param, Subject)
    return request.param


@pytest.fixture(params=LEARNERS, ids=[s.id for s in LEARNERS])
def learner(request: pytest.FixtureRequest) -> Subject:
    assert isinstance(request.param, Subject)
    return request.param


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


def fit(
    subject: Subject,
    task: Task,
    table: pd.DataFrame | None = None,
    *,
    y: pd.Series | None = None,
    params: Mapping[str, JsonValue] | None = None,
) -> tuple[ModelFramework, FittedModel]:
    """Fit `subject` on `table` (by default `features()`), against `y` or the target of it."""
    table = features() if table is None else table
    framework = subject.framework(task)
    kinds = feature_kinds(table, list(table.columns), source="memory://train")
    model = framework.fit(
        table,
        target(table, task) if y is None else y,
        kinds=kinds,
        task=task,
        params=subject.params(task) if params is None else params,
    )
    return framework, model


class Fits:
    """Models fitted once per module on `features()`, for the tests that only use them."""

    def __init__(self) -> None:
        self._models: dict[tuple[str, Task], tuple[ModelFramework, FittedModel]] = {}

    def get(self, subject: Subject, task: Task) -> tuple[ModelFramework, FittedModel]:
        key = (subject.id, task)
        if key not in self._models:
            self._models[key] = fit(subject, task)
        return self._models[key]


@pytest.fixture(scope="module")
def fits() -> Fits:
    return Fits()


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


def assert_scored(model: FittedModel, predictions: np.ndarray) -> None:
    """A finite number per row for regression, a training label per row for classification."""
    assert predictions.shape == (len(predictions),)
    if model.task is Task.REGRESSION:
        assert predictions.dtype.kind == "f"
        assert np.isfinite(predictions).all()
    else:
        assert set(predictions) <= set(LABELS)


# --- Fitting -------------------------------------------------------------------------------------


@TASKS
def test_fit_returns_a_model_of_the_fitted_columns_in_order(subject: Subject, task: Task) -> None:
    # given
    table = features()
    framework = subject.framework(task)
    columns = ["member", "x", "city", "noise"]
    kinds = feature_kinds(table, columns, source="memory://train")

    # when
    model = framework.fit(
        table, target(table, task), kinds=kinds, task=task, params=subject.params(task)
    )

    # then
    assert model.features == ("member", "x", "city", "noise")
    assert model.framework == framework.name
    assert model.task is task


# --- Prediction ----------------------------------------------------------------------------------


def test_predict_gives_one_finite_value_per_row(subject: Subject, fits: Fits) -> None:
    # given
    framework, model = fits.get(subject, Task.REGRESSION)
    rows = features(rows=17, seed=1)

    # when
    predictions = framework.predict(model, rows)

    # then
    assert predictions.shape == (17,)
    assert predictions.dtype.kind == "f"
    assert np.isfinite(predictions).all()


@TASKS
def test_rows_with_gaps_and_unseen_categories_are_scored(
    subject: Subject, task: Task, fits: Fits
) -> None:
    # given
    framework, model = fits.get(subject, task)
    rows = rows_to_score()

    # when
    predictions = framework.predict(model, rows)

    # then
    assert predictions.shape == (len(rows),)
    assert_scored(model, predictions)


@TASKS
def test_the_column_order_of_the_rows_does_not_matter(
    subject: Subject, task: Task, fits: Fits
) -> None:
    # given
    framework, model = fits.get(subject, task)
    rows = features(rows=30, seed=2)

    # when
    shuffled = framework.predict(model, rows[["city", "member", "noise", "count", "x"]])

    # then
    np.testing.assert_array_equal(shuffled, framework.predict(model, rows))


@TASKS
def test_columns_the_model_was_not_fitted_on_are_ignored(
    subject: Subject, task: Task, fits: Fits
) -> None:
    # given
    framework, model = fits.get(subject, task)
    rows = features(rows=30, seed=2)
    wider = rows.assign(id=range(30), comment="late delivery").iloc[:, ::-1]

    # when
    predictions = framework.predict(model, wider)

    # then
    np.testing.assert_array_equal(predictions, framework.predict(model, rows))


@TASKS
def test_a_missing_feature_column_is_a_model_error_naming_it(
    subject: Subject, task: Task, fits: Fits
) -> None:
    # given
    framework, model = fits.get(subject, task)
    rows = features(rows=5, seed=3).drop(columns=["city"])

    # when / then
    with pytest.raises(ModelError, match="'city'"):
        framework.predict(model, rows)
    if task is Task.CLASSIFICATION:
        with pytest.raises(ModelError, match="'city'"):
            framework.predict_proba(model, rows)


def test_an_empty_batch_gives_no_predictions(subject: Subject, fits: Fits) -> None:
    """One value per row holds for zero rows too, so a use case need not special-case them."""
    # given
    framework, model = fits.get(subject, Task.REGRESSION)

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
    subject: Subject, column: str, gaps: list[object], fits: Fits
) -> None:
    """A batch may lack a value in every row of a column, and then its dtype is not the fitted one.

    pandas infers `object` for a column of Nones, and float64 for a column of NaNs (as `read_csv`
    does for an empty text column).
    """
    # given
    framework, model = fits.get(subject, Task.REGRESSION)
    rows = features(rows=2, seed=4).assign(**{column: pd.Series(gaps)})

    # when
    predictions = framework.predict(model, rows)

    # then
    assert predictions.shape == (2,)
    assert np.isfinite(predictions).all()


# --- Classification ------------------------------------------------------------------------------


def test_predicted_labels_are_training_labels(subject: Subject, fits: Fits) -> None:
    # given
    framework, model = fits.get(subject, Task.CLASSIFICATION)

    # when
    predictions = framework.predict(model, features(rows=50, seed=5))

    # then
    assert predictions.shape == (50,)
    assert set(predictions) <= set(LABELS)


def test_probabilities_have_one_column_per_class_in_classes_order(
    subject: Subject, fits: Fits
) -> None:
    # given
    framework, model = fits.get(subject, Task.CLASSIFICATION)
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
    subject: Subject, fits: Fits
) -> None:
    # given
    framework, model = fits.get(subject, Task.REGRESSION)

    # when
    proba = framework.predict_proba(model, features(rows=5, seed=6))
    classes = framework.classes(model)

    # then
    assert proba is None
    assert classes is None


# --- Parameters ----------------------------------------------------------------------------------


@TASKS
def test_check_params_names_an_unknown_parameter(subject: Subject, task: Task) -> None:
    # given
    framework = subject.framework(task)
    params = {**subject.params(task), "n_treez": 100}

    # when / then
    with pytest.raises(ConfigError, match="n_treez"):
        framework.check_params(params)


@TASKS
def test_fit_refuses_an_unknown_parameter_before_fitting(subject: Subject, task: Task) -> None:
    """Zero rows would make any real fit fail with `ModelError`: the `ConfigError` comes first."""
    # given
    framework = subject.framework(task)
    table = features().iloc[:0]
    kinds = feature_kinds(table, list(table.columns), source="memory://train")

    # when / then
    with pytest.raises(ConfigError, match="n_treez"):
        framework.fit(table, target(table, task), kinds=kinds, task=task, params={"n_treez": 100})


def test_check_params_accepts_the_models_own_parameters_and_aliases(subject: Subject) -> None:
    # given
    framework = subject.framework(Task.REGRESSION)

    # when
    one_by_one = [framework.check_params({name: v}) for name, v in subject.own_params.items()]
    together = framework.check_params(subject.own_params)

    # then
    assert one_by_one == [None] * len(subject.own_params)
    assert together is None


# --- Importance ----------------------------------------------------------------------------------


@TASKS
def test_importance_has_one_row_per_feature_in_model_order(
    subject: Subject, task: Task, fits: Fits
) -> None:
    """Estimators without importances of their own give an empty table with the same columns."""
    # given
    framework, model = fits.get(subject, task)

    # when
    importance = framework.feature_importance(model)

    # then
    assert list(importance.columns) == ["feature", "importance"]
    if not subject.native_importance:
        assert importance.empty
        return
    assert importance["feature"].tolist() == list(model.features)
    values = importance["importance"].to_numpy(dtype=float)
    assert np.isfinite(values).all()
    assert (values >= 0).all()


@pytest.mark.parametrize("ranker", RANKERS, ids=[s.id for s in RANKERS])
@pytest.mark.parametrize("signal", ["x", "signal strength (€)"])
def test_the_informative_column_ranks_first(ranker: Subject, signal: str) -> None:
    """Only real models with importances of their own can rank columns: the fake's importances
    are all zero, and HistGradientBoosting has none.

    The second case names the column as a caller might, with spaces and punctuation.
    """
    # given
    table = features()
    framework, model = fit(
        ranker,
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


# --- Learning and determinism --------------------------------------------------------------------


def test_real_models_learn_a_linear_signal(learner: Subject, fits: Fits) -> None:
    """The fake predicts a constant by design, so only real models are held to learning."""
    # given
    framework, model = fits.get(learner, Task.REGRESSION)
    holdout = features(rows=200, seed=8)
    truth = target(holdout, Task.REGRESSION, seed=8)

    # when
    predictions = framework.predict(model, holdout)

    # then
    scores = compute_metrics(("r2", "rmse"), truth, predictions)
    constant = compute_metrics(("rmse",), truth, np.full(len(truth), truth.mean()))
    assert scores["r2"] > 0.8
    assert scores["rmse"] < 0.5 * constant["rmse"]


def test_real_classifiers_learn_a_threshold(learner: Subject, fits: Fits) -> None:
    """The fake always predicts its most frequent class, so only real models are held to this."""
    # given
    framework, model = fits.get(learner, Task.CLASSIFICATION)
    holdout = features(rows=200, seed=9)
    truth = target(holdout, Task.CLASSIFICATION)

    # when
    predictions = framework.predict(model, holdout)

    # then
    assert compute_metrics(("accuracy",), truth, predictions)["accuracy"] > 0.8


@TASKS
def test_the_same_params_and_data_give_the_same_predictions(subject: Subject, task: Task) -> None:
    # given
    rows = features(rows=40, seed=10)
    first_framework, first = fit(subject, task)
    second_framework, second = fit(subject, task)

    # when
    predictions = first_framework.predict(first, rows)
    again = second_framework.predict(second, rows)

    # then
    np.testing.assert_array_equal(predictions, again)


# --- Feature dtypes ------------------------------------------------------------------------------


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


@pytest.mark.parametrize("variant", list(DTYPE_VARIANTS))
def test_every_feature_dtype_the_domain_accepts_is_fitted_and_scored(
    subject: Subject, variant: str
) -> None:
    """`feature_kinds` accepts pandas categories and nullable dtypes, so every model takes them."""
    # given
    table = DTYPE_VARIANTS[variant](features())

    # when
    framework, model = fit(subject, Task.REGRESSION, table)
    predictions = framework.predict(model, table.head(20))

    # then
    assert predictions.shape == (20,)
    assert np.isfinite(predictions).all()


# --- What only SklearnFramework promises ---------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "lightgbm.LGBMRegressor",
        "sklearnx.linear_model.Ridge",
        "Ridge",
        "sklearn.linear_model.NoSuchRegressor",
        "sklearn.no_such_module.Ridge",
        "sklearn.metrics.r2_score",
        "sklearn.utils.Bunch",
    ],
    ids=[
        "outside-sklearn",
        "lookalike-package",
        "bare-name",
        "missing-class",
        "missing-module",
        "function",
        "non-estimator-class",
    ],
)
def test_sklearn_framework_refuses_a_path_that_is_not_an_estimator(path: str) -> None:
    # given / when / then
    with pytest.raises(ConfigError, match=r"model\.estimator"):
        SklearnFramework(path)


@pytest.mark.parametrize(
    ("path", "task"),
    [
        ("sklearn.linear_model.Ridge", Task.CLASSIFICATION),
        ("sklearn.linear_model.LogisticRegression", Task.REGRESSION),
        ("sklearn.preprocessing.StandardScaler", Task.REGRESSION),
    ],
    ids=["regressor-for-classification", "classifier-for-regression", "transformer"],
)
def test_sklearn_framework_refuses_an_estimator_of_another_task(path: str, task: Task) -> None:
    # given
    framework = SklearnFramework(path)
    table = features(rows=20)
    kinds = feature_kinds(table, list(table.columns), source="memory://train")

    # when / then
    with pytest.raises(ConfigError, match=r"model\.estimator"):
        framework.fit(table, target(table, task), kinds=kinds, task=task, params={})


# --- What only LightGBMFramework promises --------------------------------------------------------


def test_lightgbm_reports_a_column_name_it_cannot_take_as_a_model_error() -> None:
    """LightGBM refuses JSON punctuation in feature names; its own error must not escape."""
    # given
    table = features()
    renamed = table.rename(columns={"x": "price:usd"})

    # when / then
    with pytest.raises(ModelError, match="feature name"):
        fit(LIGHTGBM, Task.REGRESSION, renamed, y=target(table, Task.REGRESSION))
