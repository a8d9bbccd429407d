"""Opening an Optuna study from a plan every worker process can rebuild: storage, sampler, pruner.

Optuna's own log lines (one per trial at INFO, one per failed trial at WARNING) are silenced:
podium reports progress and failed trials itself.
"""

import random
import time
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import optuna
import sqlalchemy.exc
from optuna.exceptions import DuplicatedStudyError, ExperimentalWarning, StorageInternalError
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
from sqlalchemy.engine import make_url

from podium.domain.errors import ConfigError, StorageError
from podium.domain.metrics import Direction
from podium.domain.search_space import SearchSpace
from podium.domain.study import Objective

optuna.logging.set_verbosity(optuna.logging.ERROR)

SamplerName = Literal["tpe", "random", "cmaes", "grid"]
_CONNECT_ATTEMPTS = 5


@dataclass(frozen=True)
class StudyPlan:
    """What a worker needs to join the study; plain values, so it crosses process boundaries.

    `storage_url` None keeps the study in this process's memory. `deadline` is a wall-clock
    time (`time.time()`) after which no worker starts a trial. `salt` is added to the seed of
    every worker this process starts, so that processes joining one study from several
    machines draw different candidates.
    """

    storage_url: str | None
    study_name: str
    direction: Direction
    sampler: SamplerName
    seed: int | None
    pruning: bool
    space: SearchSpace
    n_trials: int
    deadline: float | None
    heartbeat_interval_s: int
    grace_period_s: int | None
    max_retry: int
    salt: int = 0

    @property
    def shared(self) -> bool:
        """Whether other processes may run trials of this study (so trials have heartbeats)."""
        return self.storage_url is not None

    def past_deadline(self) -> bool:
        """Whether it is too late to start another trial."""
        return self.deadline is not None and time.time() >= self.deadline


def masked(url: str) -> str:
    """`url` with any password replaced by `***`."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sqlalchemy.exc.ArgumentError:
        return "<unparsable URL>"


def open_study(plan: StudyPlan, *, worker: int, load_if_exists: bool = True) -> optuna.Study:
    """Create or load the study for worker number `worker` (0 creates it, others load it).

    The sampler's seed is `seed + salt + worker`, so parallel workers draw different
    candidates (except the grid sampler's: every worker must see the grid in one order).
    Raises `ConfigError` when the study exists and may not be loaded, or minimises where the
    objective maximises (or the reverse); `StorageError` when the storage cannot be reached.
    """
    storage = None if plan.storage_url is None else _rdb_storage(plan)
    where = "memory" if plan.storage_url is None else masked(plan.storage_url)
    try:
        study = optuna.create_study(
            storage=storage,
            sampler=_sampler(plan, worker),
            pruner=_pruner(plan),
            study_name=plan.study_name,
            direction=plan.direction.value,
            load_if_exists=load_if_exists or worker > 0,
        )
    except DuplicatedStudyError as exc:
        raise ConfigError(
            f"tuner.study_name: study {plan.study_name!r} already exists in {where}; set"
            " tuner.load_if_exists: true to resume it, or choose another name"
        ) from exc
    except (sqlalchemy.exc.SQLAlchemyError, StorageInternalError) as exc:
        raise StorageError(f"tuner.storage {where}: cannot open the study: {exc}") from exc
    if study.direction.name.lower() != plan.direction.value:
        raise ConfigError(
            f"tuner.study_name: study {plan.study_name!r} in {where} is set to"
            f" {study.direction.name.lower()}, but the objective is to {plan.direction.value};"
            " choose another study name"
        )
    return study


def describe_study(study: optuna.Study, objective: Objective, about: Mapping[str, str]) -> None:
    """Name the study's value after the objective's metric, and keep `about` (what the search
    is for) as user attrs, so optuna-dashboard shows what the study tuned."""
    with quiet():
        study.set_metric_names([objective.metric])
    for key, value in about.items():
        study.set_user_attr(key, value)


@contextmanager
def quiet() -> Iterator[None]:
    """Optuna's experimental-feature warnings (heartbeats, retries) hidden for the block."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        yield


def _rdb_storage(plan: StudyPlan) -> RDBStorage:
    url = plan.storage_url
    assert url is not None
    engine: dict[str, Any] = (
        {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {"pool_pre_ping": True}
    )
    for attempt in range(1, _CONNECT_ATTEMPTS + 1):
        try:
            with quiet():
                return RDBStorage(
                    url,
                    engine_kwargs=engine,
                    heartbeat_interval=plan.heartbeat_interval_s,
                    grace_period=plan.grace_period_s,
                    heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(
                        max_retry=plan.max_retry
                    ),
                )
        except (sqlalchemy.exc.ArgumentError, ImportError) as exc:
            raise ConfigError(
                f"tuner.storage {masked(url)}: not a usable SQLAlchemy URL ({exc}); use e.g."
                " postgresql+psycopg2://user@host:5432/db or sqlite:///study.db"
            ) from exc
        except (sqlalchemy.exc.SQLAlchemyError, StorageInternalError) as exc:
            # Workers that start together race to create the schema; a retry finds it made.
            if attempt == _CONNECT_ATTEMPTS:
                raise StorageError(
                    f"tuner.storage {masked(url)}: cannot connect or set up the study tables"
                    f" ({_first_line(exc)}); check the server, the database and the credentials"
                ) from exc
            time.sleep(0.2 * attempt + random.random() * 0.3)
    raise AssertionError("unreachable")


def _sampler(plan: StudyPlan, worker: int) -> optuna.samplers.BaseSampler:
    seed = None if plan.seed is None else (plan.seed + plan.salt + worker) % 2**32
    with quiet():
        if plan.sampler == "random":
            return optuna.samplers.RandomSampler(seed=seed)
        if plan.sampler == "cmaes":
            return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
        if plan.sampler == "grid":
            # The seed shuffles the grid's order, and every worker must agree on that order:
            # trial number k runs the k-th point, whoever runs it.
            grid = {name: list(values) for name, values in plan.space.grid().items()}
            return optuna.samplers.GridSampler(grid, seed=plan.seed or 0)
        return optuna.samplers.TPESampler(seed=seed)


def _pruner(plan: StudyPlan) -> optuna.pruners.BasePruner:
    if not plan.pruning:
        return optuna.pruners.NopPruner()
    # Prune from the second fold on, once five trials give a median to compare with.
    return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
