"""The error hierarchy: every error podium expects to meet is a `PodiumError`."""


class PodiumError(Exception):
    """Root of the errors podium raises on purpose; the message says what to do."""


class ConfigError(PodiumError):
    """A configuration file, key or value is missing or invalid."""


class DataSchemaError(PodiumError):
    """A table does not match the data set spec (missing column, bad type, nulls, no rows)."""


class StorageError(PodiumError):
    """A table could not be read from or written to its URI."""


class TrackingError(PodiumError):
    """The experiment tracker refused or failed a call."""


class RegistryError(PodiumError):
    """The model registry refused or failed a call."""


class ModelError(PodiumError):
    """A model could not be built, fitted or used for prediction."""


class AliasConflictError(RegistryError):
    """An alias no longer points where the caller expected: someone else moved it meanwhile."""


class PromotionError(PodiumError):
    """An alias cannot be moved as asked (for example, no earlier version to roll back to)."""


class NotificationError(PodiumError):
    """A notice could not be delivered; jobs log it and carry on."""
