import tomllib
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, documented_keys, load_settings, settings_from_mapping

ROOT = Path(__file__).resolve().parents[3]


def test_example_config_documents_every_key_and_loads():
    text = (ROOT / "config.example.toml").read_text()
    data = tomllib.loads(text)
    settings = settings_from_mapping(data, base=ROOT)
    assert settings.fetch.allow_private_networks is False
    for section, keys in documented_keys().items():
        assert f"[{section}]" in text, section
        for key in keys:
            assert f"{key} =" in text, f"[{section}] {key} is not documented in config.example.toml"


def test_defaults_are_safe():
    s = Settings()
    assert s.fetch.max_redirects == 5
    assert s.fetch.max_bytes == 2 * 1024 * 1024
    assert s.fetch.total_timeout <= 15
    assert s.fetch.allowed_ports == (80, 443)
    assert s.review.min_votes == 3 and s.review.deadline_hours == 72


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"fetch": {"max_bytes": "big"}}, "[fetch] max_bytes: must be an integer"),
        ({"fetch": {"max_bytes": 10}}, "[fetch] max_bytes: must be an integer between"),
        ({"fetch": {"max_bytes": 2 * 1024 * 1024 + 1}}, "[fetch] max_bytes: must be an integer between 1024 and 2097152"),
        ({"fetch": {"max_redirects": 6}}, "[fetch] max_redirects: must be an integer between 0 and 5"),
        ({"fetch": {"total_timeout": 60}}, "[fetch] total_timeout"),
        ({"fetch": {"allowed_ports": [0]}}, "[fetch] allowed_ports"),
        ({"fetch": {"allow_private_networks": "yes"}}, "[fetch] allow_private_networks: must be true or false"),
        ({"discord": {"dev_guild_id": -1}}, "[discord] dev_guild_id"),
        ({"discord": {"api_base_url": "ftp://x"}}, "[discord] api_base_url"),
        ({"discord": {"colour": 1}}, "[discord] colour: unknown key"),
        ({"dicsord": {}}, "[dicsord]: unknown section"),
        ({"logging": {"level": "LOUD"}}, "[logging] level"),
        ({"review": {"min_votes": 0}}, "[review] min_votes"),
        ({"discord": {"dev_guild_id": "\u00b2"}}, "[discord] dev_guild_id: must be an integer"),
        ({"logging": {"backups": 0}}, "[logging] backups: must be an integer between 1 and 100"),
        ({"token": "abc"}, "token: a key outside any [section]"),
        ({"discord": {"token": "abc def"}}, "[discord] token: the token contains spaces or control characters"),
    ],
)
def test_bad_values_name_the_key(doc, message):
    with pytest.raises(SettingsError) as info:
        settings_from_mapping(doc)
    assert message in str(info.value)


def test_a_token_from_the_environment_is_checked_too():
    with pytest.raises(SettingsError, match="DISCORD_TOKEN: the token contains spaces"):
        load_settings(None, environ={"DISCORD_TOKEN": " abc\ndef "})
    assert load_settings(None, environ={"DISCORD_TOKEN": " abc.def\n"}).discord.token == "abc.def"


def test_choices_ignore_case_and_a_byte_order_mark_is_fine(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_bytes(b"\xef\xbb\xbf" + b'[logging]\nformat = "JSON"\nlevel = "debug"\n')
    s = load_settings(cfg, environ={})
    assert (s.logging.format, s.logging.level) == ("json", "DEBUG")


def test_env_token_wins_and_relative_paths_follow_the_file(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[discord]\ntoken = "from-file"\n[storage]\npath = "db/x.sqlite3"\n')
    s = load_settings(cfg, environ={"DISCORD_TOKEN": "from-env"})
    assert s.discord.token == "from-env"
    assert s.storage.path == tmp_path / "db" / "x.sqlite3"
    assert load_settings(cfg, environ={}).discord.token == "from-file"


def test_unreadable_and_invalid_files(tmp_path):
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "missing.toml", environ={})
    bad = tmp_path / "bad.toml"
    bad.write_text("[discord\n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(bad, environ={})
