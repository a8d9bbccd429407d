"""A reference to a registered model: its name, and a version, an alias or the latest one."""

from typing import Self

from pydantic import Field, model_validator

from podium.domain.base import Frozen
from podium.domain.names import AliasName, ModelName


class ModelRef(Frozen):
    """A registered model by name, and a version or an alias (`models:/name@alias`).

    Neither means the latest registered version; both is refused.
    """

    name: ModelName
    version: int | None = Field(default=None, ge=1)
    alias: AliasName | None = None

    @model_validator(mode="after")
    def _version_or_alias(self) -> Self:
        if self.version is not None and self.alias is not None:
            raise ValueError(
                f"give a version ({self.version}) or an alias ({self.alias!r}), not both"
            )
        return self

    def describe(self) -> str:
        """`name version N`, `name@alias`, or `name (latest version)`."""
        if self.alias is not None:
            return f"{self.name}@{self.alias}"
        if self.version is None:
            return f"{self.name} (latest version)"
        return f"{self.name} version {self.version}"
