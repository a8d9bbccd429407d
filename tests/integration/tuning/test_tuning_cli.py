"""`podium run configs/tuning.yaml` end to end: the search, its record, and the overlay that
training takes as it is."""

import re
import shutil
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT
from podium.adapters.mlflow.registry import MlflowModelRegistry
from podium.adapters.mlflow.tracking import MlflowExperimentTracker
from podium.cli import main
from podium.config.loading import load_config, validate
from podium.container import Container

TUNING = str(ROOT / "configs" / "tuning.yaml")
TRAINING = str(ROOT / "configs" / "training.yaml")
# A small, fast version of the example's search: two folds, few and small trees.
SMALL = [
    "tuner.n_trials=3",
    "job.folds.n_folds=2",
    "tuner.space.n_estimators.low=20",
    "tuner.space.n_estimators.high=40",
    "tuner.space.n_estimators.step=20",
    "tuner.space.num_leaves.high=31",
]


class Stack:
    """A fresh local MLflow store and an output folder for one test, and the --set lines."""

    def __init__(self, template: Path, folder: Path) -> None:
        shutil.copy(template, folder / "mlflow.db")
        self.uri = f"sqlite:///{folder / 'mlflow.db'}"
        self.overlay = folder / "outputs" / "best_params.yaml"
        self.overrides = [
            f"tracker.tracking_uri={self.uri}",
            f"tracker.artifact_location={folder / 'artifacts'}",
            f"job.output.best_params={self.overlay}",
        ]

    def argv(self, *configs: str, extra: typing.Sequence[str] = ()) -> list[str]:
        sets = [*self.overrides, *extra]
        if configs[0] == TRAINING:
            sets = [*sets[:2], "model.params.n_jobs=1"]
        return ["run", *configs, *(arg for item in sets for arg in ("--set", item))]


@pytest.fixture
def stack(mlflow_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Stack:
    monkeypatch.chdir(ROOT)  # the configs name the example data by its path in the repository
    return Stack(mlflow_template, tmp_path)


def test_the_example_search_prints_the_best_and_writes_an_overlay_training_takes(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    # when
    tuned = main(stack.argv(TUNING, extra=SMALL))
    out = capsys.readouterr().out
    trained = main(stack.argv(TRAINING, str(stack.overlay)))

    # then: the search ran its three trials on the rows training does not hold out
    assert tuned == 0, capsys.readouterr().err
    assert re.search(r"tuning run \w+: 3 trials \(\d complete, \d pruned, 0 failed\)", out)
    assert "on 13891 rows, 2 folds" in out
    best = float(re.search(r"best cv rmse ([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    assert 30 < best < 300
    assert f"wrote {stack.overlay}" in out
    # the overlay holds the best params, headed by where they come from
    text = stack.overlay.read_text()
    params = yaml.safe_load(text)["model"]["params"]
    assert text.startswith("# Best params of podium tuning run")
    assert set(params) == {
        "learning_rate",
        "n_estimators",
        "num_leaves",
        "min_child_samples",
        "colsample_bytree",
        "reg_lambda",
    }
    assert f"best params: learning_rate={params['learning_rate']}" in out
    # and training took them as they are
    assert trained == 0, capsys.readouterr().err
    version = MlflowModelRegistry(stack.uri).get_version("bike-sharing", 1)
    run = MlflowExperimentTracker(stack.uri).get_run(str(version.run_id))
    for name, value in params.items():
        assert run.params[name] == str(value)


def test_the_search_run_holds_the_settings_the_best_params_and_the_trials_table(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    # when
    code = main(stack.argv(TUNING, extra=[*SMALL, "tuner.kind=random"]))

    # then
    out = capsys.readouterr().out
    assert code == 0
    run_id = re.search(r"tuning run (\w+)", out).group(1)  # type: ignore[union-attr]
    run = MlflowExperimentTracker(stack.uri).get_run(run_id)
    assert run.experiment == "bike-sharing-tuning"
    assert run.params["podium.tuner.kind"] == "random"
    assert run.params["podium.metric"] == "rmse"
    assert run.params["max_depth"] == "10"
    assert "best.learning_rate" in run.params
    assert run.metrics["trials_complete"] == 3
    assert "trials.json" in run.tables


def test_validate_checks_the_space_against_the_model(capsys: pytest.CaptureFixture[str]) -> None:
    # when
    good = main(["validate", TUNING])
    bad = main(["validate", TUNING, "--set", "tuner.space.num_leavs.choices=[15]"])

    # then
    captured = capsys.readouterr()
    assert (good, bad) == (0, 2)
    assert "ok: a valid tuning config" in captured.out
    assert captured.err.strip() == (
        "podium: tuner.space.num_leavs: not a parameter of the lightgbm model"
    )


@pytest.mark.parametrize(
    ("tuner", "adapter"),
    [
        ({"kind": "grid", "space": {"num_leaves": {"choices": [15, 31]}}}, "SklearnGridTuner"),
        (
            {"kind": "random", "space": {"num_leaves": {"low": 15, "high": 31}}},
            "SklearnRandomTuner",
        ),
        ({"space": {"num_leaves": {"low": 15, "high": 31}}}, "OptunaTuner"),
    ],
)
def test_the_tuner_kind_picks_the_adapter(tuner: dict[str, object], adapter: str) -> None:
    # given
    tree = yaml.safe_load(Path(TUNING).read_text())
    settings = validate({**tree, "tuner": tuner})

    # when
    picked: Any = Container(stack=settings.stack).tuner()

    # then
    assert type(picked).__name__ == adapter


def test_help_imports_no_tuning_library() -> None:
    # given
    probe = (
        "import sys\n"
        "from podium.cli import main\n"
        "code = main(['--help'])\n"
        "print(code, sorted({'optuna', 'scipy', 'sqlalchemy'} & set(sys.modules)))\n"
    )

    # when
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )

    # then
    assert done.stdout.strip().splitlines()[-1] == "0 []"


def test_the_postgres_stack_points_the_study_at_the_database_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given
    url = "postgresql+psycopg2://podium@db.internal:5432/optuna"
    monkeypatch.setenv("PODIUM_OPTUNA_DB", url)
    stack = str(ROOT / "configs" / "stacks" / "tuning-postgres.yaml")

    # when
    settings = load_config([TUNING, stack])

    # then
    tuner: Any = settings.stack.tuner
    assert (tuner.kind, tuner.storage, tuner.study_name) == ("optuna", url, "bike-sharing-lgbm")
    assert tuner.space.names[0] == "learning_rate"
    assert Container(stack=settings.stack).tuner().settings()["storage"] == url
