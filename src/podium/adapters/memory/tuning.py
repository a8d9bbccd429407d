"""The in-memory DocumentStore and Tuner: documents in a dict, and trials scored in order."""

import copy
import itertools
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath

from pydantic import JsonValue
from typing_extensions import override

from podium.adapters.trials.common import run_trial
from podium.domain.errors import ConfigError, StorageError
from podium.domain.search_space import SearchSpace
from podium.domain.study import Objective, SearchBudget, StudyResult
from podium.ports import DocumentStore, TrialEvaluator, Tuner
from podium.ports.document_store import DOCUMENT_SUFFIXES


class InMemoryDocumentStore(DocumentStore):
    """Documents kept as copies in a dict by URI, with the comment each was written with."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, JsonValue]] = {}
        self.comments: dict[str, str | None] = {}

    @override
    def write(
        self, document: Mapping[str, JsonValue], uri: str, *, comment: str | None = None
    ) -> None:
        suffix = PurePosixPath(uri).suffix.lower()
        if suffix not in DOCUMENT_SUFFIXES:
            raise StorageError(
                f"{uri}: unsupported suffix {suffix!r}; use one of"
                f" {', '.join(sorted(DOCUMENT_SUFFIXES))}"
            )
        self.documents[uri] = copy.deepcopy(dict(document))
        self.comments[uri] = comment

    @override
    def read(self, uri: str) -> dict[str, JsonValue]:
        if uri not in self.documents:
            raise StorageError(f"{uri}: no document there; check the path")
        return copy.deepcopy(self.documents[uri])


class InMemoryTuner(Tuner):
    """Scores, in order and in this process, the given `candidates` or else every point of the
    space's grid, up to `n_trials`; never prunes, ignores the timeout and the seed.

    Each search's space and budget are kept in `searches`, so tests can see what was asked.
    """

    name = "memory"

    def __init__(self, candidates: Sequence[Mapping[str, JsonValue]] | None = None) -> None:
        self._candidates = None if candidates is None else [dict(c) for c in candidates]
        self.searches: list[tuple[SearchSpace, SearchBudget]] = []
        self.about: dict[str, str] = {}
        """What the last search was told it is for."""

    @override
    def settings(self) -> dict[str, str]:
        return {"kind": self.name}

    @override
    def search(
        self,
        space: SearchSpace,
        evaluator: TrialEvaluator,
        *,
        objective: Objective,
        budget: SearchBudget,
        about: Mapping[str, str] | None = None,
    ) -> StudyResult:
        self.searches.append((space, budget))
        self.about = dict(about or {})
        candidates = self._candidates
        if candidates is None:
            try:
                grid = space.grid()
            except ValueError as exc:
                raise ConfigError(f"tuner.space.{exc}") from exc
            points = itertools.product(*grid.values())
            candidates = [dict(zip(grid, point, strict=True)) for point in points]
        trials = [
            run_trial(evaluator, params, number)
            for number, params in enumerate(candidates[: budget.n_trials])
        ]
        return StudyResult(objective=objective, trials=tuple(trials))
