"""Contract of Explainer on the in-memory fake, LightGBM's own explanations and permutation."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from pydantic import JsonValue

from podium.adapters.lightgbm.explainer import LightGBMExplainer
from podium.adapters.lightgbm.framework import LightGBMFramework
from podium.adapters.memory import InMemoryExplainer, InMemoryModelFramework
from podium.adapters.permutation_explainer import PermutationExplainer
from podium.domain.dataset import FeatureKind, Task
from podium.domain.errors import ModelError
from podium.domain.explanation import BIAS
from podium.domain.model import FittedModel
from podium.ports import Explainer, ModelFramework

ROWS = 300
KINDS = {"temp": FeatureKind.NUMERIC, "noise": FeatureKind.NUMERIC, "day": FeatureKind.CATEGORICAL}
LIGHTGBM: dict[str, JsonValue] = {"n_estimators": 40, "n_jobs": 1, "random_state": 0}


def rides(seed: int = 0, rows: int = ROWS) -> pd.DataFrame:
    """Rides driven by temperature and the day; `noise` plays no part."""
    rng = np.random.default_rng(seed)
    day = rng.choice(np.array(["mon", "sat", "sun"]), rows)
    temp = rng.normal(15, 8, rows)
    return pd.DataFrame(
        {
            "temp": np.where(rng.random(rows) < 0.05, np.nan, temp),
            "noise": rng.random(rows),
            "day": pd.Series(day, dtype="str"),
            "rides": 100 + 6 * np.nan_to_num(temp, nan=15) + 40 * (day != "mon"),
        }
    )


@dataclass
class Case:
    explainer: Explainer
    framework: ModelFramework
    model: FittedModel


def fitted(framework: ModelFramework, task: Task = Task.REGRESSION) -> FittedModel:
    table = rides()
    target = table["rides"] if task is Task.REGRESSION else table["rides"] > 190
    params = LIGHTGBM if isinstance(framework, LightGBMFramework) else {}
    return framework.fit(table[list(KINDS)], target, kinds=KINDS, task=task, params=params)


@pytest.fixture(params=["memory", "lightgbm", "permutation"])
def case(request: pytest.FixtureRequest) -> Case:
    if request.param == "memory":
        memory = InMemoryModelFramework()
        return Case(InMemoryExplainer(), memory, fitted(memory))
    lightgbm = LightGBMFramework()
    if request.param == "lightgbm":
        return Case(LightGBMExplainer(), lightgbm, fitted(lightgbm))
    explainer = PermutationExplainer({"lightgbm": lightgbm}, repeats=3, seed=0)
    return Case(explainer, lightgbm, fitted(lightgbm))


def test_importance_covers_every_feature_of_the_model(case: Case) -> None:
    # given
    rows = rides(seed=1)

    # when
    importance = case.explainer.importance(case.model, rows[list(KINDS)], rows["rides"])

    # then
    assert sorted(importance["feature"]) == sorted(KINDS)
    assert importance["importance"].dtype == np.float64
    assert importance["importance"].notna().all()


def test_contributions_and_bias_add_up_to_each_prediction(case: Case) -> None:
    # given
    rows = rides(seed=2, rows=50).set_axis(range(100, 150))

    # when
    wide = case.explainer.contributions(case.model, rows)

    # then
    if wide is None:
        assert isinstance(case.explainer, PermutationExplainer)
        return
    assert list(wide.columns) == [*KINDS, BIAS]
    assert list(wide.index) == list(rows.index)
    predictions = case.framework.predict(case.model, rows)
    np.testing.assert_allclose(wide.sum(axis=1).to_numpy(), predictions, rtol=1e-9, atol=1e-9)


def test_an_explainer_refuses_a_model_it_cannot_explain(case: Case) -> None:
    # given: a model of another framework, or for permutation, rows without their target
    if isinstance(case.explainer, PermutationExplainer):
        with pytest.raises(ModelError, match="needs the rows' target"):
            case.explainer.importance(case.model, rides()[list(KINDS)], None)
        return
    other = LightGBMFramework() if isinstance(case.explainer, InMemoryExplainer) else None
    model = fitted(other or InMemoryModelFramework())
    rows = rides(seed=3)

    # when / then
    with pytest.raises(ModelError, match="explains"):
        case.explainer.importance(model, rows[list(KINDS)], rows["rides"])


def test_lightgbm_gain_and_permutation_both_rank_the_idle_feature_last() -> None:
    # given
    framework = LightGBMFramework()
    model = fitted(framework)
    rows = rides(seed=4)
    explainers: list[Explainer] = [
        LightGBMExplainer(),
        PermutationExplainer({"lightgbm": framework}, repeats=3, seed=0),
    ]

    # when
    tables = [e.importance(model, rows[list(KINDS)], rows["rides"]) for e in explainers]

    # then
    for table in tables:
        ranked = table.sort_values("importance", ascending=False)["feature"].tolist()
        assert ranked[-1] == "noise"
        assert ranked[0] == "temp"


def test_lightgbm_contributions_of_a_binary_classifier_add_up_to_its_log_odds() -> None:
    # given
    framework = LightGBMFramework()
    model = fitted(framework, Task.CLASSIFICATION)
    rows = rides(seed=5, rows=40)

    # when
    wide = LightGBMExplainer().contributions(model, rows)

    # then
    proba = framework.predict_proba(model, rows)
    assert proba is not None
    log_odds = np.log(proba[:, 1] / proba[:, 0])
    np.testing.assert_allclose(wide.sum(axis=1).to_numpy(), log_odds, rtol=1e-6, atol=1e-6)


def test_permutation_importance_is_the_same_for_the_same_seed() -> None:
    # given
    framework = LightGBMFramework()
    model = fitted(framework)
    rows = rides(seed=6)

    def explain(seed: int) -> list[float]:
        explainer = PermutationExplainer({"lightgbm": framework}, repeats=2, seed=seed)
        return explainer.importance(model, rows, rows["rides"])["importance"].tolist()

    # when / then
    assert explain(0) == explain(0)
    assert explain(0) != explain(1)
