"""One behaviour for a saved model wherever it runs: the same rows, with `None`, NaN, pandas
categories, nullable dtypes and categories never seen at fit time, predict the same through
podium, through `mlflow.pyfunc.load_model(...).predict` and through a real `mlflow models serve`
on 127.0.0.1, for LightGBM and scikit-learn, regression and classification; a classifier's
probabilities come out of all three with class names.
"""

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow.artifacts
import mlflow.pyfunc
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow.models import Model
from mlflow.pyfunc import PyFuncModel

import podium
from podium.adapters.lightgbm.framework import LightGBMFramework
from podium.adapters.mlflow.registry import MlflowModelRegistry
from podium.adapters.sklearn.framework import SklearnFramework
from podium.domain.dataset import Task, feature_kinds
from podium.ports import ModelFramework
from support_mlflow import free_port, stop_server, wait_until_up

ROWS = 300
MODELS = {
    "lightgbm-regression": (Task.REGRESSION, "lightgbm"),
    "lightgbm-classification": (Task.CLASSIFICATION, "lightgbm"),
    "sklearn-regression": (Task.REGRESSION, "sklearn"),
    "sklearn-classification": (Task.CLASSIFICATION, "sklearn"),
}
CLASSIFIERS = [name for name, (task, _kind) in MODELS.items() if task is Task.CLASSIFICATION]
ESTIMATORS = {
    Task.REGRESSION: "sklearn.ensemble.HistGradientBoostingRegressor",
    Task.CLASSIFICATION: "sklearn.ensemble.HistGradientBoostingClassifier",
}


def training_table(seed: int = 0) -> pd.DataFrame:
    """Features with gaps in every column but `hour`, in the dtypes of a careful host: str,
    category and nullable boolean; the target `y` and the label `band` of its upper half."""
    rng = np.random.default_rng(seed)
    gaps = [rng.random(ROWS) < 0.1 for _ in range(4)]
    temp = rng.normal(size=ROWS)
    city = rng.choice(["Lyon", "Oslo", "Porto"], size=ROWS)
    weather = rng.choice(["sun", "rain", "fog"], size=ROWS)
    member = rng.random(ROWS) < 0.5
    hour = rng.integers(0, 24, size=ROWS)
    y = (
        3 * np.nan_to_num(temp)
        + hour / 5
        + 2 * (city == "Oslo")
        + (weather == "rain")
        + member
        + rng.normal(scale=0.2, size=ROWS)
    )
    table = pd.DataFrame(
        {
            "temp": np.where(gaps[0], np.nan, temp),
            "hour": hour,
            "city": pd.Series(city, dtype="str").mask(gaps[1]),
            "weather": pd.Series(weather).mask(gaps[2]).astype("category"),
            "member": pd.Series(member, dtype="boolean").mask(gaps[3]),
        }
    )
    return table.assign(y=y, band=np.where(y > np.median(y), "busy", "calm"))


FEATURES = ["temp", "hour", "city", "weather", "member"]


def rows_as_read() -> pd.DataFrame:
    """Rows to score as pandas 2's `read_parquet` gives them: `None` in object columns, a
    number column of objects, categories and a boolean never seen with these neighbours."""
    return pd.DataFrame(
        {
            "temp": pd.Series([0.5, None, np.nan, 1.0, -1.0, 2.0, 0.0, 0.3], dtype=object),
            "hour": [1, 5, 23, 0, 12, 7, 3, 9],
            "city": pd.Series(
                ["Lyon", None, np.nan, "Atlantis", "Oslo", "Porto", None, "Lyon"], dtype=object
            ),
            "weather": pd.Series(
                ["sun", None, "hail", "rain", np.nan, "fog", "sun", None], dtype=object
            ),
            "member": pd.Series([True, None, False, None, True, False, True, None], dtype=object),
        }
    )


def rows_as_categories() -> pd.DataFrame:
    """The same rows with pandas `category` columns."""
    rows = rows_as_read()
    return rows.assign(
        temp=rows["temp"].astype("float64"),
        city=rows["city"].astype("category"),
        weather=rows["weather"].astype("category"),
    )


def rows_as_nullable() -> pd.DataFrame:
    """The same rows in pandas' nullable dtypes, gaps as `pd.NA`."""
    rows = rows_as_read()
    return rows.assign(
        temp=rows["temp"].astype("Float64"),
        hour=rows["hour"].astype("Int64"),
        city=rows["city"].astype("string"),
        weather=rows["weather"].astype("string"),
        member=rows["member"].astype("boolean"),
    )


VARIANTS = {
    "as-read": rows_as_read,
    "categories": rows_as_categories,
    "nullable": rows_as_nullable,
}


@dataclass(frozen=True)
class Served:
    """A registered model and the URL of the `mlflow models serve` that serves it."""

    name: str
    task: Task
    url: str


@dataclass(frozen=True)
class Store:
    tracking_uri: str
    folder: Path
    models: Mapping[str, Served]

    def model_folder(self, name: str) -> Path:
        """The files of version 1 of `name`, downloaded as any MLflow user would."""
        uri = MlflowClient(self.tracking_uri).get_model_version_download_uri(name, "1")
        local = self.folder / "downloads" / name
        local.mkdir(parents=True, exist_ok=True)
        return Path(
            mlflow.artifacts.download_artifacts(
                artifact_uri=uri, dst_path=str(local), tracking_uri=self.tracking_uri
            )
        )


def _framework(kind: str, task: Task) -> ModelFramework:
    return LightGBMFramework() if kind == "lightgbm" else SklearnFramework(ESTIMATORS[task])


def _params(kind: str) -> dict[str, Any]:
    if kind == "lightgbm":
        return {"n_estimators": 30, "n_jobs": 1, "random_state": 3, "min_child_samples": 5}
    return {"max_iter": 30, "random_state": 3}


def _register(
    registry: MlflowModelRegistry, client: MlflowClient, name: str, artifacts: Path
) -> None:
    task, kind = MODELS[name]
    table = training_table()
    target = table["y"] if task is Task.REGRESSION else table["band"]
    kinds = feature_kinds(table, FEATURES, source="memory://train")
    model = _framework(kind, task).fit(table, target, kinds=kinds, task=task, params=_params(kind))
    experiment = client.create_experiment(name, artifact_location=str(artifacts / name))
    run = client.create_run(experiment).info.run_id
    registry.register(model, name=name, run_id=run, input_example=table.head(5))
    client.set_terminated(run)


def _start_server(
    model_uri: str, folder: Path, tracking_uri: str
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        *(sys.executable, "-m", "mlflow", "models", "serve", "-m", model_uri),
        *("--env-manager", "local", "--host", "127.0.0.1", "--port", str(port)),
        *("--workers", "1"),
    ]
    with (folder / "server.log").open("wb") as log:
        # A session of its own, so that stopping it stops the workers it starts too.
        server = subprocess.Popen(
            command,
            # The server runs `uvicorn` by name: find it next to this interpreter.
            env={
                **os.environ,
                "MLFLOW_TRACKING_URI": tracking_uri,
                "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return server, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, mlflow_template: Path) -> Iterator[Store]:
    """The four models registered in one SQLite store, each served by its own
    `mlflow models serve`; the servers start together and stop at the end of the module."""
    folder = tmp_path_factory.mktemp("parity")
    shutil.copy(mlflow_template, folder / "mlflow.db")
    tracking_uri = f"sqlite:///{folder / 'mlflow.db'}"
    registry = MlflowModelRegistry(tracking_uri)
    client = MlflowClient(tracking_uri)
    for name in MODELS:
        _register(registry, client, name, folder / "artifacts")
    with ExitStack() as servers:
        started = {}
        for name in MODELS:
            server, url = _start_server(f"models:/{name}/1", folder / name, tracking_uri)
            servers.callback(stop_server, server)
            started[name] = (server, url)
        for name, (server, url) in started.items():
            wait_until_up(
                f"{url}/ping", server, folder / name / "server.log", "mlflow models serve"
            )
        yield Store(
            tracking_uri=tracking_uri,
            folder=folder,
            models={
                name: Served(name=name, task=MODELS[name][0], url=url)
                for name, (_server, url) in started.items()
            },
        )


def _podium(store: Store, name: str, rows: pd.DataFrame) -> pd.DataFrame:
    stack = podium.StackSettings.model_validate(
        {
            "storage": {"kind": "memory"},
            "tracker": {"kind": "memory"},
            "registry": {"kind": "mlflow", "tracking_uri": store.tracking_uri},
            "model": {"kind": "sklearn", "estimator": ESTIMATORS[MODELS[name][0]]},
        }
    )
    return podium.Lifecycle(stack=stack).predict(f"{name}/1", rows)


def _pyfunc(store: Store, name: str) -> PyFuncModel:
    loaded: PyFuncModel = mlflow.pyfunc.load_model(str(store.model_folder(name)))
    return loaded


def _predict(
    model: PyFuncModel, rows: pd.DataFrame, params: dict[str, Any] | None = None
) -> pd.DataFrame:
    predicted = model.predict(rows.copy(), params=params)
    assert isinstance(predicted, pd.DataFrame)
    return predicted


def _served(url: str, rows: pd.DataFrame, params: Mapping[str, str] | None = None) -> pd.DataFrame:
    split = json.loads(rows.to_json(orient="split", index=False))
    body: dict[str, Any] = {"dataframe_split": split}
    if params:
        body["params"] = dict(params)
    request = urllib.request.Request(
        f"{url}/invocations",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return pd.DataFrame(json.loads(answer.read())["predictions"])


def _probabilities(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.filter(like="proba_").reset_index(drop=True)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_podium_and_pyfunc_predict_the_same_on_the_same_rows(
    store: Store, name: str, variant: str
) -> None:
    # given
    rows = VARIANTS[variant]()
    model = _pyfunc(store, name)

    # when
    ours = _podium(store, name, rows)
    theirs = _predict(model, rows)

    # then
    assert list(theirs.columns) == ["prediction"]
    np.testing.assert_array_equal(theirs["prediction"].to_numpy(), ours["prediction"].to_numpy())
    if store.models[name].task is Task.CLASSIFICATION:
        proba = _predict(model, rows, {"predict_method": "predict_proba"})
        assert list(proba.columns) == ["proba_busy", "proba_calm"]
        pd.testing.assert_frame_equal(proba.reset_index(drop=True), _probabilities(ours))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MODELS))
def test_the_served_model_predicts_what_podium_does(store: Store, name: str) -> None:
    # given
    rows = rows_as_read()
    served = store.models[name]

    # when
    ours = _podium(store, name, rows)
    theirs = _served(served.url, rows)

    # then
    assert list(theirs.columns) == ["prediction"]
    np.testing.assert_array_equal(theirs["prediction"].to_numpy(), ours["prediction"].to_numpy())


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", [n for n, (task, _kind) in MODELS.items() if task is Task.CLASSIFICATION]
)
def test_a_served_classifier_gives_probabilities_with_class_names(store: Store, name: str) -> None:
    # given
    rows = rows_as_read()

    # when
    ours = _podium(store, name, rows)
    theirs = _served(store.models[name].url, rows, {"predict_method": "predict_proba"})

    # then
    assert list(theirs.columns) == ["proba_busy", "proba_calm"]
    pd.testing.assert_frame_equal(theirs, _probabilities(ours))


@pytest.mark.slow
def test_the_signature_names_the_output_and_requires_every_feature(store: Store) -> None:
    # given
    folder = store.model_folder("lightgbm-classification")

    # when
    mlmodel = Model.load(str(folder))

    # then
    signature = mlmodel.signature
    assert signature is not None
    inputs = {
        spec.name: (spec.to_dict()["type"], spec.required) for spec in signature.inputs.inputs
    }
    assert inputs == {
        "temp": ("double", True),
        "hour": ("long", True),
        "city": ("any", True),
        "weather": ("any", True),
        "member": ("any", True),
    }
    assert signature.outputs.input_names() == ["prediction"]
    assert signature.params is not None
    assert [(p.name, p.default) for p in signature.params.params] == [("predict_method", "predict")]
