from pathlib import Path

from bot.client import REQUIRED_PERMISSIONS

ROOT = Path(__file__).resolve().parents[3]


def test_readme_invite_link_asks_for_exactly_the_permissions_the_bot_needs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"permissions={REQUIRED_PERMISSIONS.value}" in readme
    assert f"**{REQUIRED_PERMISSIONS.value}**" in readme


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = 'python -m pip install -e ".[test]" && python -m pytest'
    assert command in readme
    assert ci.strip().splitlines()[-1] == command
