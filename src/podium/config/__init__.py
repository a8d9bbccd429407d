"""Configuration: the stack schema (the swappable parts), the job schemas, loading and merging."""

from podium.config.loading import describe, load_config, load_stack, validate, validate_stack
from podium.config.settings import ConfigFile, JobConfig, JobSettings
from podium.config.stack import StackSettings

__all__ = [
    "ConfigFile",
    "JobConfig",
    "JobSettings",
    "StackSettings",
    "describe",
    "load_config",
    "load_stack",
    "validate",
    "validate_stack",
]
