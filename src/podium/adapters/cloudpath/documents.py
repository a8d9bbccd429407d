"""YAML and JSON documents at any cloudpathlib URI (local, file://, s3://, gs://, az://).

A local write lands in a hidden sibling file that replaces the destination in one rename; a
cloud write uploads the whole object at once. Either way a reader sees the old document or the
new one, never a part.
"""

import json
import os
from collections.abc import Mapping
from pathlib import Path

import yaml
from cloudpathlib import AnyPath, CloudPath, S3Client, S3Path
from pydantic import JsonValue
from typing_extensions import override

from podium.adapters.cloudpath.errors import access_errors, require_s3
from podium.adapters.cloudpath.local import partial_path, remove_partial
from podium.domain.errors import StorageError
from podium.ports import DocumentStore
from podium.ports.document_store import DOCUMENT_SUFFIXES


class CloudPathDocumentStore(DocumentStore):
    """Documents as files or objects; S3 through a client of its own (endpoint and keys here,
    or the usual AWS environment variables and config files when absent)."""

    def __init__(
        self,
        s3_endpoint_url: str | None = None,
        *,
        s3_access_key_id: str | None = None,
        s3_secret_access_key: str | None = None,
    ) -> None:
        self._s3_endpoint_url = s3_endpoint_url
        self._s3_access_key_id = s3_access_key_id
        self._s3_secret_access_key = s3_secret_access_key
        self._s3_client: S3Client | None = None

    @override
    def write(
        self, document: Mapping[str, JsonValue], uri: str, *, comment: str | None = None
    ) -> None:
        path = self._locate(uri)
        text = render(document, _suffix(path, uri), comment)
        try:
            if isinstance(path, CloudPath):
                path.write_text(text)
            else:
                _replace(path, text, uri)
        except access_errors() as exc:
            raise StorageError(
                f"{uri}: could not write ({_one_line(exc)}); check the path, permissions and "
                "credentials; nothing was written"
            ) from exc

    @override
    def read(self, uri: str) -> dict[str, JsonValue]:
        path = self._locate(uri)
        suffix = _suffix(path, uri)
        try:
            text = path.read_text()
        except FileNotFoundError as exc:
            raise StorageError(f"{uri}: no document there; check the path") from exc
        except access_errors() as exc:
            raise StorageError(f"{uri}: could not read ({_one_line(exc)})") from exc
        return parse(text, suffix, uri)

    def _locate(self, uri: str) -> CloudPath | Path:
        try:
            if uri.startswith("s3://"):
                require_s3(uri)
                if self._s3_client is None:
                    self._s3_client = S3Client(
                        endpoint_url=self._s3_endpoint_url,
                        aws_access_key_id=self._s3_access_key_id,
                        aws_secret_access_key=self._s3_secret_access_key,
                    )
                return S3Path(uri, client=self._s3_client)
            return AnyPath(uri)
        except access_errors() as exc:
            raise StorageError(f"{uri}: not a usable location ({_one_line(exc)})") from exc


def render(document: Mapping[str, JsonValue], suffix: str, comment: str | None) -> str:
    """`document` as YAML (headed by `comment` as `#` lines) or as JSON, by `suffix`."""
    if suffix == ".json":
        return json.dumps(document, indent=2) + "\n"
    header = "".join(f"# {line}".rstrip() + "\n" for line in (comment or "").splitlines())
    return header + yaml.safe_dump(dict(document), sort_keys=False, default_flow_style=False)


def parse(text: str, suffix: str, uri: str) -> dict[str, JsonValue]:
    """The mapping in `text`, read as JSON or YAML by `suffix`; `StorageError` otherwise."""
    try:
        data = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise StorageError(f"{uri}: not a valid {suffix[1:]} document ({_one_line(exc)})") from exc
    if not isinstance(data, dict):
        raise StorageError(f"{uri}: the document is not a mapping of keys")
    return data


def _suffix(path: CloudPath | Path, uri: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES:
        known = ", ".join(sorted(DOCUMENT_SUFFIXES))
        raise StorageError(f"{uri}: unsupported suffix {suffix!r}; use one of {known}")
    return suffix


def _replace(path: Path, text: str, uri: str) -> None:
    partial = partial_path(path, uri)
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        remove_partial(partial)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
