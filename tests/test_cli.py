"""The command line, run as people run it: a subprocess, its output and its exit code."""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.index import MANIFEST, build_index
from assistant.settings import Settings
from assistant.testing import FakeEmbedder

from .conftest import REPO_CORPUS

ASSISTANT = [sys.executable, "-m", "assistant"]


def run(args: list[str], env_extra: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **env_extra}
    return subprocess.run([*ASSISTANT, *args], capture_output=True, text=True, env=env, timeout=timeout)


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, str]:
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO_CORPUS, corpus)
    return {"ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_INDEX_DIR": str(tmp_path / "index")}


def test_missing_index_gives_a_message_not_a_traceback(dirs: dict[str, str]) -> None:
    result = run(["ask", "Can I stretch?"], dirs)
    assert result.returncode == 2
    assert "missing" in result.stderr and "assistant index" in result.stderr
    assert "Traceback" not in result.stderr


def test_non_utf8_corpus_file_is_named(dirs: dict[str, str]) -> None:
    Path(dirs["ASSISTANT_CORPUS_DIR"], "legacy.txt").write_bytes(b"Caf\xe9 cr\xe8me.")
    result = run(["index"], dirs)
    assert result.returncode == 2
    assert "legacy.txt" in result.stderr and "UTF-8" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_corpus_is_reported(dirs: dict[str, str], tmp_path: Path) -> None:
    result = run(["index"], {**dirs, "ASSISTANT_CORPUS_DIR": str(tmp_path / "nothing-here")})
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_setting_is_reported(dirs: dict[str, str]) -> None:
    result = run(["ask", "x"], {**dirs, "ASSISTANT_MAX_SNIPPETS": "lots"})
    assert result.returncode == 2
    assert "max_snippets" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def corrupt_index(dirs: dict[str, str], request: pytest.FixtureRequest) -> dict[str, str]:
    """An index built (with the fake embedder) for these settings, then its manifest damaged as ``request.param``."""
    settings = Settings(
        corpus_dir=Path(dirs["ASSISTANT_CORPUS_DIR"]),
        index_dir=Path(dirs["ASSISTANT_INDEX_DIR"]),
        model=FakeEmbedder.name,
        second_model=None,
    )
    build_index(settings, FakeEmbedder())
    path = settings.index_dir / MANIFEST
    manifest = json.loads(path.read_text())
    if request.param == "document entry a string":  # was a traceback (AttributeError) and exit 1
        manifest["documents"] = {doc: info["sha256"] for doc, info in manifest["documents"].items()}
    else:  # "no files listed": loaded whatever lay in the folder
        manifest["files"] = {}
    path.write_text(json.dumps(manifest))
    return {**dirs, "ASSISTANT_MODEL": FakeEmbedder.name, "ASSISTANT_SECOND_MODEL": "none"}


@pytest.mark.parametrize("corrupt_index", ["document entry a string", "no files listed"], indirect=True)
def test_corrupt_index_gives_one_line_and_exit_2(corrupt_index: dict[str, str]) -> None:
    result = run(["ask", "x"], corrupt_index)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: The index in ") and " is corrupt: " in lines[0]
    assert "Rebuild it with `assistant index --rebuild`" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("corrupt_index", ["document entry a string"], indirect=True)
def test_serve_stops_on_a_corrupt_index_with_exit_2(corrupt_index: dict[str, str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run(["serve", "--port", str(port)], corrupt_index, timeout=120)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: The index in ") and " is corrupt: " in last
    assert "Traceback" not in result.stderr


@pytest.mark.model
def test_index_ask_json_and_stale_detection(dirs: dict[str, str]) -> None:
    built = run(["index"], dirs)
    assert built.returncode == 0, built.stderr
    assert "Indexed" in built.stdout
    again = run(["index"], dirs)
    assert "up to date" in again.stdout

    result = run(["ask", "--json", "Does heat help a back spasm?", "Tell me a joke.", "", "x" * 1001], dirs)
    assert result.returncode == 2  # two of the four questions were bad input
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 4
    heat, joke, empty, long = lines
    assert heat["covered"] is True and heat["snippets"]
    assert {"question", "preamble", "covered", "message", "urgent", "notice", "snippets"} <= set(heat)
    text = Path(dirs["ASSISTANT_CORPUS_DIR"], heat["snippets"][0]["doc"]).read_text(encoding="utf-8")
    for snippet in heat["snippets"]:
        assert text[snippet["start"] : snippet["end"]] == snippet["text"]
    assert joke["covered"] is False and joke["snippets"] == [] and joke["message"]
    assert "type a question" in empty["error"]
    assert "too long" in long["error"]
    assert "Traceback" not in result.stderr

    readable = run(["ask", "pelvic tilt instructions"], dirs)
    assert readable.returncode == 0
    assert "[1]" in readable.stdout and "characters" in readable.stdout

    corpus_file = next(Path(dirs["ASSISTANT_CORPUS_DIR"]).glob("*.txt"))
    corpus_file.write_text(corpus_file.read_text(encoding="utf-8") + " Added.", encoding="utf-8")
    stale = run(["ask", "anything"], dirs)
    assert stale.returncode == 2 and "stale" in stale.stderr
    rebuilt = run(["index"], dirs)
    assert rebuilt.returncode == 0 and "Indexed" in rebuilt.stdout


def test_report_groups_what_was_declined_and_rated_down(tmp_path: Path) -> None:
    from assistant.feedback import FeedbackStore

    data = tmp_path / "data"
    env = {"ASSISTANT_DATA_DIR": str(data)}
    empty = run(["report"], env)
    assert empty.returncode == 0 and "Nothing logged yet" in empty.stdout
    store = FeedbackStore.in_folder(data)
    store.record_answer("a1", "Does magnesium help back spasms?", [], covered=False)
    store.record_answer("a2", "Does magnesium help back spasms?", [], covered=False)
    store.record_answer("a3", "How long do I hold it?", ["x.txt:0-10"], covered=True)
    store.add_feedback("a3", "down")
    store.close()
    result = run(["report", "--json"], env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [(g["label"], g["count"]) for g in report["groups"]][0] == ("Does magnesium help back spasms?", 2)
    assert report["ratings"]["down"] == 1
    assert sum(d["questions"] for d in report["per_day"]) == 3
    bad = run(["report"], {"ASSISTANT_DATA_DIR": str(tmp_path / "data" / "assistant.sqlite3")})
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
