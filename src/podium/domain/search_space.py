"""The search space of a tuning study: per parameter, a range of numbers or a list of choices."""

import math
from typing import Literal, Self

from pydantic import Field, RootModel, model_validator

from podium.domain.base import Frozen

ChoiceValue = str | int | float | bool | None
"""A value a parameter may take from a list of choices: a JSON scalar."""
Number = int | float


class ParamSpec(Frozen):
    """The candidates of one parameter: a range `low`..`high` (both inclusive) or `choices`.

    A range is of integers when both bounds are integers (or `type: int`), otherwise of floats.
    `log` draws it on a log scale (so `low` must be positive); `step` makes it discrete (`low`,
    `low + step`, ... up to `high`), which a grid needs for a float range.
    """

    low: Number | None = None
    high: Number | None = None
    log: bool = False
    step: Number | None = None
    type: Literal["int", "float"] | None = None
    choices: tuple[ChoiceValue, ...] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.choices is not None:
            _check_choices(self)
        else:
            _check_range(self)
        return self

    @property
    def kind(self) -> Literal["int", "float", "choice"]:
        """`choice` for a list of choices, else whether the range is of ints or floats."""
        if self.choices is not None:
            return "choice"
        if self.type is not None:
            return self.type
        numbers = (self.low, self.high, self.step)
        return "int" if all(n is None or _is_int(n) for n in numbers) else "float"

    def grid_values(self) -> tuple[ChoiceValue, ...] | None:
        """Every value a grid visits, in order; None for a float range without a step."""
        if self.choices is not None:
            return self.choices
        low, high = self.low, self.high
        # The validator guarantees a range here.
        assert low is not None
        assert high is not None
        if self.kind == "int":
            return tuple(range(int(low), int(high) + 1, int(self.step or 1)))
        if self.step is None:
            return None
        count = math.floor((high - low) / self.step + 1e-9) + 1
        return tuple(round(low + i * self.step, 12) for i in range(count))


def _is_int(value: Number) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_choices(spec: ParamSpec) -> None:
    if any(v not in (None, False) for v in (spec.low, spec.high, spec.step, spec.type, spec.log)):
        raise ValueError("give either `choices` or a range (`low`, `high`), not both")
    if not spec.choices:
        raise ValueError("choices is empty; list at least one value")
    if len(set(map(repr, spec.choices))) < len(spec.choices):
        raise ValueError(f"choices {list(spec.choices)} repeat a value")


def _check_range(spec: ParamSpec) -> None:
    low, high = spec.low, spec.high
    if low is None or high is None:
        raise ValueError("a range needs both `low` and `high` (or give `choices`)")
    if spec.type == "int" and not all(float(n).is_integer() for n in (low, high)):
        raise ValueError(f"an int range needs whole bounds, not {low:g} and {high:g}")
    if low > high:
        raise ValueError(f"low {low:g} > high {high:g}")
    if spec.log and low <= 0:
        raise ValueError(f"a log scale needs low > 0, not {low:g}")
    if spec.step is not None:
        if spec.step <= 0:
            raise ValueError(f"step must be positive, not {spec.step:g}")
        if spec.log:
            raise ValueError("a log scale and a step cannot be combined; drop one")
        if spec.kind == "int" and not float(spec.step).is_integer():
            raise ValueError(f"an int range needs a whole step, not {spec.step:g}")


class SearchSpace(RootModel[dict[str, ParamSpec]]):
    """The parameters a study searches, by name; at least one."""

    root: dict[str, ParamSpec] = Field(min_length=1)
    model_config = {"frozen": True}

    @property
    def names(self) -> tuple[str, ...]:
        """The parameter names, in the order given."""
        return tuple(self.root)

    def grid(self) -> dict[str, tuple[ChoiceValue, ...]]:
        """Every parameter's grid values; `ValueError` naming a parameter that has none."""
        grid: dict[str, tuple[ChoiceValue, ...]] = {}
        for name, spec in self.root.items():
            values = spec.grid_values()
            if values is None:
                raise ValueError(
                    f"{name}: a grid needs choices, an int range, or a float range with a step"
                )
            grid[name] = values
        return grid

    def grid_size(self) -> int:
        """How many points the grid of this space holds; `ValueError` as `grid` raises it."""
        return math.prod(len(values) for values in self.grid().values())

    def is_discrete(self) -> bool:
        """True when every parameter has a finite set of values (so a grid exists)."""
        return all(spec.grid_values() is not None for spec in self.root.values())
