"""Turning the facade's keyword arguments into the use cases' requests, with the CLI's errors."""

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import ValidationError

from podium.domain.dataset import DatasetSpec, Task
from podium.domain.errors import ConfigError
from podium.domain.gate import QualityGate
from podium.domain.metrics import default_metrics
from podium.domain.model_ref import ModelRef
from podium.domain.splits import RandomHoldout, TimeHoldout

T = TypeVar("T")
ModelLike = str | ModelRef
SplitLike = str | TimeHoldout | RandomHoldout | None

_REF = re.compile(r"^(?P<name>[^@/]+?)(?:@(?P<alias>[^@/]+)|/(?P<version>\d+))?$")


def checked(build: Callable[..., T], /, **fields: Any) -> T:
    """`build(**fields)`, its validation errors as one `ConfigError` line naming the argument."""
    try:
        return build(**fields)
    except ValidationError as exc:
        from podium.config.loading import describe  # the loader only on an error

        message = describe(exc, fields).replace("invalid config:", "invalid argument:")
        raise ConfigError(message) from exc


def model_ref(model: ModelLike) -> ModelRef:
    """`"name"` (the latest version), `"name@alias"`, `"name/3"`, or a `ModelRef` as it is."""
    if isinstance(model, ModelRef):
        return model
    match = _REF.match(model.strip()) if isinstance(model, str) else None
    if match is None:
        raise ConfigError(
            f"model {model!r}: expected 'name', 'name@alias', 'name/VERSION' or a ModelRef"
        )
    version = match["version"]
    return checked(
        ModelRef,
        name=match["name"],
        alias=match["alias"],
        version=int(version) if version is not None else None,
    )


def dataset(
    *,
    target: str,
    task: Task | str,
    time_column: str | None,
    drop: tuple[str, ...] | list[str],
    features: tuple[str, ...] | list[str],
    id_columns: tuple[str, ...] | list[str],
) -> DatasetSpec:
    """The data set spec the keyword arguments describe."""
    return checked(
        DatasetSpec,
        target=target,
        task=task,
        time_column=time_column,
        drop=tuple(drop),
        features=tuple(features),
        id_columns=tuple(id_columns),
    )


def split_policy(
    split: SplitLike, *, time_column: str | None, test_size: float, seed: int
) -> TimeHoldout | RandomHoldout:
    """The holdout: `"time"` (the default with a time column), `"random"` (seeded, the default
    without one), or a policy as it is."""
    if isinstance(split, TimeHoldout | RandomHoldout):
        return split
    kind = split or ("time" if time_column is not None else "random")
    if kind == "time":
        return checked(TimeHoldout, test_size=test_size)
    if kind == "random":
        return checked(RandomHoldout, test_size=test_size, seed=seed)
    raise ConfigError(f"split {split!r}: expected 'time', 'random' or a split policy")


def quality_gate(gate: Mapping[str, Any] | QualityGate | None) -> QualityGate:
    """A gate from `{"rmse": {"max": 200}}`, as it is, or none."""
    if isinstance(gate, QualityGate):
        return gate
    return checked(QualityGate.model_validate, obj=dict(gate or {}))


def promotion_gate(gate: Mapping[str, Any] | QualityGate | None, task: Task) -> QualityGate:
    """The promotion gate: as given, else "no worse than the champion" on the task's first
    metric (rmse for regression, accuracy for classification)."""
    if gate is not None:
        return quality_gate(gate)
    return quality_gate({default_metrics(task)[0]: {"max_worse": 0.0}})
