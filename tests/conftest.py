"""Shared test fixtures: where the repository is, and a migrated MLflow store to copy."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_DATA = ROOT / "data" / "bike_sharing_hourly.parquet"

# One thread per native pool: multi-threaded fits (OpenMP in scikit-learn and LightGBM) stall
# on a loaded 2-core machine. Set before any of those libraries is imported.
os.environ["OMP_NUM_THREADS"] = "1"

# Tests must never talk to a tracking server a developer happens to have configured.
os.environ.pop("MLFLOW_TRACKING_URI", None)
os.environ.pop("MLFLOW_REGISTRY_URI", None)


@pytest.fixture(scope="session")
def mlflow_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated MLflow SQLite store, made once per session: migrating one costs seconds.

    Copy it per test (`shutil.copy(mlflow_template, tmp_path / "mlflow.db")`) for a fresh store.
    """
    from podium.adapters.mlflow_registry import MlflowModelRegistry

    path = tmp_path_factory.getbasetemp() / "mlflow-template" / "mlflow.db"
    MlflowModelRegistry(f"sqlite:///{path}").list_versions("migrate")
    return path
