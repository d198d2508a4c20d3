"""The Python examples of the guides and of the README run as written.

Each page of docs/guide/, and README.md, is one test: its fenced ```python blocks run in order, in one
namespace, in a fresh temporary working directory, so a guide that goes out of date fails here.
A block fenced ```python no-test is shown but not run (a full training run, say); every page
must still run at least one block. Shell (```bash) blocks are not run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guide"
PAGES = [*sorted(GUIDE.glob("*.md")), ROOT / "README.md"]
EXAMPLE = ROOT / "examples" / "my_method.py"

#: A fenced block: its info string (language and flags) and its body.
_BLOCK = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.S | re.M)


def python_blocks(text: str) -> list[tuple[bool, str]]:
    """``(runs, code)`` of every ```python block of a Markdown text, in order."""
    out = []
    for match in _BLOCK.finditer(text):
        info = match.group(1).split()
        if info and info[0] == "python":
            out.append(("no-test" not in info[1:], match.group(2)))
    return out


def test_the_guides_exist():
    names = {p.name for p in PAGES}
    assert names >= {"run_a_grid.md", "custom_method.md", "own_embeddings.md", "own_data.md",
                     "pid_from_samples.md", "figures_for_papers.md"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_the_python_examples_of_a_guide_run(page: Path, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(EXAMPLE.parent))
    blocks = python_blocks(page.read_text(encoding="utf-8"))
    namespace: dict[str, object] = {"__name__": f"guide_{page.stem}"}
    ran = 0
    try:
        for number, (runs, code) in enumerate(blocks, start=1):
            if not runs:
                continue
            try:
                exec(compile(code, f"{page.name}, python block {number}", "exec"), namespace)
            except Exception as exc:
                raise AssertionError(f"{page.name}: python block {number} failed: {exc!r}\n"
                                     f"{code}") from exc
            ran += 1
    finally:
        plt.close("all")
    assert ran >= 1, f"{page.name} has no python block that the test runs"


def test_the_method_guide_shows_the_example_file():
    blocks = [code for _, code in python_blocks((GUIDE / "custom_method.md").read_text())]
    assert EXAMPLE.read_text() in blocks


def test_blocks_marked_no_test_are_recognised():
    text = "```python\na = 1\n```\n\n```python no-test\nb = 2\n```\n\n```bash\nls\n```\n"
    assert python_blocks(text) == [(True, "a = 1\n"), (False, "b = 2\n")]
