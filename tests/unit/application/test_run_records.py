"""What the jobs' runs say about themselves, on the in-memory ports: names, one metric name per
idea, the data and version they used, and the refusal to gate a `refit_full` version on rows
it was refitted on."""

import pytest
from lifecycle_world import (
    HELD_OUT,
    KINDS,
    NAME,
    TABLE,
    URI,
    World,
    evaluation_request,
    promotion_request,
)

from podium.adapters.memory import (
    InMemoryChartRenderer,
    InMemoryDocumentStore,
    InMemoryExperimentTracker,
    InMemoryModelFramework,
    InMemoryTableStore,
    InMemoryTuner,
)
from podium.application import TuningService
from podium.domain.dataset import Task
from podium.domain.errors import ConfigError
from podium.domain.inference import InferenceRequest
from podium.domain.lineage import table_digest
from podium.domain.model_ref import ModelRef
from podium.domain.rows import TableSlice
from podium.domain.tuning import TuningRequest


def refit_version(world: World) -> int:
    """Register a version tagged, as training tags it, as refitted on every row at `URI`."""
    model = world.framework.fit(
        TABLE[list(KINDS)], TABLE["rides"], kinds=KINDS, task=Task.REGRESSION, params={}
    )
    tags = {
        "podium.data.uri": URI,
        "podium.data.digest": table_digest(TABLE),
        "podium.refit_full": "true",
    }
    version = world.registry.register(
        model, name=NAME, run_id="training-run", input_example=TABLE.head(), tags=tags
    )
    return version.version


def test_an_evaluation_run_is_named_after_the_version_and_logs_holdout_metrics() -> None:
    # given
    world = World()
    world.register()

    # when
    result = world.evaluation().evaluate(evaluation_request())

    # then: the names training logs for its holdout, and the model version under one param
    run = world.tracker.get_run(result.run_id)
    assert run.name == "evaluate rides v1"
    assert set(run.metrics) == {f"holdout_{name}" for name in result.metrics}
    assert run.params["podium.model.version"] == "1"
    assert dict(run.datasets[0].columns)["temp"] == "double"


def test_a_refit_version_is_not_gated_on_rows_of_the_table_it_was_refitted_on() -> None:
    # given: the held-out window of the very table the version was refitted on
    world = World()
    refit_version(world)

    # when / then
    with pytest.raises(ConfigError, match=r"refit on every row .* `allow_training_data: true`"):
        world.evaluation().evaluate(evaluation_request())
    assert world.tracker.runs == {}


def test_a_refit_version_is_scored_on_its_table_when_allowed() -> None:
    # given
    world = World()
    refit_version(world)

    # when
    result = world.evaluation().evaluate(evaluation_request(allow_training_data=True))

    # then
    assert result.n_rows == int((TABLE["day"] >= HELD_OUT).sum())


def test_a_refit_version_is_scored_on_another_table() -> None:
    # given
    world = World()
    refit_version(world)
    world.storage.write(TABLE[TABLE["day"] >= HELD_OUT], "memory://later.parquet")

    # when
    result = world.evaluation().evaluate(
        evaluation_request(data=TableSlice(uri="memory://later.parquet"))
    )

    # then
    assert result.model_version == 1


def test_promotion_refuses_to_gate_a_refit_version_on_its_training_rows() -> None:
    # given
    world = World()
    world.register()
    number = refit_version(world)

    # when / then
    with pytest.raises(ConfigError, match="refit_full"):
        world.promotion().promote(promotion_request(number))
    assert world.registry.get_alias(NAME, "champion") is None


def test_an_inference_run_names_the_version_and_records_its_input() -> None:
    # given
    world = World()
    world.register()
    request = InferenceRequest.model_validate(
        {
            "model": ModelRef(name=NAME),
            "input": {"uri": URI},
            "output_uri": "memory://out.parquet",
            "id_columns": ["ride_id"],
        }
    )

    # when
    result = world.inference().infer(request)

    # then
    run = world.tracker.get_run(result.run_id)
    assert run.name == "predict rides v1"
    assert run.params["podium.model.version"] == "1"
    assert [(d.uri, d.rows, d.context) for d in run.datasets] == [(URI, len(TABLE), "inference")]


def test_history_reports_a_move_outside_podium_and_the_next_promotion_records_it() -> None:
    # given: podium crowned version 1; another tool pointed the alias at 2
    world = World()
    world.promotion().promote(promotion_request(world.register()))
    world.register()
    world.registry.move_alias_outside(NAME, "champion", 2)

    # when
    seen = world.promotion().history(NAME, "champion")
    world.promotion().promote(promotion_request(world.register(shift=-0.1), force=True, reason="r"))

    # then
    assert [(e.sequence, e.actor, e.to_version) for e in seen] == [
        (1, "ana", 1),
        (2, "outside podium", 2),
    ]
    after = world.promotion().history(NAME, "champion")
    assert [(e.sequence, e.actor, e.from_version, e.to_version) for e in after] == [
        (1, "ana", None, 1),
        (2, "outside podium", 1, 2),
        (3, "ana", 2, 3),
    ]


def test_a_tuning_run_is_named_tells_the_study_what_it_is_for_and_charts_the_search() -> None:
    # given
    table = TABLE.drop(columns=["ride_id"])
    tracker, tuner, charts = InMemoryExperimentTracker(), InMemoryTuner(), InMemoryChartRenderer()
    service = TuningService(
        storage=InMemoryTableStore({URI: table}),
        tracker=tracker,
        framework=InMemoryModelFramework(),
        tuner=tuner,
        documents=InMemoryDocumentStore(),
        charts=charts,
    )
    request = TuningRequest.model_validate(
        {
            "data_uri": URI,
            "dataset": {"target": "rides", "time_column": "day"},
            "space": {"shift": {"choices": [40, 0, -40]}},
            "budget": {"n_trials": 3, "seed": 1},
            "base_params": {"shift": 1},
        }
    )

    # when
    result = service.tune(request)

    # then
    run = tracker.get_run(result.run_id)
    assert run.name == "tune rides memory"
    assert run.figures == ("search.png",)
    assert tuner.about["podium.run_id"] == result.run_id
    assert tuner.about["podium.data_digest"] == result.data_digest
    assert tuner.about["podium.base_params"] == '{"shift": 1}'
    [chart] = charts.charts
    scores = chart["scores"]
    assert isinstance(scores, list)
    assert len(scores) == 3
    assert min(scores) == pytest.approx(result.best_value)
    assert chart["minimize"] is True
    assert "rmse" in str(chart["ylabel"])
