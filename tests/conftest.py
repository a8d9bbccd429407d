"""Shared test fixtures: the repository, a migrated MLflow store to copy, S3 on 127.0.0.1."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from podium.adapters.cloudpath.tables import CloudPathTableStore

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_DATA = ROOT / "data" / "bike_sharing_hourly.parquet"
# moto accepts any keys; passing them explicitly keeps the developer's AWS setup out of the tests.
ACCESS_KEY = "contract-test-key"
SECRET_KEY = "contract-test-secret"

# One thread per native pool: multi-threaded fits (OpenMP in scikit-learn and LightGBM) stall
# on a loaded 2-core machine. Set before any of those libraries is imported.
os.environ["OMP_NUM_THREADS"] = "1"

# Tests must never talk to a tracking server a developer happens to have configured.
os.environ.pop("MLFLOW_TRACKING_URI", None)
os.environ.pop("MLFLOW_REGISTRY_URI", None)

# What a test could leave in the repository by using a default location (MLflow's ./mlruns, the
# local stack's .podium, a job's outputs): tests write only under their temporary folders.
_STRAY = ("mlruns", "mlartifacts", ".podium", "outputs", "podium.schema.json")
_BEFORE: dict[str, bool] = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    _BEFORE.update({name: (ROOT / name).exists() for name in _STRAY})


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    left = [name for name in _STRAY if (ROOT / name).exists() and not _BEFORE.get(name, True)]
    if left:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print(f"\ntests left {', '.join(left)} in {ROOT}: write under tmp_path instead")


@pytest.fixture(scope="session")
def mlflow_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated MLflow SQLite store, made once per session: migrating one costs seconds.

    Copy it per test (`shutil.copy(mlflow_template, tmp_path / "mlflow.db")`) for a fresh store.
    """
    from podium.adapters.mlflow.registry import MlflowModelRegistry

    path = tmp_path_factory.getbasetemp() / "mlflow-template" / "mlflow.db"
    MlflowModelRegistry(f"sqlite:///{path}").list_versions("migrate")
    return path


class MotoS3:
    """An S3 server on 127.0.0.1 and an admin client that sees its raw objects."""

    def __init__(self, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url
        self._client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def new_bucket(self) -> str:
        name = f"contract-{uuid.uuid4().hex[:16]}"
        self._client.create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        listing = self._client.list_objects_v2(Bucket=bucket)
        return sorted(entry["Key"] for entry in listing.get("Contents", []))

    def put(self, bucket: str, key: str, data: bytes) -> None:
        self._client.put_object(Bucket=bucket, Key=key, Body=data)

    def environment(self) -> dict[str, str]:
        """The AWS variables that point default S3 clients (boto3, cloudpathlib) here."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def store(self) -> CloudPathTableStore:
        return CloudPathTableStore(
            self.endpoint_url, s3_access_key_id=ACCESS_KEY, s3_secret_access_key=SECRET_KEY
        )


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[MotoS3]:
    """moto's S3 server on 127.0.0.1 for the session, stopped at its end."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield MotoS3(f"http://{host}:{port}")
    finally:
        server.stop()
