"""The README's shell blocks, run top to bottom as a newcomer would, in a fresh copy of the
repository with a fresh virtualenv: every command of every ```bash block, in one shell, in the
order written, each checked against the exit code its comment documents (`exit 3`), else 0.

A block may be preceded by a directive the rendered README does not show:

- `<!-- readme-test: skip: REASON -->`: not run (only where the README itself says what it
  needs that a test machine lacks; `SKIPPED` lists them, so a new skip fails this test until it
  is named here);
- `<!-- readme-test: server URL -->`: the block starts a server; it runs in the background
  until URL answers, then is stopped.

The first command installs podium as the README says, so this test also checks that the light
install is enough for what the README runs before it asks for an extra.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

# The blocks not run, by their first command, and why.
SKIPPED = {
    'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[dev,evidently]"'
    " && python -m pytest": "the test command: it is what runs this test",
    "mlflow server --backend-store-uri postgresql://... \\": "needs PostgreSQL and an S3 bucket;"
    " tests/integration/test_cloud_stack.py runs these jobs against mlflow server and moto",
}
_DIRECTIVE = re.compile(r"<!--\s*readme-test:\s*(skip|server)\s*:?\s*(.*?)\s*-->")
_EXIT = re.compile(r"#.*\bexit(?:s)? (\d+)")


@dataclass(frozen=True)
class Command:
    line: int
    text: str
    expected: int


@dataclass(frozen=True)
class Block:
    line: int
    commands: tuple[Command, ...]
    directive: str | None
    argument: str


def shell_blocks(text: str) -> list[Block]:
    """Every ```bash block of `text`, with its commands and the directive before it."""
    lines = text.splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        if lines[index].strip() != "```bash":
            index += 1
            continue
        start = index
        directive, argument = _directive_before(lines, start)
        body: list[tuple[int, str]] = []
        index += 1
        while lines[index].strip() != "```":
            body.append((index + 1, lines[index]))
            index += 1
        blocks.append(Block(start + 1, tuple(_commands(body)), directive, argument))
        index += 1
    return blocks


def _directive_before(lines: list[str], fence: int) -> tuple[str | None, str]:
    above = fence - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    found = _DIRECTIVE.search(lines[above]) if above >= 0 else None
    return (found.group(1), found.group(2)) if found else (None, "")


def _commands(body: list[tuple[int, str]]) -> list[Command]:
    """The logical commands of a block: continued lines joined, comment-only lines dropped."""
    commands: list[Command] = []
    pending: list[str] = []
    first = 0
    for number, raw in body:
        if not pending and (not raw.strip() or raw.lstrip().startswith("#")):
            continue
        if not pending:
            first = number
        pending.append(raw)
        if raw.rstrip().endswith("\\") and "#" not in raw:
            continue
        text = "\n".join(pending)
        found = _EXIT.search(pending[-1])
        commands.append(Command(first, text, int(found.group(1)) if found else 0))
        pending = []
    return commands


def test_the_readme_blocks_are_parsed_with_their_exit_codes() -> None:
    # when
    blocks = shell_blocks(README.read_text())

    # then every block has commands, the refused promotion expects 3 and drift 4
    assert blocks
    assert all(block.commands for block in blocks)
    expected = {c.expected for block in blocks for c in block.commands}
    assert {0, 3, 4} <= expected
    skipped = {b.commands[0].text.splitlines()[0] for b in blocks if b.directive == "skip"}
    assert skipped == set(SKIPPED)


def _script(blocks: list[Block], logs: Path) -> str:
    """One bash script running every block in order, stopping at the first surprise."""
    parts = [
        "set -u",
        "expect() {  # expect CODE LINE: the last command's exit code is the documented one",
        '  if [ "$1" -ne "$2" ]; then',
        '    echo "README line $3 exited $1, the README says $2" >&2; exit 99',
        "  fi",
        "}",
    ]
    for block in blocks:
        if block.directive == "skip":
            continue
        if block.directive == "server":
            parts.extend(_server(block, logs))
            continue
        for command in block.commands:
            log = logs / f"line-{command.line}.log"
            parts.append(f"echo {shlex.quote(f'== README line {command.line}')} >&2")
            parts.append(f"{{ {command.text}\n}} > {log} 2>&1; code=$?")
            parts.append(f"if [ $code -ne {command.expected} ]; then tail -n 40 {log} >&2; fi")
            parts.append(f"expect $code {command.expected} {command.line}")
    return "\n".join(parts) + "\n"


def _server(block: Block, logs: Path) -> list[str]:
    (command,) = block.commands
    log = logs / f"line-{command.line}.log"
    wait = (
        "import sys, time, urllib.request\n"
        "for _ in range(240):\n"
        "    try:\n"
        f"        urllib.request.urlopen({block.argument!r}, timeout=2); sys.exit(0)\n"
        "    except Exception:\n"
        "        time.sleep(0.5)\n"
        "sys.exit(1)\n"
    )
    return [
        f"echo {shlex.quote(f'== README line {command.line} (server)')} >&2",
        f"setsid bash -c {shlex.quote(command.text)} > {log} 2>&1 & server=$!",
        f"python -c {shlex.quote(wait)}; code=$?",
        "kill -- -$server 2>/dev/null; wait $server 2>/dev/null",
        f"if [ $code -ne 0 ]; then tail -n 40 {log} >&2; fi",
        f"expect $code 0 {command.line}",
    ]


def _fresh_copy(target: Path) -> None:
    """The repository's files as a clone would have them (tracked and not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    for name in listed.stdout.decode().split("\0"):
        source = ROOT / name
        if name and source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _newcomer_environment(home: Path) -> dict[str, str]:
    """This process's environment without its virtualenv: `python3` is the machine's."""
    venv = Path(sys.prefix)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and venv not in Path(p).parents]
    base = Path(sys.base_prefix) / "bin"
    env["PATH"] = os.pathsep.join([*path, str(base)])
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["OMP_NUM_THREADS"] = "1"
    env["PODIUM_USER"] = "readme"
    env["XDG_CONFIG_HOME"] = str(home / "config")
    return env


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_every_readme_shell_block_runs_in_order_in_a_fresh_clone(tmp_path: Path) -> None:
    # given a fresh copy of the repository and the README's blocks
    clone, logs = tmp_path / "clone", tmp_path / "logs"
    clone.mkdir()
    logs.mkdir()
    _fresh_copy(clone)
    blocks = shell_blocks((clone / "README.md").read_text())
    script = tmp_path / "readme.sh"
    script.write_text(_script(blocks, logs))

    # when they run in one shell, in order
    done = subprocess.run(
        ["bash", str(script)],
        cwd=clone,
        env=_newcomer_environment(tmp_path),
        capture_output=True,
        text=True,
        check=False,
        timeout=1450,
    )

    # then every command exited as documented, and the jobs wrote what they said
    assert done.returncode == 0, done.stderr[-6000:]
    ran = [c for b in blocks if b.directive != "skip" for c in b.commands]
    assert done.stderr.count("== README line") == len(ran)
    assert (clone / ".podium" / "mlflow.db").is_file()
    assert (clone / "outputs" / "bike_sharing_predictions.parquet").is_file()
