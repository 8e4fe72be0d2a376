"""`python -m bot check` as a user runs it: a real process, real stdout/stderr and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FACTOR_IDS = ["relevance", "content_quality", "placement", "anchor_text", "rel", "outbound_links",
              "indexability", "trust", "traffic", "link_type"]
LINK_KEYS = {"href", "anchor_text", "anchor_class", "rel", "placement", "internal", "hidden"}


def run_cli(*args: str, stdin: bytes | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, **(env or {})}
    environment.pop("DISCORD_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, input=stdin,
                          capture_output=True, timeout=60, env=environment)


def assert_contract(doc: dict) -> None:
    assert set(doc) >= {"url", "final_url", "status", "title", "content", "links", "target_links", "factors", "risk"}
    assert set(doc["content"]) >= {"text", "word_count"}
    assert isinstance(doc["content"]["word_count"], int)
    for link in doc["links"] + doc["target_links"]:
        assert set(link) == LINK_KEYS
        assert isinstance(link["rel"], list) and isinstance(link["internal"], bool) and isinstance(link["hidden"], bool)
    assert [f["id"] for f in doc["factors"]] == FACTOR_IDS
    for factor in doc["factors"]:
        assert factor["verdict"] in {"good", "caution", "bad", "unknown"}
        assert 0 <= factor["score"] <= 100
        assert isinstance(factor["evidence"], list) and all(isinstance(e, str) for e in factor["evidence"])
    assert doc["risk"]["level"] in {"low", "medium", "high"} and 0 <= doc["risk"]["score"] <= 100


def test_sample_json_contract_and_offline_skips():
    result = run_cli("check", "--sample", "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    doc = json.loads(result.stdout)
    assert_contract(doc)
    assert doc["status"] is None
    assert doc["target_links"][0]["placement"] == "content"
    assert doc["risk"]["level"] == "low"
    assert doc["skipped"], "offline mode must say which checks it skipped"


def test_html_file_and_stdin_give_the_same_report(tmp_path):
    page = (ROOT / "bot" / "samples" / "guest-post.html").read_bytes()
    path = tmp_path / "page.html"
    path.write_bytes(page)
    common = ["--url", "https://gardening-weekly.example/post", "--target", "compost-supplies.example", "--json"]
    from_file = run_cli("check", "--html", str(path), *common)
    from_stdin = run_cli("check", "--html", "-", *common, stdin=page)
    assert from_file.returncode == from_stdin.returncode == 0
    assert json.loads(from_file.stdout) == json.loads(from_stdin.stdout)
    assert_contract(json.loads(from_file.stdout))


def test_readable_report_without_json():
    result = run_cli("check", "--sample")
    assert result.returncode == 0
    text = result.stdout.decode()
    assert "Overall risk: LOW" in text and "Link placement" in text
    assert "\x1b[" not in text  # not a terminal: no colour codes


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["check", "ftp://example.com/"], 2, "http"),
        (["check", "http://127.0.0.1/"], 2, "private or reserved"),
        (["check", "http://[::1]/"], 2, "private or reserved"),
        (["check", "http://0177.0.0.1/"], 2, "private or reserved"),
        (["check", "http://user:pass@example.com/"], 2, "username or password"),
        (["check", "--html", "/nonexistent/file.html", "--url", "https://a.example/"], 2, "no such file"),
        (["check", "--html", "-"], 2, "--html needs --url"),
        (["check"], 2, "give a URL"),
        (["check", "--html", "-", "--url", "javascript:alert(1)"], 2, "--url must be an http(s) URL"),
        (["check", "--bogus"], 2, "unrecognized arguments"),
        (["frobnicate"], 2, "invalid choice"),
    ],
)
def test_errors_are_one_line_with_exit_codes(args, code, needle):
    result = run_cli(*args, stdin=b"")
    assert result.returncode == code, (result.stdout, result.stderr)
    err = result.stderr.decode()
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert needle in err
    assert result.stdout == b""


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"%PDF-1.4\n" + b"x" * 100, "is not an HTML file"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 50, "is not an HTML file"),
        (b"<p>" + b"a" * (2 * 1024 * 1024), "is larger than 2,097,152 bytes"),
    ],
    ids=["pdf", "gzip", "over-the-cap"],
)
def test_a_saved_page_is_held_to_what_a_fetch_accepts(tmp_path, body, needle):
    page = tmp_path / "saved.html"
    page.write_bytes(body)
    for source, stdin in ((str(page), None), ("-", body)):
        result = run_cli("check", "--html", source, "--url", "https://a.example/", stdin=stdin)
        assert result.returncode == 2 and result.stdout == b""
        err = result.stderr.decode()
        assert err.count("\n") == 1 and needle in err, err


def test_bad_config_names_the_key(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[fetch]\nmax_redirects = 99\n")
    result = run_cli("check", "--sample", "--config", str(cfg))
    assert result.returncode == 2
    assert b"[fetch] max_redirects" in result.stderr and result.stderr.count(b"\n") == 1


def test_verbose_logs_go_to_stderr_only_when_asked():
    quiet = run_cli("check", "--sample", "--json")
    loud = run_cli("--verbose", "check", "--sample", "--json")
    assert quiet.stderr == b""
    assert json.loads(loud.stdout) == json.loads(quiet.stdout)


@pytest.fixture
def local_site():
    """A plain HTTP server on loopback in a thread: the CLI is a separate process."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    sample = (ROOT / "bot" / "samples" / "guest-post.html").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            if self.path == "/page":
                body, kind, status = sample, "text/html; charset=utf-8", 200
            elif self.path == "/robots.txt":
                body, kind, status = b"User-agent: *\nDisallow: /private\n", "text/plain", 200
            elif self.path == "/file.pdf":
                body, kind, status = b"%PDF-1.4 ...", "application/pdf", 200
            else:
                body, kind, status = b"<h1>gone</h1>", "text/html", 404
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _loopback_config(tmp_path, port):
    cfg = tmp_path / "test.toml"
    cfg.write_text(f"[fetch]\nallow_private_networks = true\nallowed_ports = [80, 443, {port}]\nread_timeout = 5.0\ntotal_timeout = 5.0\n")
    return cfg


def test_online_check_fetches_status_and_robots(tmp_path, local_site):
    cfg = _loopback_config(tmp_path, local_site)
    result = run_cli("check", f"http://127.0.0.1:{local_site}/page", "--target", "compost-supplies.example",
                     "--json", "--config", str(cfg))
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert_contract(doc)
    assert doc["status"] == 200
    indexability = next(f for f in doc["factors"] if f["id"] == "indexability")
    assert any("robots" in e.lower() for e in indexability["evidence"])


def test_fetch_failures_exit_1_and_refusals_exit_2(tmp_path, local_site):
    cfg = _loopback_config(tmp_path, local_site)
    not_html = run_cli("check", f"http://127.0.0.1:{local_site}/file.pdf", "--config", str(cfg))
    assert not_html.returncode == 1
    assert not_html.stderr.decode().count("\n") == 1 and "HTML" in not_html.stderr.decode()
    # Without the opt-in the same loopback address is refused before any request.
    refused = run_cli("check", f"http://127.0.0.1:{local_site}/page")
    assert refused.returncode == 2
