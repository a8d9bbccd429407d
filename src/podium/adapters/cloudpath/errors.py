"""What storage raises when it cannot be reached or used, and the S3 SDK as an optional extra.

The cloud SDKs are extras (`podium[cloud]` brings boto3); a local stack runs without any of
them, so their error classes are caught only when they are installed.
"""

import functools
import importlib

from cloudpathlib.exceptions import CloudPathException

from podium.domain.errors import StorageError

_SDK_ERRORS = (
    ("botocore.exceptions", "BotoCoreError"),
    ("botocore.exceptions", "ClientError"),
    ("boto3.exceptions", "Boto3Error"),
    ("google.api_core.exceptions", "GoogleAPIError"),
    ("azure.core.exceptions", "AzureError"),
)


@functools.cache
def access_errors() -> tuple[type[Exception], ...]:
    """The file system's and every installed cloud SDK's errors of access."""
    errors: list[type[Exception]] = [OSError, CloudPathException]
    for module, name in _SDK_ERRORS:
        try:
            errors.append(getattr(importlib.import_module(module), name))
        except ImportError:
            continue
    return tuple(errors)


def require_s3(uri: str) -> None:
    """Raise `StorageError` naming `uri` and the extra to install when boto3 is missing."""
    try:
        importlib.import_module("boto3")
    except ImportError:
        raise StorageError(
            f"{uri}: s3:// storage needs boto3; install it with pip install 'podium[cloud]'"
        ) from None
