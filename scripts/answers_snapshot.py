"""Print every answer to every question of eval/*.json as JSON lines: compare two runs to prove behaviour unchanged.

HF_HUB_OFFLINE=1 .venv/bin/python -m scripts.answers_snapshot > before.jsonl
... change the code ...
HF_HUB_OFFLINE=1 .venv/bin/python -m scripts.answers_snapshot > after.jsonl && cmp before.jsonl after.jsonl
"""

from __future__ import annotations

import json
import sys

from assistant.core import Assistant
from assistant.evaluation import default_question_files, load_questions
from assistant.settings import load_settings


def main() -> int:
    assistant = Assistant.load(load_settings())
    for path in default_question_files():
        for item in load_questions(path).items:
            data = assistant.ask(item.question).to_dict()
            data.pop("id", None)  # a fresh id per response, by design
            print(json.dumps(data, ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
