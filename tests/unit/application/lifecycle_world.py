"""The fakes the evaluation, promotion and inference services run on in unit tests.

The in-memory framework is a constant model (the mean of the rows it was fitted on, plus a
`shift`), so a test makes one version measurably worse than another by its shift.
"""

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from podium.adapters.local_engine import LocalBatchEngine
from podium.adapters.memory import (
    InMemoryExperimentTracker,
    InMemoryModelFramework,
    InMemoryModelRegistry,
    InMemoryProgressReporter,
    InMemoryTableStore,
)
from podium.application.evaluation import EvaluationService
from podium.application.inference import InferenceService
from podium.application.promotion import PromotionService
from podium.domain.dataset import DatasetSpec, FeatureKind, Task
from podium.domain.evaluation import EvaluationRequest
from podium.domain.gate import QualityGate, Threshold
from podium.domain.lineage import table_digest
from podium.domain.model_ref import ModelRef
from podium.domain.promotion import PromotionRequest
from podium.domain.rows import TableSlice

URI = "memory://rides.parquet"
NAME = "rides"
SPEC = DatasetSpec(target="rides", time_column="day", id_columns=("ride_id",))
HELD_OUT = datetime(2024, 2, 15)
KINDS = {"temp": FeatureKind.NUMERIC, "weekday": FeatureKind.CATEGORICAL}
GATE = QualityGate({"rmse": Threshold(max=100, max_worse=0.02), "r2": Threshold(max_worse=0)})


def rides(days: int = 60, seed: int = 0) -> pd.DataFrame:
    """Daily rides: 100 plus twice the temperature plus noise, one row per day from 2024-01-01."""
    rng = np.random.default_rng(seed)
    temp = rng.normal(15, 8, size=days)
    return pd.DataFrame(
        {
            "ride_id": np.arange(1000, 1000 + days),
            "day": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(days), unit="D"),
            "temp": temp,
            "weekday": np.array(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])[
                np.arange(days) % 7
            ],
            "rides": 100 + 2 * temp + rng.normal(0, 3, size=days),
        }
    )


TABLE = rides()


@dataclass
class World:
    """The ports the lifecycle services need, as fakes a test can look into."""

    storage: InMemoryTableStore = field(default_factory=lambda: InMemoryTableStore({URI: TABLE}))
    tracker: InMemoryExperimentTracker = field(default_factory=InMemoryExperimentTracker)
    # Where a dry run's evaluation logs: apart from `tracker`, which must stay untouched.
    rehearsal_tracker: InMemoryExperimentTracker = field(default_factory=InMemoryExperimentTracker)
    registry: InMemoryModelRegistry = field(default_factory=InMemoryModelRegistry)
    framework: InMemoryModelFramework = field(default_factory=InMemoryModelFramework)
    progress: InMemoryProgressReporter = field(default_factory=InMemoryProgressReporter)

    def register(self, shift: float = 0.0, trained_on: pd.DataFrame = TABLE) -> int:
        """Fit a constant model on the rows before `HELD_OUT` of `trained_on`, shifted by
        `shift`, and register it tagged with `trained_on`'s digest, as training would."""
        train = trained_on[trained_on["day"] < HELD_OUT]
        model = self.framework.fit(
            train[list(KINDS)],
            train["rides"],
            kinds=KINDS,
            task=Task.REGRESSION,
            params={"shift": shift},
        )
        version = self.registry.register(
            model,
            name=NAME,
            run_id="training-run",
            input_example=train.head(),
            tags={"podium.data.uri": URI, "podium.data.digest": table_digest(trained_on)},
        )
        return version.version

    def evaluation(self) -> EvaluationService:
        return EvaluationService(
            storage=self.storage,
            tracker=self.tracker,
            registry=self.registry,
            frameworks={"memory": self.framework},
        )

    def promotion(self) -> PromotionService:
        rehearsal = EvaluationService(
            storage=self.storage,
            tracker=self.rehearsal_tracker,
            registry=self.registry,
            frameworks={"memory": self.framework},
        )
        return PromotionService(
            registry=self.registry, evaluation=self.evaluation(), rehearsal=rehearsal
        )

    def inference(self) -> InferenceService:
        return InferenceService(
            storage=self.storage,
            tracker=self.tracker,
            registry=self.registry,
            frameworks={"memory": self.framework},
            engine=LocalBatchEngine(storage=self.storage, progress=self.progress),
        )


def evaluation_request(**changes: object) -> EvaluationRequest:
    """Evaluate the latest version on the held-out rows, against the champion, with `GATE`."""
    base: dict[str, object] = {
        "model": ModelRef(name=NAME),
        "data": TableSlice(uri=URI, time_from=HELD_OUT),
        "dataset": SPEC,
        "gate": GATE,
        "experiment": "rides",
    }
    return EvaluationRequest.model_validate({**base, **changes})


def promotion_request(version: int, **changes: object) -> PromotionRequest:
    """Promote `version` to champion through `GATE` on the held-out rows, as ana."""
    base: dict[str, object] = {
        "model_name": NAME,
        "version": version,
        "actor": "ana",
        "evaluation": evaluation_request(model=ModelRef(name=NAME, version=version)),
    }
    return PromotionRequest.model_validate({**base, **changes})
