"""The JSON Schemas `podium schema` prints, checked with real validators: check-jsonschema (the
command the README names) on every bundled config, jsonschema on the README's config snippets,
and podium itself agreeing with the schema on what a time bound may be."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, get_args

import jsonschema
import pytest
import yaml

from podium.cli.main import main
from podium.config.loading import load_config
from podium.config.settings import JobSettings
from podium.domain.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
JOB_CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))
STACK_CONFIGS = sorted((ROOT / "configs" / "stacks").glob("*.yaml"))


def _printed(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


@pytest.fixture
def job_schema(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(_printed(["schema"], capsys))
    return schema


@pytest.fixture
def stack_schema(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(_printed(["schema", "--stack"], capsys))
    return schema


def _check_jsonschema(schema: dict[str, Any], files: list[Path], tmp_path: Path) -> None:
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(schema))
    command = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    assert command is not None, "check-jsonschema is in the dev extra"
    done = subprocess.run(
        [command, "--schemafile", str(schema_file), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schemas_name_their_dialect_and_title(
    job_schema: dict[str, Any], stack_schema: dict[str, Any]
) -> None:
    # then
    for schema in (job_schema, stack_schema):
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)
    assert job_schema["title"] == "podium job config"
    assert stack_schema["title"] == "podium stack"
    assert "job" in job_schema["required"]
    assert "job" not in stack_schema["properties"]


def test_check_jsonschema_accepts_every_bundled_job_config(
    job_schema: dict[str, Any], tmp_path: Path
) -> None:
    # given
    assert len(JOB_CONFIGS) >= 7

    # when / then
    _check_jsonschema(job_schema, JOB_CONFIGS, tmp_path)


def test_check_jsonschema_accepts_every_bundled_stack_file(
    stack_schema: dict[str, Any], tmp_path: Path
) -> None:
    # given
    assert len(STACK_CONFIGS) >= 3

    # when / then
    _check_jsonschema(stack_schema, STACK_CONFIGS, tmp_path)


def test_the_readme_config_snippets_are_valid_stack_overlays(
    stack_schema: dict[str, Any],
) -> None:
    # given every ```yaml block of the README
    readme = (ROOT / "README.md").read_text()
    snippets = re.findall(r"```yaml\n(.*?)```", readme, flags=re.DOTALL)
    assert len(snippets) >= 2

    # when / then
    validator = jsonschema.Draft202012Validator(stack_schema)
    for snippet in snippets:
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(snippet))]
        assert errors == [], snippet


@pytest.mark.parametrize(
    ("document", "part"),
    [
        ({"tuner": {"kind": "optuna", "n_trail": 3}}, "n_trail"),
        ({"model": {"kind": "lightgbm", "params": []}}, "params"),
        ({"storage": {"kind": "s4"}}, "kind"),
    ],
)
def test_the_stack_schema_still_refuses_unknown_keys_and_wrong_types(
    stack_schema: dict[str, Any], document: dict[str, Any], part: str
) -> None:
    # when
    errors = list(jsonschema.Draft202012Validator(stack_schema).iter_errors(document))

    # then
    assert errors, f"{document} should be refused ({part})"


@pytest.mark.parametrize(
    ("bound", "valid"),
    [
        ("2012-09-01", True),
        ("2012-09-01T06:00", True),
        ("2012-09-01 06:00:00", True),
        ("2012-09-01T06:00:00.5+02:00", True),
        ("2012-09-01T06:00:00Z", True),
        ("September 2012", False),
        ("2012/09/01", False),
    ],
)
def test_schema_and_podium_agree_on_what_a_time_bound_is(
    job_schema: dict[str, Any], bound: str, valid: bool
) -> None:
    # given an inference config whose window starts at `bound`
    config = ROOT / "configs" / "inference.yaml"
    document = yaml.safe_load(config.read_text())
    document["job"]["input"]["time_from"] = bound
    validator = jsonschema.Draft202012Validator(
        job_schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )

    # when
    schema_accepts = validator.is_valid(document)
    try:
        load_config([str(config)], [f"job.input.time_from='{bound}'"])
        podium_accepts = True
    except ConfigError:
        podium_accepts = False

    # then
    assert schema_accepts is valid
    assert podium_accepts is valid


def test_help_lists_every_job_kind_and_the_schema_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # when
    code = main(["--help"])
    shown = capsys.readouterr().out

    # then
    assert code == 0
    union = get_args(get_args(JobSettings)[0])
    kinds = [str(get_args(cls.model_fields["kind"].annotation)[0]) for cls in union]
    assert len(kinds) == 7
    for kind in kinds:
        assert re.search(rf"^\s+{kind}\s", shown, flags=re.MULTILINE), kind
    assert "podium schema" in shown
    assert "configs/" in shown
