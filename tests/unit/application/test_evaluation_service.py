"""The evaluation use case on the in-memory ports: what it scores, compares, logs and refuses."""

import numpy as np
import pandas as pd
import pytest
from lifecycle_world import HELD_OUT, NAME, SPEC, TABLE, URI, World, evaluation_request

from podium.domain.dataset import DatasetSpec, FeatureKind, Task
from podium.domain.errors import ConfigError, DataSchemaError, ModelError, RegistryError
from podium.domain.gate import QualityGate, Threshold
from podium.domain.lineage import table_digest
from podium.domain.metrics import compute_metrics
from podium.domain.model import RunStatus
from podium.domain.model_ref import ModelRef
from podium.domain.promotion import AliasChange
from podium.domain.rows import TableSlice


def crown(world: World, version: int) -> None:
    """Point the champion alias at `version`, wherever it pointed."""
    current = world.registry.get_alias(NAME, "champion")
    world.registry.record_alias_change(
        NAME,
        AliasChange(
            alias="champion",
            action="promote",
            outcome="moved",
            from_version=current.version if current else None,
            to_version=version,
            actor="test",
        ),
    )


def test_a_version_is_scored_on_the_held_out_rows_only() -> None:
    # given
    world = World()
    world.register()
    held_out = TABLE[TABLE["day"] >= HELD_OUT]
    train_mean = TABLE[TABLE["day"] < HELD_OUT]["rides"].mean()

    # when
    result = world.evaluation().evaluate(evaluation_request())

    # then
    expected = compute_metrics(
        ("rmse", "mae", "r2", "mape"), held_out["rides"], np.full(len(held_out), train_mean)
    )
    assert result.n_rows == len(held_out)
    assert result.metrics == pytest.approx(expected)
    assert result.data_digest == table_digest(held_out)


def test_the_run_holds_metrics_lineage_gate_checks_and_residuals() -> None:
    # given
    world = World()
    world.register()

    # when
    result = world.evaluation().evaluate(evaluation_request())

    # then
    run = world.tracker.get_run(result.run_id)
    assert run.status is RunStatus.FINISHED
    assert run.tags["podium.job"] == "evaluation"
    assert run.tags["podium.gate"] == "passed"
    assert run.metrics["holdout_rmse"] == pytest.approx(result.metrics["rmse"])
    assert run.params["podium.model.version"] == "1"
    assert [(d.uri, d.context, d.rows) for d in run.datasets] == [(URI, "evaluation", 15)]
    gate = world.tracker.tables[(result.run_id, "gate.json")]
    assert list(zip(gate["metric"], gate["rule"], gate["passed"], strict=True)) == [
        ("rmse", "max", True),
        ("rmse", "max_worse", True),
        ("r2", "max_worse", True),
    ]
    residuals = world.tracker.tables[(result.run_id, "residuals.json")]
    assert residuals["rows"].sum() == 15


def test_without_a_champion_relative_thresholds_pass_saying_so() -> None:
    # given
    world = World()
    world.register()

    # when
    result = world.evaluation().evaluate(evaluation_request())

    # then
    assert result.champion_version is None
    assert result.champion_metrics is None
    assert result.verdict.passed
    assert "no champion to compare" in [c.reason for c in result.checks][1]


def test_the_champion_is_scored_on_the_same_rows_and_a_worse_challenger_refused() -> None:
    # given: the champion predicts the training mean, the challenger 30 rides more
    world = World()
    crown(world, world.register())
    challenger = world.register(shift=30)

    # when
    result = world.evaluation().evaluate(
        evaluation_request(model=ModelRef(name=NAME, version=challenger))
    )

    # then
    assert result.champion_version == 1
    assert result.champion_metrics is not None
    assert result.metrics["rmse"] > result.champion_metrics["rmse"]
    assert not result.verdict.passed
    assert any("worse than the champion's" in r for r in result.verdict.reasons)
    run = world.tracker.get_run(result.run_id)
    assert run.tags["podium.gate"] == "refused"
    assert run.metrics["champion_holdout_rmse"] == pytest.approx(result.champion_metrics["rmse"])


def test_a_better_challenger_passes_against_the_champion() -> None:
    # given: the champion is 30 rides off, the challenger is not
    world = World()
    crown(world, world.register(shift=30))
    challenger = world.register()

    # when
    result = world.evaluation().evaluate(
        evaluation_request(model=ModelRef(name=NAME, version=challenger))
    )

    # then
    assert result.verdict.passed
    assert [c.rule for c in result.checks if c.limit is not None] == [
        "max",
        "max_worse",
        "max_worse",
    ]


def test_a_version_can_be_named_by_its_alias() -> None:
    # given
    world = World()
    world.register()
    crown(world, world.register(shift=5))

    # when
    result = world.evaluation().evaluate(
        evaluation_request(model=ModelRef(name=NAME, alias="champion"))
    )

    # then
    assert (result.model_version, result.champion_version) == (2, 2)
    assert result.champion_metrics == result.metrics


def test_the_table_a_version_was_trained_from_is_refused_before_any_run() -> None:
    # given: no window, so the rows are the whole table the version was trained from
    world = World()
    world.register()

    # when / then
    with pytest.raises(ConfigError, match="these rows are the table model rides version 1"):
        world.evaluation().evaluate(evaluation_request(data=TableSlice(uri=URI)))
    assert world.tracker.runs == {}


def test_the_training_table_is_scored_when_explicitly_allowed() -> None:
    # given
    world = World()
    world.register()

    # when
    result = world.evaluation().evaluate(
        evaluation_request(data=TableSlice(uri=URI), allow_training_data=True)
    )

    # then
    assert result.n_rows == len(TABLE)


def test_rows_the_champion_was_trained_from_are_refused_naming_the_champion() -> None:
    # given: a champion trained from exactly the held-out rows
    world = World()
    held_out = TABLE[TABLE["day"] >= HELD_OUT]
    world.storage.write(held_out, "memory://held_out.parquet")
    crown(world, world.register(trained_on=TABLE.assign(day=TABLE["day"] - pd.Timedelta("99D"))))
    world.registry.versions[NAME][0][0].tags["podium.data.digest"] = table_digest(
        held_out.reset_index(drop=True)
    )
    challenger = world.register()

    # when / then
    with pytest.raises(ConfigError, match="champion rides version 1"):
        world.evaluation().evaluate(
            evaluation_request(
                model=ModelRef(name=NAME, version=challenger),
                data=TableSlice(uri="memory://held_out.parquet"),
            )
        )


@pytest.mark.parametrize(
    ("drop", "message"),
    [("rides", r"\['rides'\]"), ("temp", r"\['temp'\]")],
    ids=["target", "feature"],
)
def test_rows_lacking_the_target_or_a_feature_are_refused_before_any_run(
    drop: str, message: str
) -> None:
    # given
    world = World()
    world.register()
    world.storage.write(TABLE.drop(columns=drop), "memory://lacking.parquet")
    spec = (
        DatasetSpec(target="rides", time_column="day", drop=("temp",)) if drop == "temp" else SPEC
    )

    # when / then
    with pytest.raises(DataSchemaError, match=message):
        world.evaluation().evaluate(
            evaluation_request(
                data=TableSlice(uri="memory://lacking.parquet", time_from=HELD_OUT), dataset=spec
            )
        )
    assert world.tracker.runs == {}


def test_an_unknown_version_or_unset_alias_is_a_registry_error() -> None:
    # given
    world = World()
    world.register()

    # when / then
    with pytest.raises(RegistryError, match="no version 7"):
        world.evaluation().evaluate(evaluation_request(model=ModelRef(name=NAME, version=7)))
    with pytest.raises(RegistryError, match="no alias 'challenger'"):
        world.evaluation().evaluate(
            evaluation_request(model=ModelRef(name=NAME, alias="challenger"))
        )


def test_a_model_of_a_framework_podium_lacks_is_a_model_error_naming_it() -> None:
    # given
    world = World()
    world.register()
    service = type(world.evaluation())(
        storage=world.storage, tracker=world.tracker, registry=world.registry, frameworks={}
    )

    # when / then
    with pytest.raises(ModelError, match="'memory'"):
        service.evaluate(evaluation_request())
    assert world.tracker.runs == {}


def test_a_classifier_is_scored_with_classification_metrics_and_a_confusion_table() -> None:
    # given
    world = World()
    table = TABLE.assign(busy=np.where(TABLE["rides"] > 130, "yes", "no"))
    world.storage.write(table, "memory://busy.parquet")
    train = table[table["day"] < HELD_OUT]
    model = world.framework.fit(
        train[["temp"]],
        train["busy"],
        kinds={"temp": FeatureKind.NUMERIC},
        task=Task.CLASSIFICATION,
        params={},
    )
    world.registry.register(model, name="busy", run_id="r", input_example=train)
    spec = DatasetSpec(target="busy", task=Task.CLASSIFICATION, time_column="day", drop=("rides",))

    # when
    result = world.evaluation().evaluate(
        evaluation_request(
            model=ModelRef(name="busy"),
            data=TableSlice(uri="memory://busy.parquet", time_from=HELD_OUT),
            dataset=spec,
            gate=QualityGate({"accuracy": Threshold(min=0.0)}),
        )
    )

    # then
    assert set(result.metrics) == {"accuracy", "f1", "roc_auc", "log_loss"}
    confusion = world.tracker.tables[(result.run_id, "confusion.json")]
    assert confusion["rows"].sum() == 15
