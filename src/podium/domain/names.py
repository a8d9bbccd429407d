"""The names people give registered models and their aliases: visible text only, so that what a
registry keeps is what the person typed and can read back."""

import re
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


# What registries refuse or misread in a model's name: MLflow refuses `/` and `:`, and its
# search filters (`name = '...'`, `LIKE`) break on quotes and treat `%` as a wildcard.
_MODEL_NAME_REFUSED = "/:'\"%\\"
_ALIAS = re.compile(r"^[A-Za-z0-9_\-]+$")
_VERSION_LIKE = re.compile(r"^v\d+$", re.IGNORECASE)


def check_model_name(name: str) -> str:
    """Return `name` if every registry podium supports keeps it as it is; raise `ValueError`
    naming the first character they refuse."""
    check_visible(name)
    if name != name.strip():
        raise ValueError(f"{name!r} starts or ends with a space; remove it")
    refused = [char for char in name if char in _MODEL_NAME_REFUSED]
    if refused:
        raise ValueError(
            f"{name!r} holds {refused[0]!r}; a model name may not hold any of"
            f" {' '.join(_MODEL_NAME_REFUSED)} (use letters, digits, '-', '_', '.', spaces)"
        )
    return name


def check_alias(alias: str) -> str:
    """Return `alias` if it is letters, digits, `-` and `_`, and not a name registries keep for
    themselves (`latest`, `v3`); raise `ValueError` saying why not."""
    check_visible(alias)
    if not _ALIAS.match(alias):
        raise ValueError(f"{alias!r}: an alias may hold letters, digits, '-' and '_' only")
    if alias.lower() == "latest" or _VERSION_LIKE.match(alias):
        raise ValueError(f"{alias!r} is reserved (latest, v<N>); choose another alias")
    return alias


ModelName = Annotated[str, Field(min_length=1), AfterValidator(check_model_name)]
"""The name of a registered model."""

AliasName = Annotated[str, Field(min_length=1), AfterValidator(check_alias)]
"""The name of an alias of a registered model, as a reference to a version."""
