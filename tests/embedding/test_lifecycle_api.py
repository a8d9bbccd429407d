"""The facade's contract: references, defaults, errors, and swapped ports."""

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import podium
from podium.adapters.memory import InMemoryExperimentTracker, InMemoryTableStore
from podium.domain.errors import ConfigError, DataSchemaError, RegistryError, StorageError
from podium.domain.inference import InferenceResult
from podium.domain.model_ref import ModelRef
from podium.lifecycle.arguments import model_ref

ROOT = Path(__file__).resolve().parents[2]


def _rides(rows: int = 400, seed: int = 0) -> pd.DataFrame:
    generator = np.random.default_rng(seed)
    hours = generator.integers(0, 24, rows)
    return pd.DataFrame(
        {
            "day": pd.date_range("2024-01-01", periods=rows, freq="h"),
            "hour": hours,
            "temp": generator.normal(15, 5, rows),
            "kind": pd.Categorical(generator.choice(["a", "b"], rows)),
            "leak": generator.normal(size=rows),
            "rides": hours * 3.0 + generator.normal(0, 1, rows),
        }
    )


def _lifecycle(**ports: Any) -> podium.Lifecycle:
    return podium.Lifecycle(stack=podium.StackSettings.in_memory(), **ports)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bikes", ModelRef(name="bikes")),
        ("bikes@champion", ModelRef(name="bikes", alias="champion")),
        ("bikes/3", ModelRef(name="bikes", version=3)),
    ],
)
def test_a_model_reference_is_a_name_an_alias_or_a_version(text: str, expected: ModelRef) -> None:
    assert model_ref(text) == expected


def test_a_malformed_model_reference_is_one_config_error() -> None:
    with pytest.raises(ConfigError, match="expected 'name', 'name@alias', 'name/VERSION'"):
        model_ref("bikes@a@b")


def test_train_holds_out_the_latest_time_and_returns_what_was_judged() -> None:
    # given
    lc, rides = _lifecycle(), _rides()

    # when
    trained = lc.train(
        rides, target="rides", name="r", time_column="day", drop=["leak"], params={"n_jobs": 1}
    )

    # then
    assert trained.model_version == 1
    assert len(trained.holdout) == trained.n_test == 80
    assert trained.holdout["day"].min() > rides.drop(trained.holdout.index)["day"].max()
    assert "leak" not in trained.model.features
    assert "day" not in trained.model.features
    assert trained.metrics["rmse"] > 0


def test_without_a_time_column_the_holdout_is_a_seeded_random_share() -> None:
    # given
    rides = _rides().drop(columns=["day"])

    # when
    first = _lifecycle().train(rides, target="rides", params={"n_jobs": 1})
    again = _lifecycle().train(rides, target="rides", params={"n_jobs": 1})

    # then
    assert first.holdout.index.tolist() == again.holdout.index.tolist()
    assert first.holdout.index.tolist() != list(range(320, 400))


def test_a_missing_time_column_is_a_data_schema_error_naming_it() -> None:
    with pytest.raises(DataSchemaError, match="'when'"):
        _lifecycle().train(_rides(), target="rides", time_column="when")


def test_a_wrong_argument_is_one_config_error_naming_it() -> None:
    with pytest.raises(ConfigError, match="task"):
        _lifecycle().train(_rides(), target="rides", task="banana")


def test_promotion_gates_on_the_holdout_and_refuses_a_worse_challenger() -> None:
    # given
    lc, rides = _lifecycle(), _rides()
    good = lc.train(rides, target="rides", name="r", time_column="day", params={"n_jobs": 1})
    lc.promote("r", version=good.model_version, data=good.holdout)
    worse = lc.train(
        rides,
        target="rides",
        name="r",
        time_column="day",
        params={"n_jobs": 1, "n_estimators": 2, "learning_rate": 0.01},
    )

    # when
    refused = lc.promote("r", version=worse.model_version, data=worse.holdout)

    # then
    assert refused.outcome == "refused"
    assert lc.predict("r@champion", rides.head(3)).shape == (3, 1)
    assert [e.outcome for e in lc.history("r")] == ["moved", "refused"]


def test_a_promotion_without_rows_to_judge_on_is_refused_before_anything_moves() -> None:
    lc = _lifecycle()
    trained = lc.train(_rides(), target="rides", name="r", time_column="day", params={"n_jobs": 1})
    with pytest.raises(ConfigError, match="data: a promotion is judged on held-out rows"):
        lc.promote("r", version=trained.model_version)
    assert lc.history("r") == []


def test_predict_returns_the_rows_index_and_writes_only_when_asked() -> None:
    # given
    storage = InMemoryTableStore()
    lc = _lifecycle(storage=storage)
    rides = _rides()
    lc.train(rides, target="rides", name="r", time_column="day", params={"n_jobs": 1})
    rows = rides.iloc[[5, 9, 11]]

    # when
    returned = lc.predict("r", rows, id_columns=["hour"])
    written = lc.predict("r", rows, output="predictions")

    # then
    assert returned.index.tolist() == [5, 9, 11]
    assert returned.columns.tolist() == ["hour", "prediction"]
    assert isinstance(written, InferenceResult)
    assert list(storage.tables) == ["predictions"]


def test_tables_are_given_by_uri_too_with_free_names() -> None:
    # given
    storage = InMemoryTableStore({"rides": _rides()})
    lc = _lifecycle(storage=storage)

    # when
    trained = lc.train("rides", target="rides", name="r", time_column="day", params={"n_jobs": 1})
    report = lc.monitor("r", "rides")

    # then
    assert trained.model_version == 1
    assert report.reference_uri == "rides"
    assert not report.verdict.drifted


def test_a_dataframe_reference_is_not_kept_between_calls() -> None:
    lc = _lifecycle()
    lc.train(_rides(), target="rides", name="r", time_column="day", params={"n_jobs": 1})
    with pytest.raises(StorageError, match="pass it again"):
        lc.monitor("r", _rides(seed=1))


def test_a_swapped_port_receives_the_runs() -> None:
    # given
    tracker = InMemoryExperimentTracker()
    lc = _lifecycle(tracker=tracker)

    # when
    trained = lc.train(_rides(), target="rides", time_column="day", params={"n_jobs": 1})

    # then
    assert tracker.get_run(trained.run_id).metrics["holdout_rmse"] == trained.metrics["rmse"]


def test_an_unknown_port_is_one_config_error() -> None:
    with pytest.raises(ConfigError, match="trackr: not a port"):
        _lifecycle(trackr=InMemoryExperimentTracker())


def test_an_unknown_model_is_a_registry_error() -> None:
    with pytest.raises(RegistryError, match="no registered version"):
        _lifecycle().predict("nobody", _rides())


def test_from_config_reads_a_stack_file_with_overrides(tmp_path: Path) -> None:
    # given
    stack = tmp_path / "stack.yaml"
    stack.write_text(
        "storage: {kind: cloudpath}\ntracker: {kind: memory}\nregistry: {kind: memory}\n"
    )
    _rides().to_parquet(tmp_path / "rides.parquet")

    # when
    lc = podium.Lifecycle.from_config(str(stack), overrides=["model.kind=memory"])
    trained = lc.train(str(tmp_path / "rides.parquet"), target="rides", time_column="day")

    # then
    assert lc.stack.model.kind == "memory"
    assert trained.model_version == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rides.parquet", "stack.yaml"]


def test_a_stack_file_with_a_job_is_refused() -> None:
    with pytest.raises(ConfigError, match="job: a stack config holds the parts only"):
        podium.Lifecycle.from_config(str(ROOT / "configs" / "training.yaml"))


def test_evaluate_scores_a_version_on_rows_with_the_spec_it_was_trained_under() -> None:
    # given
    lc = _lifecycle()
    trained = lc.train(_rides(), target="rides", name="r", time_column="day", params={"n_jobs": 1})

    # when
    evaluated = lc.evaluate("r/1", trained.holdout)

    # then
    assert evaluated.model_version == 1
    assert evaluated.n_rows == len(trained.holdout)
    assert evaluated.metrics["rmse"] == pytest.approx(trained.metrics["rmse"])


def test_rollback_undoes_the_last_promotion_and_history_shows_both() -> None:
    # given
    lc = _lifecycle()
    trained = lc.train(_rides(), target="rides", name="r", time_column="day", params={"n_jobs": 1})
    lc.promote("r", version=1, data=trained.holdout, actor="ana")

    # when
    rolled = lc.rollback("r", actor="ana", reason="wrong data")

    # then
    assert rolled.outcome == "moved"
    assert rolled.to_version is None
    assert [(e.action, e.reason) for e in lc.history("r")] == [
        ("promote", ""),
        ("rollback", "wrong data"),
    ]


def test_tune_searches_the_space_without_the_training_holdout() -> None:
    # given
    lc = _memory_model_lifecycle()
    rides = _rides()

    # when
    tuned = lc.tune(
        rides,
        target="rides",
        time_column="day",
        space={"shift": {"low": 0.0, "high": 5.0}},
        n_trials=4,
        folds=2,
    )

    # then
    assert tuned.n_complete == 4
    assert tuned.n_rows == 320
    shift = tuned.best_params["shift"]
    assert isinstance(shift, float)
    assert 0.0 <= shift <= 5.0


def _memory_model_lifecycle() -> podium.Lifecycle:
    stack = podium.StackSettings.model_validate(
        {
            "storage": {"kind": "memory"},
            "tracker": {"kind": "memory"},
            "registry": {"kind": "memory"},
            "model": {"kind": "memory"},
        }
    )
    return podium.Lifecycle(stack=stack)
