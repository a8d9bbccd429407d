"""The Explainer contract (`podium.testing.ExplainerContract`) on the in-memory fake, on
LightGBM's own explanations and on permutation importance; then what only they promise."""

from collections.abc import Mapping

import numpy as np
import pytest
from pydantic import JsonValue

from podium.adapters.lightgbm.explainer import LightGBMExplainer
from podium.adapters.lightgbm.framework import LightGBMFramework
from podium.adapters.memory import InMemoryExplainer, InMemoryModelFramework
from podium.adapters.permutation_explainer import PermutationExplainer
from podium.domain.dataset import Task
from podium.domain.errors import ModelError
from podium.domain.model import FittedModel
from podium.ports import Explainer, ModelFramework
from podium.testing import ExplainerContract
from podium.testing.explainer import KINDS, fitted, rides

LIGHTGBM: dict[str, JsonValue] = {"n_estimators": 40, "n_jobs": 1, "random_state": 0}


class LightGBMModels:
    """Explainers of the models of `LightGBMFramework`, fitted on one thread."""

    @pytest.fixture
    def explained_framework(self) -> ModelFramework:
        return LightGBMFramework()

    @pytest.fixture
    def explained_params(self) -> Mapping[str, JsonValue]:
        return LIGHTGBM

    @pytest.fixture
    def foreign_framework(self) -> ModelFramework | None:
        return InMemoryModelFramework()


class TestInMemoryExplainer(ExplainerContract):
    @pytest.fixture
    def explainer(self) -> Explainer:
        return InMemoryExplainer()

    @pytest.fixture
    def explained_framework(self) -> ModelFramework:
        return InMemoryModelFramework()

    @pytest.fixture
    def foreign_framework(self) -> ModelFramework | None:
        return LightGBMFramework()

    @pytest.fixture
    def foreign_params(self) -> Mapping[str, JsonValue]:
        return LIGHTGBM

    def test_the_refusal_says_what_it_explains(self, explainer: Explainer) -> None:
        # given
        model = fitted(LightGBMFramework(), LIGHTGBM)
        rows = rides(seed=3)

        # when / then
        with pytest.raises(ModelError, match="explains"):
            explainer.importance(model, rows[list(KINDS)], rows["rides"])


class TestLightGBMExplainer(LightGBMModels, ExplainerContract):
    @pytest.fixture
    def explainer(self) -> Explainer:
        return LightGBMExplainer()

    def test_the_refusal_says_what_it_explains(self, explainer: Explainer) -> None:
        # given
        model = fitted(InMemoryModelFramework(), {})
        rows = rides(seed=3)

        # when / then
        with pytest.raises(ModelError, match="explains"):
            explainer.importance(model, rows[list(KINDS)], rows["rides"])

    def test_contributions_of_a_binary_classifier_add_up_to_its_log_odds(
        self, explainer: Explainer, explained_framework: ModelFramework
    ) -> None:
        # given
        model = fitted(explained_framework, LIGHTGBM, Task.CLASSIFICATION)
        rows = rides(seed=5, rows=40)

        # when
        wide = explainer.contributions(model, rows)

        # then
        assert wide is not None
        proba = explained_framework.predict_proba(model, rows)
        assert proba is not None
        log_odds = np.log(proba[:, 1] / proba[:, 0])
        np.testing.assert_allclose(wide.sum(axis=1).to_numpy(), log_odds, rtol=1e-6, atol=1e-6)


class TestPermutationExplainer(LightGBMModels, ExplainerContract):
    @pytest.fixture
    def explainer(self, explained_framework: ModelFramework) -> Explainer:
        return PermutationExplainer({"lightgbm": explained_framework}, repeats=3, seed=0)

    @pytest.fixture
    def gives_contributions(self) -> bool:
        return False

    @pytest.fixture
    def needs_target(self) -> bool:
        return True

    def test_the_refusal_says_it_needs_the_rows_target(
        self, explainer: Explainer, explained_model: FittedModel
    ) -> None:
        # when / then
        with pytest.raises(ModelError, match="needs the rows' target"):
            explainer.importance(explained_model, rides()[list(KINDS)], None)

    def test_the_same_seed_gives_the_same_importance(
        self, explained_framework: ModelFramework, explained_model: FittedModel
    ) -> None:
        # given
        rows = rides(seed=6)

        def explain(seed: int) -> list[float]:
            explainer = PermutationExplainer(
                {"lightgbm": explained_framework}, repeats=2, seed=seed
            )
            return explainer.importance(explained_model, rows, rows["rides"])["importance"].tolist()

        # when / then
        assert explain(0) == explain(0)
        assert explain(0) != explain(1)


def test_lightgbm_gain_and_permutation_both_rank_the_idle_feature_last() -> None:
    # given
    framework = LightGBMFramework()
    model = fitted(framework, LIGHTGBM)
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
