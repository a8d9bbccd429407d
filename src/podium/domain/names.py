"""The names people give registered models and their aliases: visible text only, so that what a
registry keeps is what the person typed and can read back."""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

# Controls (newline, tab, ...), invisible format characters (zero-width space, direction marks,
# ...) and the line and paragraph separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})


def check_visible(text: str) -> str:
    """Return `text` if every character in it shows.

    Raises `ValueError` naming the first control character, invisible format character, or line
    or paragraph separator, by code point and position.
    """
    for position, char in enumerate(text):
        if unicodedata.category(char) in _INVISIBLE:
            what = unicodedata.name(char, "a control character")
            raise ValueError(
                f"{text!r} holds U+{ord(char):04X} ({what}) at position {position}; remove it:"
                " a name may hold visible characters only"
            )
    return text


ModelName = Annotated[str, Field(min_length=1), AfterValidator(check_visible)]
"""The name of a registered model."""

AliasName = Annotated[str, Field(min_length=1), AfterValidator(check_visible)]
"""The name of an alias of a registered model, as a reference to a version."""
