"""The JSON Schemas of podium's YAML files, for editors and validators.

`job_schema()` describes a whole job config (the stack's parts and `job:`). `stack_schema()`
describes a stack file (`configs/stacks/*.yaml`), which is an overlay merged after a job config
(`tuner: {storage: ...}` adds to the job's tuner): every key of it is optional, but every key
it holds must exist and every value must have the right type. Both are draft 2020-12, which is
what pydantic emits and what `check-jsonschema` and VS Code's YAML extension read.
"""

from typing import Any

from pydantic import BaseModel

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def job_schema() -> dict[str, Any]:
    """The schema of a job config: `podium run` and `podium validate` accept what it does."""
    from podium.config.settings import ConfigFile

    return _headed(
        ConfigFile,
        "podium job config",
        "A podium job (training, tuning, evaluation, promotion, inference, explanation or"
        " monitoring) with the stack it runs on; files merge left to right before validation.",
    )


def stack_schema() -> dict[str, Any]:
    """The schema of a stack file: the swappable parts without a job, each key optional."""
    from podium.config.stack import StackSettings

    whole = _headed(
        StackSettings,
        "podium stack",
        "The parts a podium job runs on (model, storage, tracker, registry, tuner, monitoring,"
        " explainer, engine, notifier), as an overlay merged after a job config: every key is"
        " optional.",
    )
    overlay: dict[str, Any] = _optional(whole)
    return overlay


def _optional(node: Any) -> Any:
    """`node` with nothing required: a part may give a few keys of a kind (`oneOf` becomes
    `anyOf`, since a part without its `kind` matches several kinds)."""
    if isinstance(node, list):
        return [_optional(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        ("anyOf" if key == "oneOf" else key): _optional(value)
        for key, value in node.items()
        if not _keyword(key, value)
    }


def _keyword(key: str, value: Any) -> bool:
    """Whether `key` is the `required` or `discriminator` keyword rather than a property of
    that name (whose value would be a schema)."""
    return (key == "required" and isinstance(value, list)) or (
        key == "discriminator" and isinstance(value, dict) and "propertyName" in value
    )


def _headed(model: type[BaseModel], title: str, description: str) -> dict[str, Any]:
    body = model.model_json_schema()
    body.pop("title", None)
    body.pop("description", None)
    return {"$schema": DIALECT, "title": title, "description": description, **body}
