"""The wire shape of an answer is defined once, in assistant.schemas, and every answer has a fresh id."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from assistant import cli
from assistant.core import Assistant
from assistant.schemas import AnswerOut, QuestionErrorOut, SnippetOut
from assistant.settings import REPO_ROOT

QUESTION = "Should I stretch during a neck spasm?"


def test_importing_the_schemas_is_cheap() -> None:
    code = (
        "import sys, assistant.schemas; "
        "heavy = [m for m in ('fastapi', 'starlette', 'gradio', 'numpy', 'torch', 'assistant.answer') "
        "if m in sys.modules]; assert not heavy, heavy"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr


def test_to_dict_is_the_schemas_dump(mini_assistant: Assistant) -> None:
    answer = mini_assistant.ask(QUESTION)
    data = answer.to_dict()
    assert data == AnswerOut.from_answer(answer).model_dump()
    assert list(data) == list(AnswerOut.model_fields)
    assert list(data["snippets"][0]) == list(SnippetOut.model_fields)
    assert AnswerOut.model_validate(data).model_dump() == data  # the dict is valid against its own schema
    assert any(s["group_label"] for s in data["snippets"])
    assert data["snippets"][0]["score"] == round(answer.snippets[0].score, 4)


def test_every_answer_gets_a_fresh_id_that_is_not_part_of_its_content(mini_assistant: Assistant) -> None:
    first, second = mini_assistant.ask(QUESTION), mini_assistant.ask(QUESTION)
    assert re.fullmatch(r"[0-9a-f]{32}", first.id) and re.fullmatch(r"[0-9a-f]{32}", second.id)
    assert first.id != second.id
    assert first == second  # equal answers, different ids
    assert first.to_dict()["id"] == first.id  # the same wherever this answer is shown


def test_cli_json_is_the_schemas_dump(
    mini_assistant: Assistant, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "_load_assistant", lambda settings: mini_assistant)
    assert cli.main(["ask", "--json", QUESTION, "  "]) == 2
    answer, error = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert list(answer) == list(AnswerOut.model_fields)
    assert AnswerOut.model_validate(answer).model_dump() == answer
    assert re.fullmatch(r"[0-9a-f]{32}", answer["id"])
    assert list(error) == list(QuestionErrorOut.model_fields) == ["question", "error"]

    assert cli.main(["ask", QUESTION]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"Q: {QUESTION}\n") and "[1] " in printed
