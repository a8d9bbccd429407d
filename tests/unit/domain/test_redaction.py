"""Redaction: URIs keep their scheme, host and path, and lose credentials."""

import pytest

from podium.domain.redaction import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://ana:hunter2@127.0.0.1:5000", "http://***@127.0.0.1:5000"),
        (
            "postgresql+psycopg2://podium:pw@db:5432/optuna",
            "postgresql+psycopg2://***@db:5432/optuna",
        ),
        ("https://ghp_token@github.com/x.git", "https://***@github.com/x.git"),
        (
            "failed at http://u:p@h/api: 401 (see s3://b/k?X-Amz-Signature=abc&part=2)",
            "failed at http://***@h/api: 401 (see s3://b/k?X-Amz-Signature=***&part=2)",
        ),
        (
            "https://acct.blob.core.windows.net/c?sv=1&sig=Zm9v",
            "https://acct.blob.core.windows.net/c?sv=1&sig=***",
        ),
        (
            "https://h/x?password=a&token=b&api_key=c",
            "https://h/x?password=***&token=***&api_key=***",
        ),
    ],
)
def test_credentials_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "sqlite:///.podium/mlflow.db",
        "s3://bucket/data/rides.parquet",
        "model.params.learning_rate=0.05",
        "rmse 120.2  mae 85.28",
        "name@example.org wrote to http://127.0.0.1:5000/#/experiments/1",
    ],
)
def test_text_without_credentials_is_unchanged(text: str) -> None:
    assert redact(text) == text
