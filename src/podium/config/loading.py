"""Loading a config: YAML files merged left to right, `KEY=VALUE` overrides, then `${...}`.

Files may live at any cloudpathlib URI (a local path, file://, s3://, gs://, az://). The merged
tree is validated into a stack and a job; every problem becomes one `ConfigError` line that
names the file, key or field.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException
from pydantic import ValidationError

from podium.config.settings import ConfigFile, JobConfig
from podium.config.stack import DEFAULT_KINDS, StackSettings
from podium.domain.errors import ConfigError

MAX_CONFIG_BYTES = 1024 * 1024
"""The largest config file podium reads; a larger one is refused before it is parsed."""
MAX_DEPTH = 32
"""The deepest nesting of keys and lists a config may have."""


def load_config(files: Sequence[str], overrides: Sequence[str] = ()) -> JobConfig:
    """Merge the job config `files` left to right, apply `overrides` (`a.b=c`), resolve, and
    validate into the stack and the job."""
    if not files:
        raise ConfigError("no config file given; pass at least one, e.g. configs/training.yaml")
    return validate(_resolve(files, overrides))


def load_stack(files: Sequence[str], overrides: Sequence[str] = ()) -> StackSettings:
    """Like `load_config`, for files that describe a stack alone (no `job:`), such as
    `configs/stacks/local.yaml`."""
    if not files:
        raise ConfigError("no stack file given; pass one, e.g. configs/stacks/local.yaml")
    plain = _resolve(files, overrides)
    if isinstance(plain, dict) and "job" in plain:
        raise ConfigError(
            "job: a stack config holds the parts only; drop `job:` or load it as a job config"
        )
    return validate_stack(plain)


def validate(plain: Any) -> JobConfig:
    """Validate a plain job config tree (dicts and lists) into the stack and the job."""
    try:
        return ConfigFile.model_validate(plain).split()
    except ValidationError as exc:
        raise ConfigError(describe(exc, plain)) from exc


def validate_stack(plain: Any) -> StackSettings:
    """Validate a plain stack tree (dicts and lists) into `StackSettings`."""
    try:
        return StackSettings.model_validate(plain)
    except ValidationError as exc:
        raise ConfigError(describe(exc, plain)) from exc


def _resolve(files: Sequence[str], overrides: Sequence[str]) -> Any:
    tree = _merge(files, overrides)
    try:
        return OmegaConf.to_container(tree, resolve=True)
    except OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", None) or "config"
        raise ConfigError(f"{key}: cannot resolve: {_first_line(exc)}") from exc


def describe(exc: ValidationError, tree: Any = None) -> str:
    """One line naming each invalid field of a pydantic validation error.

    Fields are named by their key in the config `tree` that was validated: the `kind` a union
    picked, which pydantic puts in an error's location, is left out (`job.split.test_size`).
    """
    problems = []
    for error in exc.errors(include_url=False):
        where = _key(error["loc"], tree)
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key; remove it or check its spelling (see `podium schema`)"
        if error["type"] == "union_tag_invalid":
            context = error.get("ctx", {})
            where = f"{where}.{str(context.get('discriminator', 'kind')).strip(chr(39))}"
            message = (
                f"unknown kind {context.get('tag')!r}; expected one of"
                f" {context.get('expected_tags')}"
            )
        problems.append(f"{where}: {message}")
    return "invalid config: " + "; ".join(problems)


def _key(loc: tuple[int | str, ...], tree: Any) -> str:
    parts: list[str] = []
    node = tree
    for depth, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, dict) and part == node.get("kind", _default_kind(loc, depth)):
            continue  # the union member's tag, not a key of the config
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
        parts.append(str(part))
    return ".".join(parts) or "config"


def _default_kind(loc: tuple[int | str, ...], depth: int) -> str | None:
    # A top-level part given without `kind` gets its default kind before validation.
    return DEFAULT_KINDS.get(str(loc[0])) if depth == 1 else None


def _merge(files: Sequence[str], overrides: Sequence[str]) -> DictConfig:
    layers = [_load(uri) for uri in files]
    for item in overrides:
        key, sep, _ = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"--set {item!r}: expected KEY=VALUE, e.g. model.params.learning_rate=0.05"
            )
    try:
        layers.append(OmegaConf.from_dotlist(list(overrides)))
        merged = OmegaConf.merge(*layers)
    except OmegaConfBaseException as exc:
        raise ConfigError(f"--set: {_first_line(exc)}") from exc
    except (TypeError, ValueError) as exc:  # OmegaConf's own, for a list set key by key
        raise _merge_error(layers[:-1], overrides, exc) from exc
    if not isinstance(merged, DictConfig):
        raise ConfigError("config: the merged config is not a mapping")
    return merged


def _merge_error(
    layers: Sequence[DictConfig], overrides: Sequence[str], exc: Exception
) -> ConfigError:
    """The override that cannot merge into the files, named, with how to set a list."""
    for item in overrides:
        try:
            OmegaConf.merge(*layers, OmegaConf.from_dotlist([item]))
        except (OmegaConfBaseException, TypeError, ValueError):
            key = item.partition("=")[0].strip()
            parts = key.split("[", 1)[0].split(".")
            if "[" not in key and parts[-1].isdigit():
                parts = parts[:-1]
            whole = ".".join(parts)
            return ConfigError(
                f"--set {item!r}: {key} does not fit the config's value there ({_first_line(exc)});"
                f" to change a list, set all of it: --set '{whole}=[a, b]'"
            )
    return ConfigError(f"--set: {_first_line(exc)}")


def _check_depth(data: object, uri: str) -> None:
    """Refuse a tree nested deeper than `MAX_DEPTH`, naming where (without recursion)."""
    pending: list[tuple[object, tuple[str, ...]]] = [(data, ())]
    while pending:
        node, path = pending.pop()
        if len(path) > MAX_DEPTH:
            where = ".".join(path[: MAX_DEPTH + 1])
            raise ConfigError(
                f"{uri}: nested more than {MAX_DEPTH} levels deep at {where}; a podium config"
                " is a few levels deep: check the indentation"
            )
        if isinstance(node, dict):
            pending.extend((value, (*path, str(key))) for key, value in node.items())
        elif isinstance(node, list):
            pending.extend((value, (*path, str(i))) for i, value in enumerate(node))


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, except that dates and times stay text: OmegaConf cannot hold date
    values, and pydantic parses the text where a setting is a date."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _load(uri: str) -> DictConfig:
    text = _read_text(uri)
    try:
        data = yaml.load(text, Loader=_Loader)  # safe: _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        raise ConfigError(f"{uri}: not valid YAML: {_first_line(exc)}") from exc
    if data is None:
        data = {}
    _check_depth(data, uri)
    if not isinstance(data, dict):
        raise ConfigError(
            f"{uri}: a config file must hold a mapping of keys, not {type(data).__name__}"
        )
    try:
        return OmegaConf.create(data)
    except OmegaConfBaseException as exc:
        raise ConfigError(f"{uri}: {_first_line(exc)}") from exc


def _read_text(uri: str) -> str:
    try:
        if "://" in uri and not uri.startswith("file://"):
            from cloudpathlib import AnyPath  # imported here: it pulls in cloud SDKs

            try:
                text = str(AnyPath(uri).read_text())
            except (OSError, ValueError):
                raise
            except Exception as exc:  # the cloud SDK's own (botocore, google, azure) errors
                raise ConfigError(
                    f"{uri}: cannot read the config file ({_first_line(exc)}); check the URI,"
                    " the credentials and the endpoint"
                ) from exc
            if len(text.encode()) > MAX_CONFIG_BYTES:
                raise _too_large(uri)
            return text
        path = Path(uri.removeprefix("file://"))
        if path.is_file() and path.stat().st_size > MAX_CONFIG_BYTES:
            raise _too_large(uri)  # before it is read or parsed
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{uri}: config file not found; check the path") from exc
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{uri}: cannot read the config file: {_first_line(exc)}") from exc


def _too_large(uri: str) -> ConfigError:
    return ConfigError(
        f"{uri}: over {MAX_CONFIG_BYTES // 1024} KiB, too large for a config file; a config"
        " holds settings, not data: point `job.data` at the table instead"
    )


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
