"""The DocumentStore contract: `DocumentStoreContract`."""

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import JsonValue

from podium.domain.errors import StorageError
from podium.ports import DocumentStore

DocumentUri = Callable[[str], str]
"""Turns a file name such as `best.yaml` into a URI of the store under test."""

OVERLAY: dict[str, JsonValue] = {
    "model": {"params": {"learning_rate": 0.05, "num_leaves": 31, "boosting": "gbdt"}}
}


class DocumentStoreContract:
    """What every `DocumentStore` promises.

    Subclass it, under a name pytest collects, and define:

    - `document_store` (required): a fresh, empty store.
    - `document_uri` (default: paths under pytest's `tmp_path`): a function turning a file
      name, such as `best.yaml`, into a URI of `document_store` where nothing is stored yet.
      Override it for a store that is not on the local disk.
    """

    @pytest.fixture
    def document_uri(self, tmp_path: Path) -> DocumentUri:
        root = tmp_path / "documents"
        return lambda name: (root / name).as_posix()

    @pytest.mark.parametrize("name", ["best.yaml", "best.yml", "best.json", "BEST.YAML"])
    def test_a_document_reads_back_as_written(
        self, document_store: DocumentStore, document_uri: DocumentUri, name: str
    ) -> None:
        # when
        document_store.write(
            OVERLAY, document_uri(name), comment="from trial 3\nmerge after training"
        )

        # then
        assert document_store.read(document_uri(name)) == OVERLAY

    def test_a_write_replaces_the_document(
        self, document_store: DocumentStore, document_uri: DocumentUri
    ) -> None:
        # given
        document_store.write(OVERLAY, document_uri("best.yaml"))

        # when
        document_store.write(
            {"model": {"params": {"learning_rate": 0.1}}}, document_uri("best.yaml")
        )

        # then
        assert document_store.read(document_uri("best.yaml")) == {
            "model": {"params": {"learning_rate": 0.1}}
        }

    def test_an_unsupported_suffix_is_refused_and_nothing_is_written(
        self, document_store: DocumentStore, document_uri: DocumentUri
    ) -> None:
        # when / then
        with pytest.raises(StorageError, match=r"unsupported suffix '\.txt'"):
            document_store.write(OVERLAY, document_uri("best.txt"))
        with pytest.raises(StorageError):
            document_store.read(document_uri("best.txt"))

    def test_reading_a_missing_document_fails_naming_it(
        self, document_store: DocumentStore, document_uri: DocumentUri
    ) -> None:
        # when / then
        with pytest.raises(StorageError, match=r"absent\.yaml"):
            document_store.read(document_uri("absent.yaml"))
