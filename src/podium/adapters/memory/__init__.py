"""In-memory adapters of every port, for embedding apps' tests and podium's own use-case tests.

They keep everything in dicts, write no file, start no thread and import no vendor library.
"""

from podium.adapters.memory.framework import InMemoryModelFramework
from podium.adapters.memory.monitoring import (
    InMemoryChartRenderer,
    InMemoryExplainer,
    InMemoryNotifier,
)
from podium.adapters.memory.registry import InMemoryModelRegistry
from podium.adapters.memory.tables import InMemoryTableStore
from podium.adapters.memory.tracking import InMemoryExperimentTracker
from podium.adapters.memory.tuning import InMemoryDocumentStore, InMemoryTuner
from podium.adapters.progress import InMemoryProgressReporter

__all__ = [
    "InMemoryChartRenderer",
    "InMemoryDocumentStore",
    "InMemoryExperimentTracker",
    "InMemoryExplainer",
    "InMemoryModelFramework",
    "InMemoryModelRegistry",
    "InMemoryNotifier",
    "InMemoryProgressReporter",
    "InMemoryTableStore",
    "InMemoryTuner",
]
