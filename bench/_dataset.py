"""Loader for the shared article-bodies dataset, for benches (and tests) to import.

The dataset lives in ``shared/`` beside the repository (CI clones the repo elsewhere with a copy of
``shared/`` next to it), so the path is resolved from this file rather than from the working folder.
A git worktree sits one level deeper than the main checkout (``wt/<name>/``), so the nearest
``shared/`` among the repository's ancestors is used.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Run as ``python bench/x.py`` the repo root is not on sys.path, and the project is not installed.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bot.analysis.content_metric import f1_score  # noqa: E402

_RELATIVE = Path("shared") / "datasets" / "article-bodies"


def _find_dataset() -> Path:
    for folder in REPO_ROOT.parents:
        if (folder / _RELATIVE / "ground-truth.json").is_file():
            return folder / _RELATIVE
    return REPO_ROOT.parent / _RELATIVE


DATASET_DIR = _find_dataset()

__all__ = ["DATASET_DIR", "REPO_ROOT", "dataset_available", "f1_score", "iter_pages"]


def dataset_available(root: Path = DATASET_DIR) -> bool:
    return (root / "ground-truth.json").is_file() and (root / "html").is_dir()


def iter_pages(root: Path = DATASET_DIR) -> Iterator[tuple[str, str, str, str]]:
    """Yield (id, url, html, expected_body) for every labelled page, in a stable order."""
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    for page_id in sorted(truth):
        entry = truth[page_id]
        with gzip.open(root / "html" / f"{page_id}.html.gz", "rt", encoding="utf-8", errors="replace") as f:
            html = f.read()
        yield page_id, entry.get("url", ""), html, entry.get("articleBody", "")
