"""The explanation use case on in-memory ports (and once on LightGBM, where sums matter)."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from podium.adapters.lightgbm.explainer import LightGBMExplainer
from podium.adapters.lightgbm.framework import LightGBMFramework
from podium.adapters.memory import (
    InMemoryChartRenderer,
    InMemoryExperimentTracker,
    InMemoryExplainer,
    InMemoryModelFramework,
    InMemoryModelRegistry,
    InMemoryTableStore,
)
from podium.adapters.permutation_explainer import PermutationExplainer
from podium.application.explanation import ExplanationService
from podium.domain.dataset import FeatureKind, Task
from podium.domain.errors import DataSchemaError, ModelError, StorageError
from podium.domain.explanation import BIAS, ExplanationRequest
from podium.domain.model import RunStatus
from podium.ports import Explainer, ModelFramework

URI = "memory://rides.parquet"
KINDS = {"temp": FeatureKind.NUMERIC, "weather": FeatureKind.CATEGORICAL}
ROWS = 120


def rides() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    temp = rng.normal(15, 5, ROWS)
    weather = rng.choice(np.array(["clear", "rain"]), ROWS)
    return pd.DataFrame(
        {
            "ride_id": [f"r{i}" for i in range(ROWS)],
            "day": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(ROWS), unit="D"),
            "temp": temp,
            "weather": pd.Series(weather, dtype="str"),
            "rides": 100 + 5 * temp - 30 * (weather == "rain"),
        }
    )


@dataclass
class World:
    framework: ModelFramework
    storage: InMemoryTableStore = field(default_factory=InMemoryTableStore)
    tracker: InMemoryExperimentTracker = field(default_factory=InMemoryExperimentTracker)
    registry: InMemoryModelRegistry = field(default_factory=InMemoryModelRegistry)
    charts: InMemoryChartRenderer = field(default_factory=InMemoryChartRenderer)

    def __post_init__(self) -> None:
        table = rides()
        self.storage.write(table, URI)
        params = {"n_estimators": 30, "n_jobs": 1} if self.framework.name == "lightgbm" else {}
        model = self.framework.fit(
            table[list(KINDS)], table["rides"], kinds=KINDS, task=Task.REGRESSION, params=params
        )
        self.registry.register(
            model,
            name="rides",
            run_id="train-run",
            input_example=table.head(),
            tags={"podium.data.uri": URI},
        )

    def service(self, explainer: Explainer) -> ExplanationService:
        return ExplanationService(
            storage=self.storage,
            tracker=self.tracker,
            registry=self.registry,
            explainer=explainer,
            charts=self.charts,
        )


def request(**overrides: object) -> ExplanationRequest:
    fields: dict[str, object] = {
        "model": {"name": "rides"},
        "importance_uri": "memory://out/importance.parquet",
        "contributions_uri": "memory://out/contributions.csv",
        **overrides,
    }
    return ExplanationRequest.model_validate(fields)


def test_every_feature_is_ranked_and_every_row_explained_written_and_logged() -> None:
    # given
    world = World(InMemoryModelFramework())

    # when
    result = world.service(InMemoryExplainer()).explain(request())

    # then
    assert result.importance["feature"].tolist() == ["temp", "weather"]
    assert result.importance["rank"].tolist() == [1, 1]
    assert result.contributions is not None
    assert len(result.contributions) == ROWS * 3
    assert result.contributions["id"].nunique() == ROWS
    written = world.storage.read("memory://out/contributions.csv")
    assert written["feature"].tolist()[:3] == ["temp", "weather", BIAS]
    assert world.storage.exists("memory://out/importance.parquet")
    run = world.tracker.get_run(result.run_id)
    assert (run.status, run.tags["podium.job"]) == (RunStatus.FINISHED, "explanation")
    assert run.tables == ("importance.json", "contributions.parquet")
    assert run.figures == ("importance.png",)
    assert run.params["podium.explainer"] == "memory"
    assert [d.context for d in run.datasets] == ["explanation"]
    assert world.charts.charts[0]["labels"] == ["temp", "weather"]


def test_lightgbm_contributions_of_each_row_add_up_to_its_prediction() -> None:
    # given
    world = World(LightGBMFramework())
    window = {"uri": URI, "time_from": "2024-03-01"}

    # when
    result = world.service(LightGBMExplainer()).explain(
        request(rows=window, time_column="day", id_columns=["ride_id"])
    )

    # then
    assert result.contributions is not None
    rows = rides()[rides()["day"] >= "2024-03-01"]
    sums = result.contributions.groupby("id", sort=False)["contribution"].sum()
    predictions = LightGBMFramework().predict(world.registry.load("rides", 1), rows)
    assert sums.index.tolist() == rows["ride_id"].tolist()
    np.testing.assert_allclose(sums.to_numpy(), predictions, rtol=1e-9)
    assert result.rows == len(rows)
    assert result.importance["rank"].iloc[0] == 1


def test_an_explainer_without_contributions_writes_importance_only() -> None:
    # given
    world = World(InMemoryModelFramework())
    explainer = PermutationExplainer({"memory": InMemoryModelFramework()}, repeats=1)

    # when
    result = world.service(explainer).explain(request(target="rides"))

    # then
    assert result.contributions is None
    assert result.contributions_uri is None
    assert not world.storage.exists("memory://out/contributions.csv")
    assert world.tracker.get_run(result.run_id).tables == ("importance.json",)


def test_contributions_an_earlier_run_left_are_removed_when_this_explainer_gives_none() -> None:
    # given contributions written by an earlier explanation with per-row contributions
    world = World(InMemoryModelFramework())
    earlier = world.service(InMemoryExplainer()).explain(request())
    assert earlier.contributions_uri == "memory://out/contributions.csv"
    assert world.storage.exists("memory://out/contributions.csv")

    # when the permutation explainer, which gives none, writes to the same outputs
    explainer = PermutationExplainer({"memory": InMemoryModelFramework()}, repeats=1)
    result = world.service(explainer).explain(request(target="rides"))

    # then no table is left that would read as this run's
    assert result.contributions_uri is None
    assert not world.storage.exists("memory://out/contributions.csv")
    assert world.storage.exists("memory://out/importance.parquet")


def test_a_sample_of_rows_is_explained_when_capped() -> None:
    # given
    world = World(InMemoryModelFramework())

    # when
    result = world.service(InMemoryExplainer()).explain(request(max_rows=10))

    # then
    assert result.rows == 10
    assert result.contributions is not None
    assert result.contributions["id"].nunique() == 10


@pytest.mark.parametrize(
    ("overrides", "missing"),
    [({"target": "count"}, r"\['count'\]"), ({"id_columns": ["station"]}, r"\['station'\]")],
)
def test_missing_columns_fail_before_any_run(overrides: dict[str, object], missing: str) -> None:
    # given
    world = World(InMemoryModelFramework())

    # when / then
    with pytest.raises(DataSchemaError, match=r"column\(s\) " + missing):
        world.service(InMemoryExplainer()).explain(request(**overrides))
    assert world.tracker.runs == {}


def test_a_model_the_explainer_cannot_explain_fails_the_run_and_writes_nothing() -> None:
    # given
    world = World(InMemoryModelFramework())

    # when
    with pytest.raises(ModelError, match="explains LightGBM models, not memory ones"):
        world.service(LightGBMExplainer()).explain(request())

    # then
    [run] = world.tracker.runs.values()
    assert run.status is RunStatus.FAILED
    assert world.storage.tables.keys() == {URI}


class RefusingStore(InMemoryTableStore):
    """The in-memory store, refusing writes to one URI as a full disk would."""

    def __init__(self, refused: str) -> None:
        super().__init__()
        self.refused = refused

    def write(self, table: pd.DataFrame, uri: str) -> None:
        if uri == self.refused:
            raise StorageError(f"{uri}: cannot be written: no space left")
        super().write(table, uri)


@pytest.mark.parametrize("earlier", [None, pd.DataFrame({"feature": ["old"], "importance": [1.0]})])
def test_the_tables_are_written_both_or_neither(earlier: pd.DataFrame | None) -> None:
    # given
    world = World(InMemoryModelFramework(), storage=RefusingStore("memory://out/contributions.csv"))
    if earlier is not None:
        world.storage.write(earlier, "memory://out/importance.parquet")

    # when
    with pytest.raises(StorageError, match="no space left"):
        world.service(InMemoryExplainer()).explain(request())

    # then
    if earlier is None:
        assert not world.storage.exists("memory://out/importance.parquet")
    else:
        pd.testing.assert_frame_equal(
            world.storage.read("memory://out/importance.parquet"), earlier
        )
    assert not world.storage.exists("memory://out/contributions.csv")
