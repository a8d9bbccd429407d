"""The README's Python examples run as written, in a fresh interpreter, and leave no file.

Each ```python block of the README runs in an empty working directory holding only the example
data, with a fresh HOME and temporary folder; a block that uses `podium.testing` is a pytest
module and runs under pytest.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.DOTALL)


def _files(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*")}


def test_the_readme_has_the_embedding_examples() -> None:
    assert len(BLOCKS) >= 2
    assert any("podium.Lifecycle()" in block for block in BLOCKS)
    assert any("podium.testing" in block for block in BLOCKS)


@pytest.mark.slow
@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_a_readme_example_runs_as_written_and_leaves_no_file(block: str, tmp_path: Path) -> None:
    # given
    work, home, temp = tmp_path / "work", tmp_path / "home", tmp_path / "tmp"
    shutil.copytree(ROOT / "data", work / "data")
    home.mkdir()
    temp.mkdir()
    script = tmp_path / "example.py"
    script.write_text(block)
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "PODIUM_"))},
        "HOME": str(home),
        "TMPDIR": str(temp),
        # The example is the host's file, not podium's: its bytecode cache is not podium's doing.
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    command = [sys.executable, str(script)]
    if "podium.testing" in block:
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(script)]
    before = _files(tmp_path)

    # when
    done = subprocess.run(
        command, cwd=work, env=environment, capture_output=True, text=True, timeout=300, check=False
    )

    # then
    assert done.returncode == 0, done.stdout + done.stderr
    if "podium.testing" not in block:
        assert done.stderr == ""
    assert _files(tmp_path) - before == set()
