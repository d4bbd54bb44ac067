"""docs/ARCHITECTURE.md names only paths that exist.

Every code span that looks like a path (it holds a `/`, or ends in a file extension) must
name a file or folder of the repository, either from the root (`harness/engine_harness.py`)
or, inside the runtime package, from `provider/slb_master_slave/` (`ownership/fence.py`); a
`*` matches like a shell glob and must match at least one. A moved or renamed file thus
fails here until the document follows it.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = Path("docs") / "ARCHITECTURE.md"
PACKAGE = Path("provider") / "slb_master_slave"

_SPAN = re.compile(r"`([^`\n]+)`")
_PATH_LIKE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.*/-]*$")
_EXTENSIONS = (".py", ".md", ".json", ".toml", ".txt", ".sh", ".cfg", ".yaml", ".yml")


def doc_lines(root: Path) -> list[str]:
    """The document's lines, the fences of code blocks left out (their spans still count)."""
    text = (root / DOC).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if not line.lstrip().startswith("```")]


def named_paths(root: Path) -> list[str]:
    """Every path the document names in a code span, in order, each once."""
    found: list[str] = []
    for line in doc_lines(root):
        for span in _SPAN.findall(line):
            looks_like_path = "/" in span or span.endswith(_EXTENSIONS)
            if looks_like_path and _PATH_LIKE.match(span) and span not in found:
                found.append(span)
    return found


def exists(root: Path, path: str) -> bool:
    for base in (root, root / PACKAGE):
        if "*" in path:
            if any(base.glob(path)):
                return True
        elif (base / path).exists():
            return True
    return False


def missing_paths(root: Path) -> list[str]:
    return [path for path in named_paths(root) if not exists(root, path)]


def test_every_named_path_exists() -> None:
    missing = missing_paths(ROOT)
    assert not missing, f"{DOC} names paths that do not exist: {', '.join(missing)}"


def test_the_check_reads_the_document() -> None:
    """Not vacuous: the document names the rooms' files, and no code span is broken over two
    lines (such a span would escape the check)."""
    paths = named_paths(ROOT)
    assert len(paths) >= 40, paths
    assert "ownership/fence.py" in paths
    unbalanced = [line for line in doc_lines(ROOT) if line.count("`") % 2]
    assert not unbalanced, f"code spans broken over lines in {DOC}: {unbalanced}"
