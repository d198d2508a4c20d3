"""Every link and pointer in the documentation leads somewhere that exists.

Checked:

* Markdown links ``[text](target)`` in README.md and docs/**/*.md: a relative target names an
  existing file, and a ``#fragment`` an existing heading of the Markdown file it points to;
* pointers from code, configs and docstrings to the documentation, written
  ``docs/PAGE.md, "Heading"`` or ``docs/PAGE.md#slug`` (or ``README.md, "Heading"``): the page
  and the heading exist;
* paths under ``benchmarks/results/`` named anywhere in the code, configs or documentation
  exist, and every file kept there is cited by a results page;
* one results page per benchmark script;
* the README stays a page for users: at most 250 lines, no commit hash, no hour of a day.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
RESULTS = ROOT / "benchmarks" / "results"
MARKDOWN = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", *DOCS.rglob("*.md")])
CODE_DIRS = ("pid_bench", "synthetic", "analysis", "benchmarks", "configs", "examples")
CODE_SUFFIXES = {".py", ".yaml", ".yml", ".toml", ".cfg"}

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\(([^)\s]+)\)|!\[[^\]\n]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.M)
_POINTER = re.compile(r"(README\.md|docs/[\w./-]+\.md)(?:#([\w-]+)|,\s*\"([^\"]+)\")?")
_RESULT_PATH = re.compile(r"benchmarks/results/[\w./*-]*[\w*]")


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _without_code(text: str) -> str:
    """Markdown text with fenced blocks and inline code removed."""
    return _INLINE_CODE.sub("", _FENCE.sub("", text))


def slug(heading: str) -> str:
    """The anchor GitHub (and MkDocs' toc) gives a heading: lower case, punctuation dropped,
    spaces as hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return re.sub(r"\s", "-", text)


def headings(path: Path) -> dict[str, str]:
    """Slug -> heading text of every heading of a Markdown file (outside code blocks)."""
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(m.group(2)): m.group(2) for m in _HEADING.finditer(text)}


def _code_files() -> list[Path]:
    files = [p for d in CODE_DIRS for p in (ROOT / d).rglob("*")
             if p.suffix in CODE_SUFFIXES and "__pycache__" not in p.parts]
    return sorted(files + [ROOT / "pyproject.toml"])


def broken_links(page: Path) -> list[str]:
    """The relative links of a Markdown page whose file or heading does not exist."""
    broken = []
    for match in _LINK.finditer(_without_code(page.read_text(encoding="utf-8"))):
        target = match.group(1) or match.group(2)
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path_part, _, fragment = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        if not dest.exists():
            broken.append(f"{target}: no file {dest}")
        elif fragment and dest.suffix == ".md" and fragment not in headings(dest):
            broken.append(f"{target}: no heading #{fragment} in {dest.name}")
    return broken


def broken_pointers(source: Path, root: Path = ROOT) -> list[str]:
    """The pointers of a source file to a documentation page or heading that does not exist."""
    broken = []
    for match in _POINTER.finditer(source.read_text(encoding="utf-8")):
        name, anchor, title = match.groups()
        page = root / name
        if not page.exists():
            broken.append(f"{match.group(0)}: no file {name}")
            continue
        wanted = anchor or (slug(" ".join(title.split())) if title else None)
        if wanted and wanted not in headings(page):
            broken.append(f"{match.group(0)}: no such heading in {name}")
    return broken


@pytest.mark.parametrize("page", MARKDOWN, ids=_relative)
def test_markdown_links_resolve(page: Path):
    broken = broken_links(page)
    assert not broken, f"{_relative(page)} has broken links:\n" + "\n".join(broken)


@pytest.mark.parametrize("source", _code_files(), ids=_relative)
def test_pointers_to_the_docs_resolve(source: Path):
    broken = broken_pointers(source)
    assert not broken, f"{_relative(source)} points to missing docs:\n" + "\n".join(broken)


def test_no_pointer_names_a_readme_section_without_its_file():
    """The old style ``README, "Section"`` left the page implicit; pointers now name the file."""
    offenders = [f"{_relative(p)}: {m.group(0)}" for p in _code_files()
                 for m in re.finditer(r"README,\s*\"[^\"]+\"", p.read_text(encoding="utf-8"))]
    assert not offenders, "\n".join(offenders)


def test_named_result_files_exist():
    missing = []
    for source in [*MARKDOWN, *_code_files()]:
        for match in _RESULT_PATH.finditer(source.read_text(encoding="utf-8")):
            path = match.group(0).rstrip(".")
            if not list(ROOT.glob(path)):
                missing.append(f"{_relative(source)}: {path}")
    assert not missing, "named result files that do not exist:\n" + "\n".join(missing)


def test_every_kept_result_file_is_cited_by_a_results_page():
    cited = "\n".join(p.read_text(encoding="utf-8") for p in (DOCS / "results").glob("*.md"))
    kept = [p for p in RESULTS.rglob("*") if p.is_file()]
    assert kept, "benchmarks/results/ holds no file"
    uncited = [_relative(p) for p in kept if p.name not in cited]
    assert not uncited, "result files that no docs/results page cites:\n" + "\n".join(uncited)


def test_every_kept_result_file_lives_in_a_folder_per_benchmark():
    benchmarks = {p.stem for p in (ROOT / "benchmarks").glob("[a-z]*.py")}
    stray = [_relative(p) for p in RESULTS.rglob("*") if p.is_file()
             and p.relative_to(RESULTS).parts[0] not in benchmarks]
    assert not stray, "result files outside benchmarks/results/<benchmark>/:\n" + "\n".join(stray)


def test_one_results_page_per_benchmark():
    scripts = sorted(p.stem for p in (ROOT / "benchmarks").glob("[a-z]*.py"))
    assert scripts
    missing = [s for s in scripts if not (DOCS / "results" / f"{s}.md").exists()]
    assert not missing, f"benchmarks without a docs/results page: {missing}"


def test_readme_is_short_and_has_no_lab_notes():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    hashes = [w for w in re.findall(r"\b[0-9a-f]{7,40}\b", text)
              if re.search(r"\d", w) and re.search(r"[a-f]", w)]
    assert not hashes, f"commit hashes in the README: {hashes}"
    hours = re.findall(r"\b\d{1,2}:\d{2}(?::\d{2})?\b(?!\])", _FENCE.sub("", text))
    assert not hours, f"hours of a day in the README: {hours}"


def test_slug_follows_github():
    assert slug("What changed from the paper, and why") == "what-changed-from-the-paper-and-why"
    assert slug("CoMM on `latent` data") == "comm-on-latent-data"
    assert slug("Why CoMM's head is batch-normalised") == "why-comms-head-is-batch-normalised"


def test_the_checkers_catch_a_broken_link_pointer_and_heading(tmp_path: Path):
    page = tmp_path / "docs" / "page.md"
    page.parent.mkdir()
    page.write_text("# Title\n\n## A section\n\n[ok](#a-section) [bad](#nope) [gone](missing.md)"
                    "\n\n```\n[in code](ignored.md)\n```\n[web](https://example.org/x)\n")
    assert [b.split(":")[0] for b in broken_links(page)] == ["#nope", "missing.md"]
    source = tmp_path / "mod.py"
    source.write_text('"""See docs/page.md, "A section"; docs/page.md#title; docs/page.md, '
                      '"No such"; docs/none.md."""\n')
    assert broken_pointers(source, root=tmp_path) == [
        'docs/page.md, "No such": no such heading in docs/page.md',
        "docs/none.md: no file docs/none.md"]


def test_ci_runs_the_readme_commands_as_written():
    """CI proves the README's test command, and the main job's command is the README's."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^```bash\n(python3\.11 -m venv[^\n]*)\n```", text, re.M)
    assert len(commands) == 2, f"expected the README's two commands; found {commands}"
    main_job, tests = commands
    assert "pid-bench run configs/default.yaml" in main_job and "pid-bench report" in main_job
    assert "pytest" in tests
    assert tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
