"""The DocumentStore contract, on `InMemoryDocumentStore` and on `CloudPathDocumentStore` over a
local folder and over S3 served by moto on 127.0.0.1."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from pydantic import JsonValue

from conftest import ACCESS_KEY, SECRET_KEY, MotoS3
from podium.adapters.cloudpath.documents import CloudPathDocumentStore
from podium.adapters.memory import InMemoryDocumentStore
from podium.domain.errors import StorageError
from podium.ports import DocumentStore

OVERLAY: dict[str, JsonValue] = {
    "model": {"params": {"learning_rate": 0.05, "num_leaves": 31, "boosting": "gbdt"}}
}


@pytest.fixture(params=["memory", "local", "s3"])
def place(
    request: pytest.FixtureRequest, tmp_path: Path, moto_s3: MotoS3
) -> Iterator[tuple[DocumentStore, str]]:
    if request.param == "memory":
        yield InMemoryDocumentStore(), "memory://documents"
    elif request.param == "local":
        yield CloudPathDocumentStore(), str(tmp_path / "documents")
    else:
        store = CloudPathDocumentStore(
            moto_s3.endpoint_url, s3_access_key_id=ACCESS_KEY, s3_secret_access_key=SECRET_KEY
        )
        yield store, f"s3://{moto_s3.new_bucket()}/documents"


@pytest.mark.parametrize("name", ["best.yaml", "best.yml", "best.json", "BEST.YAML"])
def test_a_document_reads_back_as_written(place: tuple[DocumentStore, str], name: str) -> None:
    # given
    store, root = place

    # when
    store.write(OVERLAY, f"{root}/{name}", comment="from trial 3\nmerge after training")

    # then
    assert store.read(f"{root}/{name}") == OVERLAY


def test_a_write_replaces_the_document(place: tuple[DocumentStore, str]) -> None:
    # given
    store, root = place
    store.write(OVERLAY, f"{root}/best.yaml")

    # when
    store.write({"model": {"params": {"learning_rate": 0.1}}}, f"{root}/best.yaml")

    # then
    assert store.read(f"{root}/best.yaml") == {"model": {"params": {"learning_rate": 0.1}}}


def test_an_unsupported_suffix_is_refused_and_nothing_is_written(
    place: tuple[DocumentStore, str],
) -> None:
    # given
    store, root = place

    # when / then
    with pytest.raises(StorageError, match=r"unsupported suffix '\.txt'"):
        store.write(OVERLAY, f"{root}/best.txt")
    with pytest.raises(StorageError):
        store.read(f"{root}/best.txt")


def test_reading_a_missing_document_fails_naming_it(place: tuple[DocumentStore, str]) -> None:
    # given
    store, root = place

    # when / then
    with pytest.raises(StorageError, match=r"absent\.yaml"):
        store.read(f"{root}/absent.yaml")


# --- CloudPathDocumentStore only -------------------------------------------------------------


def test_a_yaml_document_is_headed_by_its_comment_and_merges_as_a_config(tmp_path: Path) -> None:
    # given
    path = tmp_path / "out" / "best.yaml"

    # when
    CloudPathDocumentStore().write(OVERLAY, str(path), comment="best of trial 3\n\nuse it")

    # then
    text = path.read_text()
    assert text.startswith("# best of trial 3\n#\n# use it\nmodel:\n")
    assert yaml.safe_load(text) == OVERLAY
    assert [p.name for p in path.parent.iterdir()] == ["best.yaml"]


def test_a_folder_in_the_way_fails_the_write_and_leaves_no_partial_file(tmp_path: Path) -> None:
    # given
    (tmp_path / "best.yaml").mkdir()

    # when / then
    with pytest.raises(StorageError, match="nothing was written"):
        CloudPathDocumentStore().write(OVERLAY, str(tmp_path / "best.yaml"))
    assert [p.name for p in tmp_path.iterdir()] == ["best.yaml"]
