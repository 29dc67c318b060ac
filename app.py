"""Start the assistant's web server: ``python app.py`` (the same server as ``assistant serve``).

This is also the entry point Hugging Face Spaces and ``gradio app.py`` run: both
execute this file as ``__main__``. Spaces announces its address in
``GRADIO_SERVER_NAME``/``GRADIO_SERVER_PORT``; they are used when ``HOST``/``PORT``
(or ``ASSISTANT_HOST``/``ASSISTANT_PORT``) are not set.

Trade-off: there is no module-level ``demo``. Gradio's hot-reload mode swaps a
module-level Blocks inside a server that ``demo.launch()`` started, but the chat
page here is mounted on our own FastAPI app (JSON API, widget, security
headers), so reload mode could not apply. Building ``demo`` at import would
also load the model at import. ``gradio app.py`` therefore starts the same
server as ``python app.py``, without hot reload, and importing this module
loads nothing.
"""

from __future__ import annotations

import argparse
import os

from assistant.settings import Settings, load_settings


def _settings() -> Settings:
    """The one Settings of this process: the environment, plus the address Spaces announces."""
    overrides: dict[str, object] = {}
    if not {"HOST", "ASSISTANT_HOST"} & os.environ.keys() and os.environ.get("GRADIO_SERVER_NAME"):
        overrides["host"] = os.environ["GRADIO_SERVER_NAME"]
    if not {"PORT", "ASSISTANT_PORT"} & os.environ.keys() and os.environ.get("GRADIO_SERVER_PORT"):
        overrides["port"] = os.environ["GRADIO_SERVER_PORT"]
    return load_settings(**overrides)


def main(argv: list[str] | None = None) -> None:
    from assistant.errors import AssistantError
    from assistant.logs import LEVELS, configure
    from assistant.web.app import serve

    parser = argparse.ArgumentParser(description="Start the assistant's web server.")
    parser.add_argument("--log-level", choices=LEVELS, default=None, help="default: ASSISTANT_LOG_LEVEL or info")
    args = parser.parse_args(argv)
    try:
        settings = _settings() if args.log_level is None else _settings().replace(log_level=args.log_level)
        configure(settings.log_level)
        serve(settings)
    except AssistantError as exc:
        raise SystemExit(f"error: {exc}") from exc


if __name__ == "__main__":
    main()
