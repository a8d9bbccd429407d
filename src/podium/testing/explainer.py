"""The Explainer contract: `ExplainerContract`, on models of rides fitted by the host's
framework."""

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest
from pydantic import JsonValue

from podium.domain.dataset import FeatureKind, Task
from podium.domain.errors import ModelError
from podium.domain.explanation import BIAS
from podium.domain.model import FittedModel
from podium.ports import Explainer, ModelFramework

ROWS = 300
KINDS = {"temp": FeatureKind.NUMERIC, "noise": FeatureKind.NUMERIC, "day": FeatureKind.CATEGORICAL}


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


def fitted(
    framework: ModelFramework,
    params: Mapping[str, JsonValue],
    task: Task = Task.REGRESSION,
) -> FittedModel:
    """`framework`'s model of `rides()`: the number of rides, or whether they pass 190."""
    table = rides()
    target = table["rides"] if task is Task.REGRESSION else table["rides"] > 190
    return framework.fit(table[list(KINDS)], target, kinds=KINDS, task=task, params=params)


class ExplainerContract:
    """What every `Explainer` promises.

    Subclass it, under a name pytest collects, and define:

    - `explainer` (required): the explainer.
    - `explained_framework` (required): a `ModelFramework` whose regression models the
      explainer explains; the suite fits it and predicts with it.
    - `explained_params` (default `{}`): the params the suite fits `explained_framework` with.
    - `foreign_framework` (default None): a `ModelFramework` whose models the explainer cannot
      explain; the suite checks they are refused. None skips the check.
    - `foreign_params` (default `{}`): the params the suite fits `foreign_framework` with.
    - `gives_contributions` (default True): False for an explainer that gives no per-row
      contributions (`contributions` returns None).
    - `needs_target` (default False): True for an explainer that scores the model and so needs
      the rows' target; the suite checks it refuses rows without one, or else that it explains
      them.
    """

    @pytest.fixture
    def explained_params(self) -> Mapping[str, JsonValue]:
        return {}

    @pytest.fixture
    def foreign_framework(self) -> ModelFramework | None:
        return None

    @pytest.fixture
    def foreign_params(self) -> Mapping[str, JsonValue]:
        return {}

    @pytest.fixture
    def gives_contributions(self) -> bool:
        return True

    @pytest.fixture
    def needs_target(self) -> bool:
        return False

    @pytest.fixture
    def explained_model(
        self, explained_framework: ModelFramework, explained_params: Mapping[str, JsonValue]
    ) -> FittedModel:
        """The regression model of `rides()` the tests explain."""
        return fitted(explained_framework, explained_params)

    def test_importance_covers_every_feature_of_the_model(
        self, explainer: Explainer, explained_model: FittedModel
    ) -> None:
        # given
        rows = rides(seed=1)

        # when
        importance = explainer.importance(explained_model, rows[list(KINDS)], rows["rides"])

        # then
        assert sorted(importance["feature"]) == sorted(KINDS)
        assert importance["importance"].dtype == np.float64
        assert importance["importance"].notna().all()

    def test_contributions_and_bias_add_up_to_each_prediction(
        self,
        explainer: Explainer,
        explained_framework: ModelFramework,
        explained_model: FittedModel,
        gives_contributions: bool,
    ) -> None:
        # given
        rows = rides(seed=2, rows=50).set_axis(range(100, 150))

        # when
        wide = explainer.contributions(explained_model, rows)

        # then
        if not gives_contributions:
            assert wide is None
            return
        assert wide is not None
        assert list(wide.columns) == [*KINDS, BIAS]
        assert list(wide.index) == list(rows.index)
        predictions = explained_framework.predict(explained_model, rows)
        np.testing.assert_allclose(wide.sum(axis=1).to_numpy(), predictions, rtol=1e-9, atol=1e-9)

    def test_an_explainer_refuses_a_model_it_cannot_explain(
        self,
        explainer: Explainer,
        foreign_framework: ModelFramework | None,
        foreign_params: Mapping[str, JsonValue],
    ) -> None:
        if foreign_framework is None:
            pytest.skip("no `foreign_framework`: the explainer explains every model")
        # given: a model of another framework
        model = fitted(foreign_framework, foreign_params)
        rows = rides(seed=3)

        # when / then
        with pytest.raises(ModelError):
            explainer.importance(model, rows[list(KINDS)], rows["rides"])

    def test_rows_without_their_target_are_refused_only_when_it_is_needed(
        self, explainer: Explainer, explained_model: FittedModel, needs_target: bool
    ) -> None:
        # given
        rows = rides(seed=3)[list(KINDS)]

        # when / then
        if needs_target:
            with pytest.raises(ModelError, match="target"):
                explainer.importance(explained_model, rows, None)
            return
        importance = explainer.importance(explained_model, rows, None)
        assert sorted(importance["feature"]) == sorted(KINDS)
