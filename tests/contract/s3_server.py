"""What the contract tests use of the session's S3 server, the `moto_s3` fixture of
`tests/conftest.py`, typed here so that this folder type-checks on its own."""

from typing import Protocol

from podium.adapters.cloudpath.documents import CloudPathDocumentStore
from podium.adapters.cloudpath.tables import CloudPathTableStore


class S3Server(Protocol):
    """moto's S3 server on 127.0.0.1, and an admin client that sees its raw objects."""

    endpoint_url: str

    def new_bucket(self) -> str:
        """Create an empty bucket of a fresh name; return the name."""

    def keys(self, bucket: str) -> list[str]:
        """Every object key in `bucket`, sorted."""

    def put(self, bucket: str, key: str, data: bytes) -> None:
        """Write an object, past any store."""

    def environment(self) -> dict[str, str]:
        """The AWS variables that point default S3 clients here."""


def table_store(server: S3Server) -> CloudPathTableStore:
    """A table store on `server`, with its keys."""
    environment = server.environment()
    return CloudPathTableStore(
        server.endpoint_url,
        s3_access_key_id=environment["AWS_ACCESS_KEY_ID"],
        s3_secret_access_key=environment["AWS_SECRET_ACCESS_KEY"],
    )


def document_store(server: S3Server) -> CloudPathDocumentStore:
    """A document store on `server`, with its keys."""
    environment = server.environment()
    return CloudPathDocumentStore(
        server.endpoint_url,
        s3_access_key_id=environment["AWS_ACCESS_KEY_ID"],
        s3_secret_access_key=environment["AWS_SECRET_ACCESS_KEY"],
    )
