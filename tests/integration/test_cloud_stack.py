"""The cloud stack for real: an `mlflow server` (SQLite database, S3 artifacts) and moto's S3,
both on 127.0.0.1, and the whole lifecycle run against them with inputs and outputs on S3."""

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from mlflow import MlflowClient

from conftest import EXAMPLE_DATA, ROOT, MotoS3
from podium.cli import main
from support_mlflow import mlflow_server

CONFIGS = ROOT / "configs"

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class CloudStack:
    """The tracking server's URL, the bucket it keeps artifacts in, and the S3 behind it."""

    tracking_uri: str
    bucket: str
    s3: MotoS3

    def environment(self) -> dict[str, str]:
        """What `configs/stacks/cloud.yaml` and MLflow's S3 client read."""
        return {
            **self.s3.environment(),
            "PODIUM_TRACKING_URI": self.tracking_uri,
            "PODIUM_BUCKET": self.bucket,
            "PODIUM_S3_ENDPOINT_URL": self.s3.endpoint_url,
            "MLFLOW_S3_ENDPOINT_URL": self.s3.endpoint_url,
        }


@pytest.fixture(scope="module")
def cloud_stack(
    moto_s3: MotoS3, mlflow_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CloudStack]:
    """An `mlflow server` on 127.0.0.1 with a SQLite database and artifacts in a moto bucket."""
    folder = tmp_path_factory.mktemp("mlflow-server")
    bucket = moto_s3.new_bucket()
    environment = {**moto_s3.environment(), "MLFLOW_S3_ENDPOINT_URL": moto_s3.endpoint_url}
    with mlflow_server(folder, mlflow_template, f"s3://{bucket}/mlflow", environment) as url:
        yield CloudStack(url, bucket, moto_s3)


def test_the_lifecycle_runs_against_an_mlflow_server_and_s3(
    cloud_stack: CloudStack,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given: the example data on S3, and the environment the cloud stack reads
    for name, value in cloud_stack.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PODIUM_USER", "ci-bot")
    monkeypatch.chdir(ROOT)
    bucket = cloud_stack.bucket
    data = f"s3://{bucket}/data/bike_sharing_hourly.parquet"
    cloud_stack.s3.put(bucket, "data/bike_sharing_hourly.parquet", EXAMPLE_DATA.read_bytes())
    stack = str(CONFIGS / "stacks" / "cloud.yaml")

    def podium(config: str, *overrides: str) -> tuple[int, str]:
        argv = ["run", str(CONFIGS / config), stack, "--set", "model.params.n_jobs=1"]
        for override in overrides:
            argv += ["--set", override]
        code = main(argv)
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    # when: two versions trained from S3, evaluated, promoted, refused, rolled back
    trained = [
        podium("training.yaml", f"job.data={data}"),
        podium("training.yaml", f"job.data={data}", "model.params.n_estimators=30"),
    ]
    evaluated = [
        podium("evaluation.yaml", f"job.data.uri={data}", f"job.model_version={v}") for v in (1, 2)
    ]
    gate = f"job.evaluation.data.uri={data}"
    promoted = podium("promotion.yaml", gate, "job.model_version=1")
    refused = podium("promotion.yaml", gate, "job.model_version=2")
    rolled = podium("promotion.yaml", "job.action=rollback")
    history = podium("promotion.yaml", "job.action=history")

    # then
    assert [code for code, _ in trained] == [0, 0], trained
    assert "registered bike-sharing version 2" in trained[1][1]
    assert [code for code, _ in evaluated] == [0, 0], evaluated
    assert promoted[0] == 0, promoted
    assert refused[0] == 3, refused
    assert "stays at version 1" in refused[1]
    assert rolled[0] == 0, rolled
    assert "bike-sharing@champion: 3 recorded change(s)" in history[1]
    assert "refused version 1 -> version 2 by ci-bot" in history[1]

    # when: promoted again, then inference on S3 with a good and a bad input
    assert podium("promotion.yaml", gate, "job.model_version=1")[0] == 0
    example = pd.read_parquet(EXAMPLE_DATA)
    buffer = io.BytesIO()
    example.drop(columns="hum").to_parquet(buffer)
    cloud_stack.s3.put(bucket, "data/lacking.parquet", buffer.getvalue())
    bad = podium(
        "inference.yaml",
        f"job.input.uri=s3://{bucket}/data/lacking.parquet",
        f"job.outputs.uri=s3://{bucket}/outputs/bad.parquet",
    )
    good = podium(
        "inference.yaml",
        f"job.input.uri={data}",
        f"job.outputs.uri=s3://{bucket}/outputs/predictions.parquet",
        "job.batch_rows=1000",
    )

    # then
    assert bad[0] == 1
    assert "['hum']" in bad[1]
    assert good[0] == 0, good
    assert "wrote 2888 predictions in 18 batch(es)" in good[1]
    keys = cloud_stack.s3.keys(bucket)
    assert "outputs/predictions.parquet" in keys
    assert not any(k.startswith("outputs/bad") for k in keys)
    assert any(k.startswith("mlflow/") and k.endswith("MLmodel") for k in keys)
    written = cloud_stack.s3.store().read(f"s3://{bucket}/outputs/predictions.parquet")
    assert len(written) == 2888
    assert list(written.columns) == ["dteday", "hr", "predicted_cnt"]
    server = MlflowClient(cloud_stack.tracking_uri, cloud_stack.tracking_uri)
    assert server.get_model_version_by_alias("bike-sharing", "champion").version == "1"
    assert len(server.search_model_versions("name = 'bike-sharing'")) == 2
