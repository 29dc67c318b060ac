"""``assistant bench``: its arithmetic and report on fixed numbers (no timing is asserted), and a smoke run."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.bench.langchain_route import hits, score
from assistant.bench.report import (
    FAIL,
    INFO,
    PASS,
    BenchResult,
    Comparison,
    Target,
    figure,
    figures_table,
    median,
    p50_p95,
    percentile,
    ratio,
    render_markdown,
    scale_lines,
)
from assistant.bench.runner import BenchOptions, eval_questions, run_bench, write_outputs
from assistant.cli import build_parser, main
from assistant.core import Assistant
from assistant.evaluation import Item

# --- Arithmetic ------------------------------------------------------------------------


def test_percentiles_are_nearest_rank_like_assistant_eval() -> None:
    values = [float(v) for v in range(10, 0, -1)]  # unordered on purpose
    assert percentile(values, 0.0) == 1.0 and percentile(values, 1.0) == 10.0
    assert p50_p95(values) == (5.0, 10.0)
    assert percentile([7.0], 0.95) == 7.0
    assert math.isnan(percentile([], 0.5))
    with pytest.raises(ValueError):
        percentile(values, 95)


def test_median_over_repeats_ignores_missing_numbers() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([1.0, math.nan, 3.0]) == 2.0
    assert math.isnan(median([math.nan]))


def test_ratio_and_targets() -> None:
    assert ratio(26.0, 20.0) == pytest.approx(1.3)
    assert math.isnan(ratio(1.0, 0.0)) and math.isnan(ratio(math.nan, 1.0))
    at_most = Target("max_ratio", 1.3)
    assert at_most.met(26.0, 20.0) is True and at_most.met(26.2, 20.0) is False
    at_least = Target("min_ratio", 0.8)
    assert at_least.met(32.0, 40.0) is True and at_least.met(31.9, 40.0) is False
    over = Target("max_over", 10.0)
    assert over.met(34.0, 24.0) is True and over.met(34.5, 24.0) is False
    assert over.met(math.nan, 24.0) is None
    assert (at_most.text("ms"), at_least.text("answers/s"), over.text("ms")) == ("≤ 1.3×", "≥ 0.8×", "≤ floor + 10 ms")


def test_a_ratio_next_to_its_limit_is_shown_precisely_enough_to_see_the_side() -> None:
    from assistant.bench.report import format_ratio

    assert format_ratio(0.897, Target("min_ratio", 0.9)) == "0.897×"
    assert format_ratio(0.85, Target("min_ratio", 0.9)) == "0.85×"
    assert format_ratio(1.2) == "1.20×" and format_ratio(math.nan) == "n/a"


def test_a_figure_is_the_median_of_its_repeats_and_its_ratio_the_median_of_each_repeats_own() -> None:
    f = figure("ask_p50", "ask() p50", [30.0, 10.0, 20.0], [16.0, 15.0, 14.0], unit="ms", floor_label="bare")
    # Repeats' own ratios: 30/16, 10/15, 20/14; their median is 20/14 (the two medians would give 20/15).
    assert (f.value, f.floor, f.ratio, f.over) == (20.0, 15.0, pytest.approx(20 / 14), pytest.approx(6.0))
    assert f.passed is None and f.mark() == INFO
    data = f.to_dict()
    assert data["repeats"] == [30.0, 10.0, 20.0] and data["ratio"] == pytest.approx(1.4286)
    assert data["ratio_of_medians"] == pytest.approx(1.3333) and data["over"] == pytest.approx(6.0)
    assert data["target"] is None and data["passed"] is None


def test_a_drifting_machine_is_judged_within_each_repeat() -> None:
    """The floor halves between repeats; ours stays 5 ms over it in each one, and passes."""
    latency = figure(
        "http_p50", "p50", [45.0, 40.0, 25.0, 20.0, 17.0], [40.0, 35.0, 20.0, 15.0, 12.0], unit="ms", floor_label="b"
    )
    judged = replace(latency, target=Target("max_over", 10.0))
    assert judged.value - judged.floor == 5.0 and judged.over == 5.0 and judged.passed is True
    # 12 ms over the floor in every repeat fails.
    worse = replace(judged, repeats=(52.0, 47.0, 32.0, 27.0, 24.0))
    assert worse.passed is False and worse.over == 12.0
    throughput = figure("t", "t", [30.0, 42.0, 31.0], [40.0, 44.0, 41.0], unit="q/s", floor_label="b")
    assert replace(throughput, target=Target("min_ratio", 0.8)).passed is False  # 0.75, 0.95, 0.76
    assert ratio(throughput.value, throughput.floor) == pytest.approx(31 / 41)
    # Repeats that do not pair up (a kept figure without its floors) fall back to the two medians.
    unpaired = replace(judged, floor_repeats=())
    assert unpaired.pairs == [] and unpaired.over == judged.value - judged.floor


FIGURES = [
    figure("ask_p50", "ask() p50", [26.0], [20.0], unit="ms", floor_label="bare", target=Target("max_ratio", 1.3)),
    figure("http_p50", "/api/ask p50", [35.0], [24.0], unit="ms", floor_label="bare", target=Target("max_over", 10)),
    figure(
        "http_16_clients",
        "/api/ask, 16 clients",
        [30.0],
        [40.0],
        unit="answers/s",
        floor_label="batched",
        target=Target("min_ratio", 0.8),
        note="p50 500 ms",
    ),
    figure(
        "build", "index build", [95.0], [100.0], unit="sentences/s", floor_label="bare", target=Target("min_ratio", 0.9)
    ),
    figure("rss", "peak RSS", [900.0], [800.0], unit="MiB", floor_label="bare"),
]


def test_the_table_shows_each_ratio_and_its_mark_against_the_target() -> None:
    table = figures_table(FIGURES)
    rows = {line.split("|")[1].strip().rstrip(" ¹²"): line for line in table.splitlines() if line.startswith("| ")}
    expected = {
        "ask() p50": ("1.300×", "≤ 1.3×", PASS),  # three decimals on the limit
        "/api/ask p50": ("+11.0 ms", "≤ floor + 10 ms", FAIL),
        "/api/ask, 16 clients": ("0.75×", "≥ 0.8×", FAIL),
        "index build": ("0.95×", "≥ 0.9×", PASS),
        "peak RSS": ("1.12×", INFO, INFO),
    }
    for label, (shown_ratio, target, mark) in expected.items():
        cells = [cell.strip() for cell in rows[label].split("|")]
        assert cells[4] == shown_ratio and cells[5] == target and cells[6] == mark, rows[label]
    assert "26.0 ms" in rows["ask() p50"] and "20.0 ms (bare)" in rows["ask() p50"]
    assert "¹ /api/ask, 16 clients: p50 500 ms" in table


def _result() -> BenchResult:
    return BenchResult(
        machine={
            "date": "2026-01-02 03:04 UTC",
            "cpus": 2,
            "cpu_model": "Test CPU",
            "memory_gib": 8.0,
            "platform": "Linux",
            "python": "3.11.7",
            "versions": {"torch": "2.13.0"},
            "loadavg_before": [3.0, 2.0, 1.0],
            "loadavg_after": [0.1, 0.1, 0.1],
        },
        settings={"repeats": 5, "questions": 3, "question_sets": ["questions"], "torch_threads": 2},
        figures=list(FIGURES),
        comparison=Comparison(
            questions=3,
            scored=2,
            ours={"hit_at_1": 0.5, "hit_at_5": 1.0, "mean_snippet_chars": 110.0, "p50_ms": 30.0},
            langchain={"hit_at_1": 1.0, "hit_at_5": 1.0, "mean_snippet_chars": 480.0, "p50_ms": math.nan},
            versions={"langchain-core": "1.0"},
            setup="LangChain set-up.",
        ),
        notes=["A note."],
        extra={"runs": [{"build_s": math.nan, "floor_s": 1.0}]},
        scale={"dense": [{"n": 1000, "kind": "flat", "chosen": True, "p50_ms": 0.1, "recall_at_10": 1.0}]},
    )


def test_the_report_has_the_machine_the_figures_and_the_comparison() -> None:
    text = render_markdown(_result())
    for expected in (
        "2026-01-02 03:04 UTC",
        "2 CPUs (Test CPU)",
        "Python 3.11.7; torch 2.13.0",
        "3.00 2.00 1.00",
        "other work was running",
        "median over 5 repeats",
        "Targets missed: /api/ask p50, /api/ask, 16 clients.",
        "- A note.",
        "| hit@1 (in-scope questions) | 0.50 | 1.00 |",
        "| mean snippet length (characters) | 110 | 480 |",
        "| latency p50 (ms) | 30.0 | n/a |",
        "langchain-core==1.0",
        "| 1000 | flat | yes |",
    ):
        assert expected in text, expected


def test_the_json_has_every_figure_and_no_nan() -> None:
    data = json.loads(_result().to_json())
    assert set(data["figures"]) == {f.key for f in FIGURES}
    assert data["figures"]["http_p50"]["passed"] is False and data["figures"]["build"]["passed"] is True
    assert data["langchain"]["langchain"]["p50_ms"] is None  # NaN is written as null
    assert data["machine"]["cpus"] == 2
    assert data["extra"]["runs"] == [{"build_s": None, "floor_s": 1.0}]


def test_scale_lines_without_figures_say_so() -> None:
    assert scale_lines({"note": "none here"}) == ["none here"]


# --- The LangChain side's scoring (no LangChain needed) ------------------------------------


def test_langchain_chunks_are_scored_with_the_eval_rule() -> None:
    item = Item("s", "in_scope", "q?", gold=("hold for 30 seconds",))
    other = Item("s", "in_scope", "r?", gold=("heat",))
    declined = Item("s", "out_of_scope", "x?")
    assert hits(["Nothing.", "Hold for 30 seconds."], item.gold, 1) is False
    assert hits(["Nothing.", "Hold for  30 SECONDS."], item.gold, 5) is True
    figures = score([(item, ["Hold for 30 seconds."]), (other, []), (declined, ["anything"])])
    assert figures == {"hit_at_1": 0.5, "hit_at_5": 0.5, "answered": 0.5, "mean_snippet_chars": 20.0}


# --- The runner and the command line --------------------------------------------------------


def test_eval_questions_can_be_thinned_evenly() -> None:
    every, names = eval_questions()
    some, _ = eval_questions(10)
    assert len(some) == 10 and some[0] == every[0] and names
    assert len({item.question for item in some}) == 10


def test_quick_options_are_small() -> None:
    quick = BenchOptions().quick()
    assert quick.repeats == 1 and quick.max_questions and quick.http_seconds < BenchOptions().http_seconds


def test_the_command_line_takes_the_bench_options() -> None:
    args = build_parser().parse_args(["bench", "--quick", "--out", "x", "--json", "--scale", "--sizes", "1000,2000"])
    assert (args.quick, args.out, args.json, args.scale, args.sizes) == (True, "x", True, True, "1000,2000")


def test_an_unknown_part_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--parts", "ask,nope"]) == 2
    assert "Unknown bench part(s) nope" in capsys.readouterr().err


def test_a_smoke_run_over_the_fake_embedder_writes_both_files(mini_assistant: Assistant, tmp_path: Path) -> None:
    options = BenchOptions(
        repeats=1,
        parts=("ask", "http", "throughput"),
        max_questions=6,
        http_seconds=0.3,
        clients=(2,),
        server="thread",
    )
    lines: list[str] = []
    saved: list[int] = []
    result = run_bench(mini_assistant, options, say=lines.append, checkpoint=lambda r: saved.append(len(r.figures)))
    assert {f.key for f in result.figures} == {"ask_p50", "ask_p95", "http_p50", "http_p95", "http_2_clients"}
    assert saved == [2, 5]  # after each part
    assert "CPU per answer: server" in result.figures[-1].note
    assert all(f.value > 0 and f.floor > 0 for f in result.figures)
    assert any(line.startswith("ask: repeat 1/1") for line in lines)
    markdown, data = write_outputs(result, tmp_path)
    assert "| ask() p50 |" in markdown.read_text("utf-8")
    assert json.loads(data.read_text("utf-8"))["settings"]["questions"] == 6


def test_a_terminated_run_unwinds_so_its_servers_stop(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """SIGTERM during `assistant bench` unwinds like Ctrl+C: context managers (the bench server's among them)
    run their clean-up, the command exits 130, and the process's own SIGTERM handler is restored."""
    import signal

    import assistant.bench.runner as runner_module
    import assistant.cli as cli_module

    cleaned: list[str] = []

    def run_bench(*args: object, **kwargs: object) -> None:
        try:
            signal.raise_signal(signal.SIGTERM)
        finally:
            cleaned.append("server stopped")

    monkeypatch.setattr(runner_module, "run_bench", run_bench)
    monkeypatch.setattr(cli_module, "_load_assistant", lambda settings: None)
    before = signal.getsignal(signal.SIGTERM)
    assert main(["bench", "--quick", "--out", str(tmp_path)]) == 130
    assert cleaned == ["server stopped"]
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_figure_survives_its_json() -> None:
    from assistant.bench.report import figure_from_dict

    for f in FIGURES:
        assert figure_from_dict(json.loads(json.dumps(f.to_dict()))) == f
    missing = figure("x", "x", [math.nan], [1.0], unit="ms", floor_label="bare")
    assert math.isnan(figure_from_dict(json.loads(json.dumps(missing.to_dict()))).value)


def test_keep_adds_what_this_run_did_not_measure_and_says_when_it_was() -> None:
    earlier = json.loads(_result().to_json())  # measured 2026-01-02 03:04 UTC
    now = BenchResult(
        machine={"date": "2026-02-03 04:05 UTC", "cpus": 2},
        settings={"repeats": 5},
        figures=[figure("build", "index build", [99.0], [100.0], unit="sentences/s", floor_label="bare")],
    )
    merged = now.keeping(earlier)
    by_key = {f.key: f for f in merged.figures}
    assert [f.key for f in merged.figures] == [f.key for f in FIGURES]  # the earlier run's order
    assert by_key["build"].value == 99.0 and "measured" not in by_key["build"].note  # this run's
    assert by_key["ask_p50"].value == 26.0 and by_key["ask_p50"].note == "measured 2026-01-02 03:04 UTC"
    assert by_key["http_16_clients"].note == "p50 500 ms (measured 2026-01-02 03:04 UTC)"
    assert merged.comparison is not None and "(Measured 2026-01-02 03:04 UTC.)" in merged.comparison.setup
    assert merged.scale == earlier["scale"] and merged.machine["date"] == "2026-02-03 04:05 UTC"
    assert any("kept from the run of 2026-01-02 03:04 UTC" in note for note in merged.notes)
    text = render_markdown(merged)
    assert "measured 2026-01-02 03:04 UTC" in text and "## Scale" in text
    # Nothing to keep: the run is as it was.
    alone = now.keeping({"figures": {}})
    assert [f.key for f in alone.figures] == ["build"] and alone.notes == []


def test_keep_without_an_earlier_run_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--keep", "--out", str(tmp_path)]) == 2
    assert "--keep needs the figures of an earlier run" in capsys.readouterr().err
    (tmp_path / "performance.json").write_text("{not json", "utf-8")
    assert main(["bench", "--keep", "--out", str(tmp_path)]) == 2
    assert "--keep cannot read" in capsys.readouterr().err
