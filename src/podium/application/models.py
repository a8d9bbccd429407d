"""Finding a registered model version, and the data it was trained on, through the registry."""

from podium.domain.errors import ConfigError, RegistryError
from podium.domain.model import FittedModel, ModelVersion
from podium.domain.model_ref import ModelRef
from podium.ports import ModelRegistry

DATA_URI_TAG = "podium.data.uri"


def resolve_model(registry: ModelRegistry, ref: ModelRef) -> tuple[ModelVersion, FittedModel]:
    """The version `ref` names (by number or alias; the latest when neither) and its model.

    Raises `RegistryError` when the model has no such version or alias, or no version at all.
    """
    entry = resolve_version(registry, ref)
    return entry, registry.load(ref.name, entry.version)


def resolve_version(registry: ModelRegistry, ref: ModelRef) -> ModelVersion:
    """The version `ref` names, as `resolve_model` finds it, without loading its model."""
    if ref.alias is not None:
        aliased = registry.get_alias(ref.name, ref.alias)
        if aliased is None:
            raise RegistryError(
                f"model {ref.name!r} has no alias {ref.alias!r}; promote a version first"
            )
        entry = aliased
    elif ref.version is None:
        versions = registry.list_versions(ref.name)
        if not versions:
            raise RegistryError(
                f"model {ref.name!r} has no registered version; train and register one first"
            )
        entry = max(versions, key=lambda v: v.version)
    else:
        entry = registry.get_version(ref.name, ref.version)
    return entry


def training_data_uri(version: ModelVersion, setting: str) -> str:
    """The URI of the table `version` was trained on, from its lineage tag.

    Raises `ConfigError` naming `setting` (where to give a URI instead) when the version does
    not name its data.
    """
    uri = version.tags.get(DATA_URI_TAG)
    if not uri:
        raise ConfigError(
            f"{setting}: {version.name} version {version.version} does not name the data it was"
            f" trained on (tag {DATA_URI_TAG}); give the table's URI"
        )
    return uri
