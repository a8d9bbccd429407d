"""The use cases: one service per job, written against ports only."""

from podium.application.training import TrainingService

__all__ = ["TrainingService"]
