"""DocumentStore: small structured documents (YAML or JSON) addressed by URI."""

from abc import abstractmethod
from collections.abc import Mapping
from typing import Protocol

from pydantic import JsonValue

DOCUMENT_SUFFIXES = frozenset({".yaml", ".yml", ".json"})


class DocumentStore(Protocol):
    """Documents such as config overlays, by URI; the suffix picks the format (`.yaml`, `.json`).

    `podium.testing.DocumentStoreContract` checks these rules on any implementation.
    """

    @abstractmethod
    def write(
        self, document: Mapping[str, JsonValue], uri: str, *, comment: str | None = None
    ) -> None:
        """Write `document` to `uri`, replacing what was there, atomically.

        The document reads back equal to what was written, in every format and whatever the
        case of the suffix (`BEST.YAML`). `comment` (lines of text) heads a YAML document; JSON
        has no comments and drops it. Raises `StorageError` (and leaves `uri` as it was) when
        the suffix is not one of `DOCUMENT_SUFFIXES` (saying "unsupported suffix '.txt'") or
        the write fails.
        """

    @abstractmethod
    def read(self, uri: str) -> dict[str, JsonValue]:
        """The document at `uri`; `StorageError` naming `uri` when nothing is there, or it is
        not a mapping."""
