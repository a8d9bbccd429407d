"""The ExperimentTracker contract: `ExperimentTrackerContract`."""

from collections.abc import Callable

import pandas as pd
import pytest

from podium.domain.errors import TrackingError
from podium.domain.model import DatasetLineage, RunStatus
from podium.ports import ExperimentTracker

TRAINING = DatasetLineage(uri="data/train.parquet", rows=120, digest="0123abcd", context="training")
HOLDOUT = DatasetLineage(
    uri="s3://bucket/holdout.parquet", rows=30, digest="4567ef01", context="evaluation"
)
IMPORTANCE = pd.DataFrame({"feature": ["temp", "hour"], "importance": [0.7, 0.3]})
PNG = b"\x89PNG\r\n\x1a\n"
UNKNOWN_RUN = "0" * 32
"""A run id no tracker handed out."""

CALLS_ON_A_RUN: dict[str, Callable[[ExperimentTracker, str], object]] = {
    "log_params": lambda t, r: t.log_params(r, {"a": 1}),
    "log_params (none)": lambda t, r: t.log_params(r, {}),
    "log_metrics": lambda t, r: t.log_metrics(r, {"rmse": 1.0}),
    "set_tags": lambda t, r: t.set_tags(r, {"a": "b"}),
    "log_table": lambda t, r: t.log_table(r, IMPORTANCE, "importance.json"),
    "log_figure": lambda t, r: t.log_figure(r, PNG, "drift.png"),
    "log_dataset": lambda t, r: t.log_dataset(r, TRAINING),
    "end_run": lambda t, r: t.end_run(r),
    "get_run": lambda t, r: t.get_run(r),
}


class ExperimentTrackerContract:
    """What every `ExperimentTracker` promises.

    Subclass it, under a name pytest collects, and define:

    - `experiment_tracker` (required): a fresh tracker holding no run.
    """

    def test_a_new_run_is_running_in_its_experiment_with_its_name_and_tags(
        self, experiment_tracker: ExperimentTracker
    ) -> None:
        # given
        tracker = experiment_tracker

        # when
        run_id = tracker.start_run("bikes", run_name="baseline", tags={"team": "forecast"})

        # then
        record = tracker.get_run(run_id)
        assert record.run_id == run_id
        assert record.experiment == "bikes"
        assert record.name == "baseline"
        assert record.status is RunStatus.RUNNING
        assert record.tags == {"team": "forecast"}
        assert (record.params, record.metrics, record.datasets, record.tables) == ({}, {}, (), ())
        assert record.parent_run_id is None

    def test_runs_in_the_same_experiment_are_distinct(
        self, experiment_tracker: ExperimentTracker
    ) -> None:
        # given
        tracker = experiment_tracker

        # when
        first = tracker.start_run("bikes", run_name="a")
        second = tracker.start_run("bikes", run_name="b")
        other = tracker.start_run("weather", run_name="c")

        # then
        assert len({first, second, other}) == 3
        assert [tracker.get_run(r).experiment for r in (first, second, other)] == [
            "bikes",
            "bikes",
            "weather",
        ]

    def test_params_are_stored_as_their_string_form(
        self, experiment_tracker: ExperimentTracker
    ) -> None:
        # given
        tracker = experiment_tracker
        run_id = tracker.start_run("bikes")

        # when
        tracker.log_params(run_id, {"learning_rate": 0.05, "max_depth": 6})
        tracker.log_params(run_id, {"features": ["temp", "hour"], "seed": None, "max_depth": 6})

        # then
        assert tracker.get_run(run_id).params == {
            "learning_rate": "0.05",
            "max_depth": "6",
            "features": "['temp', 'hour']",
            "seed": "None",
        }

    def test_a_logged_param_cannot_change_its_value(
        self, experiment_tracker: ExperimentTracker
    ) -> None:
        # given
        tracker = experiment_tracker
        run_id = tracker.start_run("bikes")
        tracker.log_params(run_id, {"max_depth": 6})

        # when / then
        with pytest.raises(TrackingError):
            tracker.log_params(run_id, {"max_depth": 8})
        assert tracker.get_run(run_id).params == {"max_depth": "6"}

    def test_a_metric_reports_the_value_logged_last(
        self, experiment_tracker: ExperimentTracker
    ) -> None:
        # given
        tracker = experiment_tracker
        run_id = tracker.start_run("bikes")

        # when
        tracker.log_metrics(run_id, {"rmse": 42.5, "r2": 0.8})
        tracker.log_metrics(run_id, {"rmse": 40.25})

        # then
        assert tracker.get_run(run_id).metrics == {"rmse": 40.25, "r2": 0.8}

    def test_tags_merge_and_the_last_value_wins(
        self, experiment_tracker: ExperimentTracker
    ) -> None:
        # given
        tracker = experiment_tracker
        run_id = tracker.start_run("bikes", tags={"team": "forecast"})

        # when
        tracker.set_tags(run_id, {"stage": "tuning", "data": "v1"})
        tracker.set_tags(run_id, {"data": "v2"})

        # then
        assert tracker.get_run(run_id).tags == {"team": "forecast", "stage": "tuning", "data": "v2"}

    def test_tables_are_listed_once_each_in_the_order_first_logged(
        self, experiment_tracker: ExperimentTracker
    ) -> None:
        # given
        tracker = experiment_tracker
        run_id = tracker.start_run("bikes")

        # when
        tracker.log_table(run_id, IMPORTANCE, "importance.json")
        tracker.log_table(run_id, IMPORTANCE.head(1), "reports/errors.parquet")
        tracker.log_table(run_id, IMPORTANCE, "importance.json")

        # then
        assert tracker.get_run(run_id).tables == ("importance.json", "reports/errors.parquet")

    @pytest.mark.parametrize(
        "name", ["importance.txt", "importance", "../importance.json", "/tmp/importance.json"]
    )
    def test_a_table_name_that_is_not_a_relative_json_csv_or_parquet_is_refused(
        self, experiment_tracker: ExperimentTracker, name: str
    ) -> None:
        # given
        tracker = experiment_tracker
        run_id = tracker.start_run("bikes")

        # when / then
        with pytest.raises(TrackingError):
            tracker.log_table(run_id, IMPORTANCE, name)
        assert tracker.get_run(run_id).tables == ()

    def test_figures_are_listed_once_each_in_the_order_first_logged(
        self, experiment_tracker: ExperimentTracker
    ) -> None:
        # given
        tracker = experiment_tracker
        run_id = tracker.start_run("bikes")

        # when
        tracker.log_figure(run_id, PNG, "drift.png")
        tracker.log_figure(run_id, PNG, "charts/importance.png")
        tracker.log_figure(run_id, PNG + b"again", "drift.png")

        # then
        record = tracker.get_run(run_id)
        assert record.figures == ("drift.png", "charts/importance.png")
        assert record.tables == ()

    @pytest.mark.parametrize("name", ["drift.jpg", "/tmp/drift.png", "../drift.png", "drift"])
    def test_a_figure_name_that_is_not_a_relative_png_is_refused(
        self, experiment_tracker: ExperimentTracker, name: str
    ) -> None:
        # given
        tracker = experiment_tracker
        run_id = tracker.start_run("bikes")

        # when / then
        with pytest.raises(TrackingError, match=r"\.png"):
            tracker.log_figure(run_id, PNG, name)

    def test_datasets_are_reported_with_their_lineage(
        self, experiment_tracker: ExperimentTracker
    ) -> None:
        # given
        tracker = experiment_tracker
        run_id = tracker.start_run("bikes")

        # when
        tracker.log_dataset(run_id, TRAINING)
        tracker.log_dataset(run_id, HOLDOUT)

        # then
        assert set(tracker.get_run(run_id).datasets) == {TRAINING, HOLDOUT}

    def test_a_dataset_reports_its_columns_and_a_later_one_of_its_context_replaces_it(
        self, experiment_tracker: ExperimentTracker
    ) -> None:
        # given
        tracker = experiment_tracker
        run_id = tracker.start_run("bikes", run_name="train bike-sharing lightgbm")
        typed = TRAINING.model_copy(
            update={"columns": (("dteday", "datetime"), ("temp", "double"), ("season", "string"))}
        )
        retyped = typed.model_copy(update={"digest": "89abcdef", "columns": (("temp", "long"),)})

        # when
        tracker.log_dataset(run_id, typed)
        first = tracker.get_run(run_id)
        tracker.log_dataset(run_id, retyped)

        # then
        assert first.name == "train bike-sharing lightgbm"
        assert first.datasets == (typed,)
        assert tracker.get_run(run_id).datasets == (retyped,)

    def test_no_param_tag_or_dataset_keeps_a_password_or_secret_query_value(
        self, experiment_tracker: ExperimentTracker
    ) -> None:
        # given
        tracker = experiment_tracker
        run_id = tracker.start_run("bikes")
        secret_uri = "s3://bucket/rides.parquet?X-Amz-Signature=hunter2"

        # when
        tracker.log_params(run_id, {"podium.input": "http://ana:hunter2@data.internal/rides"})
        tracker.set_tags(run_id, {"podium.output": secret_uri})
        tracker.log_dataset(run_id, TRAINING.model_copy(update={"uri": secret_uri}))

        # then
        run = tracker.get_run(run_id)
        assert run.params["podium.input"] == "http://***@data.internal/rides"
        assert run.tags["podium.output"] == "s3://bucket/rides.parquet?X-Amz-Signature=***"
        assert [d.uri for d in run.datasets] == [run.tags["podium.output"]]

    def test_a_nested_run_reports_its_parent(self, experiment_tracker: ExperimentTracker) -> None:
        # given
        tracker = experiment_tracker
        parent = tracker.start_run("tuning", run_name="study")

        # when
        child = tracker.start_run("tuning", run_name="trial-1", parent_run_id=parent)

        # then
        assert tracker.get_run(child).parent_run_id == parent
        assert tracker.get_run(parent).parent_run_id is None

    def test_a_run_cannot_nest_under_an_unknown_parent(
        self, experiment_tracker: ExperimentTracker
    ) -> None:
        # when / then
        with pytest.raises(TrackingError):
            experiment_tracker.start_run("tuning", parent_run_id="f" * 32)

    @pytest.mark.parametrize("status", [RunStatus.FINISHED, RunStatus.FAILED])
    def test_an_ended_run_reports_its_status(
        self, experiment_tracker: ExperimentTracker, status: RunStatus
    ) -> None:
        # given
        tracker = experiment_tracker
        run_id = tracker.start_run("bikes")

        # when
        tracker.end_run(run_id, status)

        # then
        assert tracker.get_run(run_id).status is status

    def test_end_run_finishes_the_run_by_default(
        self, experiment_tracker: ExperimentTracker
    ) -> None:
        # given
        tracker = experiment_tracker
        run_id = tracker.start_run("bikes")

        # when
        tracker.end_run(run_id)

        # then
        assert tracker.get_run(run_id).status is RunStatus.FINISHED

    @pytest.mark.parametrize("call", CALLS_ON_A_RUN.values(), ids=CALLS_ON_A_RUN.keys())
    def test_an_unknown_run_id_raises_tracking_error(
        self,
        experiment_tracker: ExperimentTracker,
        call: Callable[[ExperimentTracker, str], object],
    ) -> None:
        # given
        experiment_tracker.start_run("bikes")

        # when / then
        with pytest.raises(TrackingError):
            call(experiment_tracker, UNKNOWN_RUN)
