"""The interfaces the use cases need from the outside world."""

from podium.ports.experiment_tracker import ExperimentTracker
from podium.ports.model_framework import ModelFramework
from podium.ports.model_registry import ModelRegistry
from podium.ports.table_store import TableStore

__all__ = ["ExperimentTracker", "ModelFramework", "ModelRegistry", "TableStore"]
