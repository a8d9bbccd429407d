"""The ModelFramework contract (`podium.testing.ModelFrameworkContract`) on
`InMemoryModelFramework`, on `SklearnFramework` with a gradient-boosting estimator and with a
linear one, and on `LightGBMFramework`, so the fake cannot drift from the real frameworks; then
what only `SklearnFramework` and `LightGBMFramework` promise.
"""

from collections.abc import Iterator, Mapping

import pytest
from pydantic import JsonValue
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from podium.adapters.lightgbm.framework import LightGBMFramework
from podium.adapters.memory import InMemoryModelFramework
from podium.adapters.sklearn.framework import SklearnFramework
from podium.domain.dataset import Task, feature_kinds
from podium.domain.errors import ConfigError, ModelError
from podium.ports import ModelFramework
from podium.testing import ModelFrameworkContract
from podium.testing.model_framework import Subject, features, target

LIGHTGBM_PARAMS: dict[str, JsonValue] = {"n_estimators": 40, "n_jobs": 1, "random_state": 7}


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    # HistGradientBoosting's OpenMP threads spin against other processes on a small machine,
    # which turns a 50 ms fit into seconds; LightGBM gets `n_jobs=1` for the same reason.
    with threadpool_limits(limits=1):
        yield


class TestInMemoryModelFramework(ModelFrameworkContract):
    """The fake predicts a constant: it does not learn, and its importances are all zero."""

    @pytest.fixture(scope="class")
    @classmethod
    def model_framework(cls) -> ModelFramework:
        return InMemoryModelFramework()

    @pytest.fixture
    def accepted_params(self) -> Mapping[str, JsonValue]:
        return {"shift": 1.5}

    @pytest.fixture
    def framework_learns(self) -> bool:
        return False


class TestSklearnFrameworkBoosting(ModelFrameworkContract):
    """HistGradientBoosting has neither `feature_importances_` nor `coef_`."""

    @pytest.fixture(scope="class")
    @classmethod
    def model_framework(cls) -> ModelFramework:
        return SklearnFramework("sklearn.ensemble.HistGradientBoostingRegressor")

    @pytest.fixture(scope="class")
    @classmethod
    def classifier_framework(cls) -> ModelFramework:
        return SklearnFramework("sklearn.ensemble.HistGradientBoostingClassifier")

    @pytest.fixture
    def regression_params(self) -> Mapping[str, JsonValue]:
        return {"max_iter": 40, "random_state": 7}

    @pytest.fixture
    def classification_params(self) -> Mapping[str, JsonValue]:
        return {"max_iter": 40, "random_state": 7}

    @pytest.fixture
    def accepted_params(self) -> Mapping[str, JsonValue]:
        return {"max_iter": 10, "learning_rate": 0.05, "l2_regularization": 1.0}

    @pytest.fixture
    def has_native_importance(self) -> bool:
        return False


class TestSklearnFrameworkLinear(ModelFrameworkContract):
    @pytest.fixture(scope="class")
    @classmethod
    def model_framework(cls) -> ModelFramework:
        return SklearnFramework("sklearn.linear_model.Ridge")

    @pytest.fixture(scope="class")
    @classmethod
    def classifier_framework(cls) -> ModelFramework:
        return SklearnFramework("sklearn.linear_model.LogisticRegression")

    @pytest.fixture
    def regression_params(self) -> Mapping[str, JsonValue]:
        return {"alpha": 1.0}

    @pytest.fixture
    def classification_params(self) -> Mapping[str, JsonValue]:
        return {"C": 1.0, "max_iter": 1000}

    @pytest.fixture
    def accepted_params(self) -> Mapping[str, JsonValue]:
        return {"alpha": 0.5, "fit_intercept": True}


class TestLightGBMFramework(ModelFrameworkContract):
    @pytest.fixture(scope="class")
    @classmethod
    def model_framework(cls) -> ModelFramework:
        return LightGBMFramework()

    @pytest.fixture
    def regression_params(self) -> Mapping[str, JsonValue]:
        return LIGHTGBM_PARAMS

    @pytest.fixture
    def classification_params(self) -> Mapping[str, JsonValue]:
        return LIGHTGBM_PARAMS

    @pytest.fixture
    def accepted_params(self) -> Mapping[str, JsonValue]:
        return {
            "num_leaves": 15,
            "learning_rate": 0.05,
            "eta": 0.05,
            "min_child_samples": 5,
            "min_data_in_leaf": 5,
            "n_jobs": 1,
        }

    def test_lightgbm_reports_a_column_name_it_cannot_take_as_a_model_error(
        self, framework_subject: Subject
    ) -> None:
        """LightGBM refuses JSON punctuation in feature names; its own error must not escape."""
        # given
        table = features()
        renamed = table.rename(columns={"x": "price:usd"})

        # when / then
        with pytest.raises(ModelError, match="feature name"):
            framework_subject.fit(Task.REGRESSION, renamed, y=target(table, Task.REGRESSION))


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
