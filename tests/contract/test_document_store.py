"""The DocumentStore contract (`podium.testing.DocumentStoreContract`) on
`InMemoryDocumentStore`, and on `CloudPathDocumentStore` over a local folder and over S3 served
by moto on 127.0.0.1; then what only `CloudPathDocumentStore` promises."""

from pathlib import Path

import pytest
import s3_server
import yaml
from s3_server import S3Server

from podium.adapters.cloudpath.documents import CloudPathDocumentStore
from podium.adapters.memory import InMemoryDocumentStore
from podium.domain.errors import StorageError
from podium.testing import DocumentStoreContract
from podium.testing.document_store import OVERLAY, DocumentUri


class TestInMemoryDocumentStore(DocumentStoreContract):
    @pytest.fixture
    def document_store(self) -> InMemoryDocumentStore:
        return InMemoryDocumentStore()

    @pytest.fixture
    def document_uri(self) -> DocumentUri:
        return lambda name: f"memory://documents/{name}"


class TestCloudPathDocumentStoreOnLocalDisk(DocumentStoreContract):
    @pytest.fixture
    def document_store(self) -> CloudPathDocumentStore:
        return CloudPathDocumentStore()

    def test_a_yaml_document_is_headed_by_its_comment_and_merges_as_a_config(
        self, tmp_path: Path
    ) -> None:
        # given
        path = tmp_path / "out" / "best.yaml"

        # when
        CloudPathDocumentStore().write(OVERLAY, str(path), comment="best of trial 3\n\nuse it")

        # then
        text = path.read_text()
        assert text.startswith("# best of trial 3\n#\n# use it\nmodel:\n")
        assert yaml.safe_load(text) == OVERLAY
        assert [p.name for p in path.parent.iterdir()] == ["best.yaml"]

    def test_a_folder_in_the_way_fails_the_write_and_leaves_no_partial_file(
        self, tmp_path: Path
    ) -> None:
        # given
        (tmp_path / "best.yaml").mkdir()

        # when / then
        with pytest.raises(StorageError, match="nothing was written"):
            CloudPathDocumentStore().write(OVERLAY, str(tmp_path / "best.yaml"))
        assert [p.name for p in tmp_path.iterdir()] == ["best.yaml"]


class TestCloudPathDocumentStoreOnS3(DocumentStoreContract):
    @pytest.fixture
    def document_store(self, moto_s3: S3Server) -> CloudPathDocumentStore:
        return s3_server.document_store(moto_s3)

    @pytest.fixture
    def document_uri(self, moto_s3: S3Server) -> DocumentUri:
        bucket = moto_s3.new_bucket()
        return lambda name: f"s3://{bucket}/documents/{name}"
