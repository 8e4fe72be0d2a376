import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean():
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.fail("ruff is part of the test extras; install with pip install -e '.[test]'")
    result = subprocess.run([ruff, "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_architecture_contracts_hold():
    # The import-linter contracts of pyproject.toml: the domain (bot.analysis, bot.review,
    # bot.fetch) imports neither discord nor bot.storage nor cogs; bot never imports cogs.
    # Run from the repository root so the packages analysed are this checkout's.
    if importlib.util.find_spec("importlinter") is None:
        pytest.fail("import-linter is part of the test extras; install with pip install -e '.[test]'")
    code = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_review_domain_starts_no_task():
    # bot/review is pure: the Discord side runs the loops and background work it hands over.
    for path in (ROOT / "bot" / "review").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in ("create_task(", "ensure_future(", "TaskGroup(", "get_running_loop(", "shield(", "import asyncio"):
            assert call not in text, f"{path.name} calls {call}"
