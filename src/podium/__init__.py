"""podium: the machine-learning model lifecycle as ports and adapters.

`podium.Lifecycle` is the facade a host application uses; the names below are imported on first
use, so `import podium` stays light.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from podium.config.stack import StackSettings
    from podium.domain.errors import (
        ConfigError,
        DataSchemaError,
        ModelError,
        PodiumError,
        RegistryError,
        StorageError,
        TrackingError,
    )
    from podium.domain.model_ref import ModelRef
    from podium.lifecycle import Lifecycle, Trained

_LAZY = {
    "Lifecycle": "podium.lifecycle",
    "Trained": "podium.lifecycle",
    "StackSettings": "podium.config.stack",
    "ModelRef": "podium.domain.model_ref",
    "PodiumError": "podium.domain.errors",
    "ConfigError": "podium.domain.errors",
    "DataSchemaError": "podium.domain.errors",
    "ModelError": "podium.domain.errors",
    "RegistryError": "podium.domain.errors",
    "StorageError": "podium.domain.errors",
    "TrackingError": "podium.domain.errors",
}

__all__ = [
    "ConfigError",
    "DataSchemaError",
    "Lifecycle",
    "ModelError",
    "ModelRef",
    "PodiumError",
    "RegistryError",
    "StackSettings",
    "StorageError",
    "TrackingError",
    "Trained",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("podium")
        except PackageNotFoundError:  # pragma: no cover - a source tree without install
            return "0.0.0"
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'podium' has no attribute {name!r}")
