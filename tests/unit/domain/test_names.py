"""Names of models and aliases: any visible text, never a character that does not show."""

import pytest
from pydantic import ValidationError

from podium.domain.model_ref import ModelRef
from podium.domain.names import check_visible
from podium.domain.promotion import RollbackRequest


@pytest.mark.parametrize(
    "name", ["bike-sharing", "bïke ☃", "Fahrräder 2024", "自転車", "rides/v2 (eu)", "🚲"]
)
def test_a_visible_name_is_kept_as_given(name: str) -> None:
    assert check_visible(name) == name


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("bike\nsharing", "U+000A (a control character) at position 4"),
        ("bike\tsharing", "U+0009 (a control character) at position 4"),
        ("b\u00efke\u200b\u2603", "U+200B (ZERO WIDTH SPACE) at position 4"),
        ("\u202ebike", "U+202E (RIGHT-TO-LEFT OVERRIDE) at position 0"),
        ("bike\u2028sharing", "U+2028 (LINE SEPARATOR) at position 4"),
        ("bike\u2029", "U+2029 (PARAGRAPH SEPARATOR) at position 4"),
        ("bike\ufeff", "U+FEFF (ZERO WIDTH NO-BREAK SPACE) at position 4"),
    ],
)
def test_a_name_with_a_character_that_does_not_show_is_refused_naming_it(
    name: str, said: str
) -> None:
    with pytest.raises(
        ValueError, match=r"remove it: a name may hold visible characters only"
    ) as e:
        check_visible(name)
    assert said in str(e.value)
    assert "\n" not in str(e.value)


def test_model_references_and_requests_refuse_such_names() -> None:
    with pytest.raises(ValidationError, match=r"U\+200B"):
        ModelRef(name="bike\u200b")
    with pytest.raises(ValidationError, match=r"U\+200E"):
        ModelRef(name="bike", alias="champion\u200e")
    with pytest.raises(ValidationError, match=r"U\+000A"):
        RollbackRequest(model_name="bike\n", actor="ana")
