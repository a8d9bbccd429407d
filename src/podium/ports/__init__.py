"""The interfaces the use cases need from the outside world."""

from podium.ports.batch_engine import BatchEngine
from podium.ports.chart_renderer import ChartRenderer
from podium.ports.document_store import DocumentStore
from podium.ports.drift_detector import DriftDetector
from podium.ports.experiment_tracker import ExperimentTracker
from podium.ports.explainer import Explainer
from podium.ports.model_framework import ModelFramework
from podium.ports.model_registry import ModelRegistry
from podium.ports.notifier import Notifier
from podium.ports.progress import ProgressReporter
from podium.ports.table_store import TableStore, TableWriter
from podium.ports.tuner import TrialEvaluator, TrialReporter, Tuner

__all__ = [
    "BatchEngine",
    "ChartRenderer",
    "DocumentStore",
    "DriftDetector",
    "ExperimentTracker",
    "Explainer",
    "ModelFramework",
    "ModelRegistry",
    "Notifier",
    "ProgressReporter",
    "TableStore",
    "TableWriter",
    "TrialEvaluator",
    "TrialReporter",
    "Tuner",
]
