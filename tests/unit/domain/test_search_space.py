"""The search space: what a parameter's spec accepts, refuses, and which values a grid visits."""

import pytest
from pydantic import ValidationError

from podium.domain.search_space import ParamSpec, SearchSpace


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"low": 10, "high": 5}, "low 10 > high 5"),
        ({"low": 0.5, "high": 0.1}, "low 0.5 > high 0.1"),
        ({"choices": []}, "choices is empty"),
        ({"low": 0, "high": 1.0, "log": True}, "a log scale needs low > 0, not 0"),
        ({"low": -1, "high": 1, "log": True}, "a log scale needs low > 0, not -1"),
        ({"low": 1}, "a range needs both `low` and `high`"),
        ({"choices": [1, 2], "low": 1}, "either `choices` or a range"),
        ({"choices": [1, 1]}, "repeat a value"),
        ({"low": 1, "high": 5, "step": 0}, "step must be positive"),
        ({"low": 0.1, "high": 1.0, "step": 0.1, "log": True}, "cannot be combined"),
        ({"low": 1.5, "high": 4, "type": "int"}, "an int range needs whole bounds"),
        ({"low": 1, "high": 9, "step": 0.5, "type": "int"}, "an int range needs a whole step"),
    ],
)
def test_a_bad_spec_is_refused_with_a_message_that_says_why(
    spec: dict[str, object], message: str
) -> None:
    # when / then
    with pytest.raises(ValidationError, match=message):
        ParamSpec.model_validate(spec)


@pytest.mark.parametrize(
    ("spec", "kind"),
    [
        ({"low": 1, "high": 9}, "int"),
        ({"low": 1, "high": 9.0}, "float"),
        ({"low": 1, "high": 9, "type": "float"}, "float"),
        ({"low": 1, "high": 9, "step": 0.5}, "float"),
        ({"choices": [1, "a", None]}, "choice"),
    ],
)
def test_a_range_is_of_ints_when_its_bounds_are(spec: dict[str, object], kind: str) -> None:
    # when / then
    assert ParamSpec.model_validate(spec).kind == kind


@pytest.mark.parametrize(
    ("spec", "values"),
    [
        ({"low": 2, "high": 8, "step": 3}, (2, 5, 8)),
        ({"low": 3, "high": 5}, (3, 4, 5)),
        ({"low": 0.1, "high": 0.5, "step": 0.2}, (0.1, 0.3, 0.5)),
        ({"low": 0.0, "high": 0.25, "step": 0.1}, (0.0, 0.1, 0.2)),
        ({"choices": ["gbdt", "dart"]}, ("gbdt", "dart")),
        ({"low": 0.1, "high": 0.5}, None),
    ],
)
def test_the_grid_visits_every_value_in_order(
    spec: dict[str, object], values: tuple[object, ...] | None
) -> None:
    # when / then
    assert ParamSpec.model_validate(spec).grid_values() == values


def test_the_grid_of_a_space_and_its_size() -> None:
    # given
    space = SearchSpace.model_validate(
        {"num_leaves": {"low": 15, "high": 63, "step": 16}, "boosting": {"choices": ["gbdt"]}}
    )

    # when / then
    assert space.grid() == {"num_leaves": (15, 31, 47, 63), "boosting": ("gbdt",)}
    assert space.grid_size() == 4
    assert space.names == ("num_leaves", "boosting")
    assert space.is_discrete()


def test_a_space_with_a_continuous_range_has_no_grid_and_says_which_parameter() -> None:
    # given
    space = SearchSpace.model_validate(
        {"num_leaves": {"choices": [15, 31]}, "learning_rate": {"low": 0.01, "high": 0.3}}
    )

    # when / then
    assert not space.is_discrete()
    with pytest.raises(ValueError, match=r"^learning_rate: a grid needs"):
        space.grid()


def test_an_empty_space_is_refused() -> None:
    # when / then
    with pytest.raises(ValidationError, match="at least 1 item"):
        SearchSpace.model_validate({})
