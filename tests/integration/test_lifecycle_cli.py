"""The model lifecycle from the command line on the local stack: train two versions, evaluate
both, promote the better, refuse the worse, roll back, list the history, and predict."""

import getpass
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from conftest import EXAMPLE_DATA, ROOT
from podium.cli import main
from podium.config.actor import current_actor

CONFIGS = ROOT / "configs"
HELD_OUT_FROM = pd.Timestamp("2012-09-01")
# A second, clearly weaker model: a tenth of the boosting rounds.
WEAKER = ["--set", "model.params.n_estimators=30"]


@dataclass
class Lifecycle:
    """A fresh local MLflow store, and `podium` run on it with a config of `configs/`."""

    overrides: list[str]
    capsys: pytest.CaptureFixture[str]

    def run(self, config: str, *extra: str) -> tuple[int, str, str]:
        code = main(["run", str(CONFIGS / config), *self.overrides, *extra])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err


@pytest.fixture
def lifecycle(
    mlflow_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Lifecycle:
    monkeypatch.chdir(ROOT)  # the configs name the example data by its path in the repository
    monkeypatch.setenv("PODIUM_USER", "ci-bot")
    shutil.copy(mlflow_template, tmp_path / "mlflow.db")
    overrides = [
        "--set",
        f"tracker.tracking_uri=sqlite:///{tmp_path / 'mlflow.db'}",
        "--set",
        f"tracker.artifact_location={tmp_path / 'artifacts'}",
        "--set",
        "model.params.n_jobs=1",
    ]
    return Lifecycle(overrides, capsys)


def versions_of(out: str) -> int:
    found = re.search(r"registered bike-sharing version (\d+)", out)
    assert found, out
    return int(found.group(1))


def rmse_of(out: str, line: str) -> float:
    found = re.search(rf"^{line}\s.*?rmse ([0-9.]+)", out, flags=re.MULTILINE)
    assert found, out
    return float(found.group(1))


def test_train_evaluate_promote_refuse_roll_back_and_list_the_history(
    lifecycle: Lifecycle,
) -> None:
    # given: two versions, the second clearly weaker
    assert versions_of(lifecycle.run("training.yaml")[1]) == 1
    assert versions_of(lifecycle.run("training.yaml", *WEAKER)[1]) == 2

    # when: both are evaluated on the held-out rows
    first = lifecycle.run("evaluation.yaml", "--set", "job.model_version=1")
    second = lifecycle.run("evaluation.yaml", "--set", "job.model_version=2")

    # then
    assert (first[0], second[0]) == (0, 0)
    assert "on 2888 rows" in first[1]
    assert rmse_of(first[1], "model") < rmse_of(second[1], "model")
    # and the whole table, which the versions were trained from, is refused
    unwindowed = lifecycle.run("evaluation.yaml", "--set", "job.data.time_from=null")
    assert unwindowed[0] == 2
    assert "these rows are the table model bike-sharing version 2 was trained from" in unwindowed[2]

    # when: the better one is promoted, then the worse one
    promoted = lifecycle.run("promotion.yaml", "--set", "job.model_version=1")
    refused = lifecycle.run("promotion.yaml", "--set", "job.model_version=2")

    # then
    assert promoted[0] == 0, promoted
    assert "promoted bike-sharing version 1 to champion (was none)" in promoted[1]
    assert refused[0] == 3, refused
    assert "refused: bike-sharing@champion stays at version 1" in refused[1]
    assert "worse than the champion's" in refused[1]

    # when: rolled back, and the history listed
    rolled = lifecycle.run("promotion.yaml", "--set", "job.action=rollback")
    history = lifecycle.run("promotion.yaml", "--set", "job.action=history")

    # then
    assert rolled[0] == 0
    assert "rolled back bike-sharing@champion from version 1 to none" in rolled[1]
    assert history[0] == 0
    lines = history[1].strip().splitlines()
    assert lines[0] == "bike-sharing@champion: 3 recorded change(s)"
    assert re.search(r"^\s+1 .* promote\s+moved none -> version 1 by ci-bot run \w+$", lines[1])
    assert re.search(
        r"^\s+2 .* promote\s+refused version 1 -> version 2 by ci-bot run \w+: refused by the"
        r" gate: ",
        lines[2],
    )
    assert re.search(r"^\s+3 .* rollback moved version 1 -> none by ci-bot", lines[3])
    # and a second rollback has nothing left to undo
    again = lifecycle.run("promotion.yaml", "--set", "job.action=rollback")
    assert again[0] == 1
    assert "no recorded promotion to roll back" in again[2]


def test_inference_writes_one_prediction_per_row_or_nothing(
    lifecycle: Lifecycle, tmp_path: Path
) -> None:
    # given: a champion, an input lacking a feature column and a good one
    lifecycle.run("training.yaml")
    assert lifecycle.run("promotion.yaml", "--set", "job.model_version=1")[0] == 0
    example = pd.read_parquet(EXAMPLE_DATA)
    lacking = tmp_path / "lacking.parquet"
    example.drop(columns="temp").to_parquet(lacking)
    out = tmp_path / "outputs"

    # when
    bad = lifecycle.run(
        "inference.yaml",
        "--set",
        f"job.input.uri={lacking}",
        "--set",
        f"job.outputs.uri={out / 'bad.parquet'}",
    )
    good = lifecycle.run(
        "inference.yaml", "--set", f"job.outputs.uri={out / 'predictions.parquet'}"
    )

    # then: the bad input names the column and writes nothing
    assert bad[0] == 1
    assert "['temp']" in bad[2]
    assert len(bad[2].strip().splitlines()) == 1
    # and the good one writes one prediction per held-out row, ids kept, in input order
    assert good[0] == 0, good
    assert "wrote 2888 predictions" in good[1]
    assert [p.name for p in out.iterdir()] == ["predictions.parquet"]
    written = pd.read_parquet(out / "predictions.parquet")
    held_out = example[example["dteday"] >= HELD_OUT_FROM].reset_index(drop=True)
    assert list(written.columns) == ["dteday", "hr", "predicted_cnt"]
    pd.testing.assert_frame_equal(written[["dteday", "hr"]], held_out[["dteday", "hr"]])
    assert written["predicted_cnt"].notna().all()


def test_who_moves_an_alias_comes_from_podium_user_else_the_login_name() -> None:
    # when / then
    assert current_actor({"PODIUM_USER": "ana"}) == "ana"
    assert current_actor({"PODIUM_USER": "  "}) == getpass.getuser()
    assert current_actor({}) == getpass.getuser()
