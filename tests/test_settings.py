"""Settings: built once at the edge, changed only through validation, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant import settings as settings_module
from assistant.cli import main
from assistant.settings import Settings, SettingsError, load_settings


def test_replace_validates_like_the_original() -> None:
    settings = Settings()
    assert settings.replace(max_snippets=3).max_snippets == 3
    assert settings.replace(max_snippets=3).port == settings.port
    with pytest.raises(ValidationError):
        settings.replace(port=99999)
    with pytest.raises(ValidationError):
        settings.replace(max_snippets="lots")


def test_load_settings_turns_bad_values_into_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_MAX_SNIPPETS", "lots")
    with pytest.raises(SettingsError) as caught:
        load_settings(port=99999)
    message = str(caught.value)
    assert "\n" not in message
    assert "max_snippets (ASSISTANT_MAX_SNIPPETS)='lots'" in message and "port (ASSISTANT_PORT)=99999" in message


def test_explicit_values_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_PORT", "1234")
    assert load_settings().port == 1234
    assert load_settings(port=5678).port == 5678
    assert load_settings(port=None).port == 1234  # an option not given on the command line


def test_the_cli_reports_a_bad_setting_in_one_line_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSISTANT_MAX_SNIPPETS", "lots")
    assert main(["ask", "hello"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: invalid setting: max_snippets (ASSISTANT_MAX_SNIPPETS)") and err.count("\n") == 1


def test_folders_default_to_the_checkout_or_else_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert Settings().corpus_dir == settings_module.REPO_ROOT / "corpus"
    monkeypatch.setattr(settings_module, "_in_checkout", lambda: False)
    monkeypatch.chdir(tmp_path)
    assert Settings().corpus_dir == tmp_path / "corpus"
    assert Settings().index_dir == tmp_path / "index"


def test_app_py_refuses_a_bad_port_in_one_line() -> None:
    env = {"PATH": "/usr/bin:/bin", "PORT": "99999", "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=settings_module.REPO_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: invalid setting: port (ASSISTANT_PORT)=")
