"""The base of every request, result and spec: frozen, and strict about unknown fields."""

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """An immutable value that rejects fields it does not know."""

    model_config = ConfigDict(frozen=True, extra="forbid")
