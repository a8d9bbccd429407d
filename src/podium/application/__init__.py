"""The use cases: one service per job, written against ports only."""

from podium.application.explanation import ExplanationService
from podium.application.monitoring import MonitoringService
from podium.application.training import TrainingService
from podium.application.tuning import TuningService

__all__ = ["ExplanationService", "MonitoringService", "TrainingService", "TuningService"]
