"""Command line: ``assistant index | ask | eval | serve`` (also ``python -m assistant``)."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import AssistantError, QuestionError
from .settings import Settings, load_settings

if TYPE_CHECKING:
    from .conversations import TurnFigures
    from .core import Assistant
    from .schemas import AnswerOut

logger = logging.getLogger("assistant")


def _quiet_libraries() -> None:
    # bm25s sets its own logger to DEBUG; transformers draws a progress bar for
    # every model load. People asking a question need neither.
    import bm25s  # sets its level on import, so set ours after

    logging.getLogger(bm25s.__name__).setLevel(logging.WARNING)
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover
        pass


def _load_assistant(settings: Settings) -> Assistant:
    from .core import Assistant

    _quiet_libraries()
    return Assistant.load(settings)


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from .embedding import SentenceTransformerEmbedder
    from .index import build_index, index_status

    status = index_status(settings)
    if status == "ok" and not args.rebuild:
        print(f"The index in {settings.index_dir} is up to date.")
        return 0
    why = "rebuilding on request" if status == "ok" else f"the index is {status}"
    print(f"Building the index in {settings.index_dir} ({why}).", file=sys.stderr)
    started = time.perf_counter()
    _quiet_libraries()
    index = build_index(settings, SentenceTransformerEmbedder(settings.model), show_progress=True)
    counts = index.manifest["counts"]
    print(
        f"Indexed {counts['searchable']} sentences from {len(index.documents)} document(s) "
        f"({counts['boilerplate']} boilerplate and {counts['duplicates']} repeated sentences left out) "
        f"in {time.perf_counter() - started:.1f} s."
    )
    return 0


def _print_answer(answer: AnswerOut) -> None:
    from .safety import CONTEXT_LABEL, SUGGESTIONS_LABEL

    print(f"Q: {answer.question}\n")
    if answer.urgent:
        print(f"!! {answer.notice}\n")
    if answer.preamble:
        print(f"{answer.preamble}\n")
    if not answer.covered:
        print(f"-- {answer.message}\n")
        if answer.suggestions:
            print(SUGGESTIONS_LABEL)
            for suggestion in answer.suggestions:
                print(f"   • {suggestion}")
        return
    for number, snippet in enumerate(answer.snippets, 1):
        label = f"  [{snippet.group_label}]" if snippet.group_label else ""
        source = snippet.title or snippet.doc
        print(f'[{number}] "{snippet.text}"{label}')
        if snippet.context is not None:
            # Too short to stand alone: the sentences around it, marked as such.
            print(f'    {CONTEXT_LABEL}: "{snippet.context.text}"')
        print(f"    — {source} ({snippet.doc}, characters {snippet.start}–{snippet.end})")
        if snippet.source_url:
            print(f"      {snippet.source_url}")
    print()


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from .schemas import AnswerOut, QuestionErrorOut

    assistant = _load_assistant(settings)
    failed = 0
    for question in args.questions:
        try:
            answer = AnswerOut.from_answer(assistant.ask(question))
        except QuestionError as exc:
            failed += 1
            if args.json:
                error = QuestionErrorOut(question=question, error=str(exc))
                print(json.dumps(error.model_dump(), ensure_ascii=False))
            else:
                print(f"error: {exc}", file=sys.stderr)
            continue
        if args.json:
            print(json.dumps(answer.model_dump(), ensure_ascii=False))
        else:
            _print_answer(answer)
    return 2 if failed else 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from .conversations import figures_to_dict, format_figures
    from .evaluation import default_question_files, evaluate, load_questions

    files = [Path(f) for f in args.files] or default_question_files()
    sets = [load_questions(f) for f in files]
    if args.corpus:
        settings = settings.replace(corpus_dir=Path(args.corpus))
    assistant = _load_for_eval(settings) if args.corpus else _load_assistant(settings)
    # Another article is held out: the settings chosen on eval/ are scored as they are.
    tune = not (args.corpus or args.no_tune)
    report = evaluate(assistant, sets, latency_rounds=args.rounds, folds=args.folds, tune=tune)
    conversations = _conversation_figures(assistant, args)
    if args.json:
        print(json.dumps({**report.to_dict(), "conversations": figures_to_dict(conversations)}))
    else:
        print(report.format())
        if conversations:
            print("\n" + format_figures(conversations))
    failures = report.failures()
    if failures and not args.json:
        print("\nBelow the bar (cross-validated, pooled): " + "; ".join(failures))
    return 1 if failures and args.check else 0


def _conversation_figures(assistant: Assistant, args: argparse.Namespace) -> dict[str, TurnFigures]:
    """Follow-up figures from eval/conversations/ (or --conversations files); none for another corpus."""
    from .conversations import default_conversation_files, evaluate_conversations, load_conversations

    files = [Path(f) for f in args.conversations] if args.conversations else []
    if not files and not args.corpus and not args.files:
        files = default_conversation_files()
    found = [c for f in files for c in load_conversations(f)]
    return evaluate_conversations(assistant, found) if found else {}


def _load_for_eval(settings: Settings) -> Assistant:
    """An assistant over another corpus, its index built in a temporary folder."""
    import tempfile

    from .core import Assistant
    from .embedding import SentenceTransformerEmbedder
    from .index import build_index

    _quiet_libraries()
    folder = Path(tempfile.mkdtemp(prefix="assistant-eval-index-"))
    settings = settings.replace(index_dir=folder)
    embedder = SentenceTransformerEmbedder(settings.model)
    return Assistant(settings, embedder, build_index(settings, embedder))


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    """What readers asked that the source did not answer, grouped by meaning."""
    from .feedback import DAY, FeedbackStore
    from .report import format_report, group_questions, per_day

    store = FeedbackStore.in_folder(settings.data_dir, retention_days=settings.retention_days)
    since = time.time() - args.days * DAY if args.days else None
    logged = store.unanswered(since)
    groups = []
    if logged:
        from .embedding import SentenceTransformerEmbedder

        _quiet_libraries()
        groups = group_questions(logged, SentenceTransformerEmbedder(settings.model))
    ratings, unhelpful = store.ratings(), store.unhelpful_quotes()
    if args.json:
        data = {
            "groups": [g.to_dict() for g in groups],
            "per_day": [{"day": d, "questions": n} for d, n in per_day(logged)],
            "ratings": ratings,
            "unhelpful_quotes": [{"span": s, "count": n} for s, n in unhelpful],
        }
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(format_report(groups, ratings, unhelpful))
    return 0


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _earlier_figures(path: Path) -> dict[str, Any]:
    """The figures of an earlier ``assistant bench`` run (for ``--keep``); a clear error when unreadable."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise AssistantError(f"--keep needs the figures of an earlier run in {path}; there are none.") from None
    except (OSError, ValueError) as exc:
        raise AssistantError(f"--keep cannot read {path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("figures"), dict):
        raise AssistantError(f"--keep: {path} does not hold the figures of an assistant bench run.")
    return data


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    from .bench.report import BenchResult
    from .bench.runner import PARTS, BenchOptions, run_bench, write_outputs
    from .settings import default_dir

    parts = tuple(p.strip() for p in args.parts.split(",") if p.strip()) if args.parts else PARTS
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        raise AssistantError(f"Unknown bench part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}.")
    sizes = tuple(int(s) for s in args.sizes.split(",")) if args.scale else None
    out = Path(args.out) if args.out else default_dir("docs")
    options = BenchOptions(parts=parts, scale_sizes=sizes, out=out)
    if args.quick:
        options = options.quick()
    if args.repeats:
        options = replace(options, repeats=args.repeats, build_repeats=min(args.repeats, options.build_repeats))
    # A stopped run (SIGTERM, as from `kill` or a CI timeout) unwinds like Ctrl+C, so the servers and
    # child processes it started are stopped too, and what it measured so far is on disk.
    earlier = _earlier_figures(out / "performance.json") if args.keep else None

    def checkpoint(partial: BenchResult) -> None:
        write_outputs(partial.keeping(earlier) if earlier is not None else partial, out)

    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        result = run_bench(_load_assistant(settings), options, checkpoint=checkpoint)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if earlier is not None:
        result = result.keeping(earlier)
    markdown, data = write_outputs(result, out)
    print(f"Wrote {markdown} and {data}.", file=sys.stderr)
    if args.json:
        print(result.to_json())
    else:
        from .bench.report import figures_table

        print(figures_table(result.figures))
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from .logs import configure
    from .web.app import serve

    if args.log_level is not None:
        settings = settings.replace(log_level=args.log_level)
    configure(settings.log_level)
    serve(settings)
    return 0


def build_parser() -> argparse.ArgumentParser:

    parser = argparse.ArgumentParser(
        prog="assistant", description="Answers questions about a source text with verbatim, cited quotes only."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build the index when it is missing, stale or corrupt")
    p.add_argument("--rebuild", action="store_true", help="rebuild even when the index is up to date")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help="answer questions with quotes from the source")
    p.add_argument("questions", nargs="+", metavar="QUESTION")
    p.add_argument("--json", action="store_true", help="one JSON object per question, one per line")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="measure retrieval, abstention, safety and speed on question sets, cross-validated")
    p.add_argument("files", nargs="*", metavar="FILE", help="question sets (default: every eval/*.json)")
    p.add_argument("--corpus", default=None, help="another corpus folder; its index is built in a temp folder")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds (default: %(default)s)")
    p.add_argument("--no-tune", action="store_true", help="score the configured settings; choose nothing")
    p.add_argument("--rounds", type=int, default=3, help="timing rounds over the question set (default: 3)")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    p.add_argument("--check", action="store_true", help="exit 1 when a cross-validated figure is below the bar")
    p.add_argument(
        "--conversations",
        nargs="*",
        default=None,
        metavar="FILE",
        help="conversation sets for follow-up questions (default: eval/conversations/*.json with the default sets)",
    )
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("report", help="questions the source did not answer, grouped, most frequent first")
    p.add_argument("--days", type=int, default=0, help="only the last N days (default: everything kept)")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("bench", help="time answers against the bare models; write docs/PERFORMANCE.md and its JSON")
    p.add_argument("--quick", action="store_true", help="a fast smoke run: one repeat, fewer questions")
    p.add_argument("--out", default=None, metavar="DIR", help="where PERFORMANCE.md and performance.json go (docs/)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON instead of the table")
    p.add_argument("--repeats", type=int, default=None, help="repeats of each measure (default 5; 1 with --quick)")
    p.add_argument("--parts", default=None, help="comma-separated subset of ask,http,throughput,cold,build,langchain")
    p.add_argument(
        "--keep",
        action="store_true",
        help="keep the earlier run's figures (OUT/performance.json) for parts not measured this time, marked as such",
    )
    p.add_argument("--scale", action="store_true", help="also run assistant.bench.scale (corpus sizes: --sizes)")
    p.add_argument("--sizes", default="1000,10000,100000,1000000", help="sizes for --scale (default: %(default)s)")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("serve", help="start the chat page, widget and HTTP API")
    p.add_argument("--host", default=None, help="address to bind (default: HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default: PORT or 7860)")
    p.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        default=None,
        help="info: start, ready and stop only; debug: every request too (default: ASSISTANT_LOG_LEVEL or info)",
    )
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        # The one Settings of this run: the environment plus the command line's own options.
        settings = load_settings(host=getattr(args, "host", None), port=getattr(args, "port", None))
        return int(args.func(args, settings))
    except AssistantError as exc:  # SettingsError included: one line, exit 2
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
