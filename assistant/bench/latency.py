"""Measurements for ``assistant bench``: each one times the assistant and, beside it, the bare model calls it makes.

Every function returns plain numbers (milliseconds, per second, MiB) for one
repeat; :mod:`assistant.bench.runner` repeats them and
:mod:`assistant.bench.report` takes medians and ratios. Where the assistant
and its floor can be interleaved (question by question) they are, so both run
under the same load on a machine that is not quiet.

- :func:`ask_and_bare`: ``Assistant.ask`` against MiniLM + e5 on the processed question.
- :func:`http_and_bare`: ``POST /api/ask`` from one keep-alive client against the same bare calls.
- :func:`http_throughput`: answers per second from N concurrent keep-alive clients.
- :func:`bare_batched_throughput`: both models over the same questions in batches of 16.
- :func:`cold_start` / :func:`cold_start_floor`: process start to first answer, and to a first embedding.
- :func:`build_child` (run in a subprocess): ``build_index`` and its floor, with peak RSS.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .report import p50_p95

if TYPE_CHECKING:
    from ..core import Assistant
    from ..embedding import Embedder, PassageEmbedder
    from ..settings import Settings

#: Questions per batch for the bare batched floor (the batcher's default largest batch).
FLOOR_BATCH = 16


def now() -> float:
    return time.perf_counter()


def processed(assistant: Assistant, question: str) -> str:
    """The text ``ask`` embeds for a question without history: checked, spelling-corrected."""
    return assistant.queries.process(assistant.check_question(question)).corrected


def bare_call(embedder: Embedder, second: PassageEmbedder | None, text: str) -> None:
    """What ``ask`` spends in the models for one question: MiniLM, then e5's query embedding."""
    embedder.embed([text])
    if second is not None:
        second.embed_queries([text])


# --- ask() in process --------------------------------------------------------------


def ask_and_bare(assistant: Assistant, questions: Sequence[str], texts: Sequence[str]) -> dict[str, float]:
    """One pass over the questions: ``ask`` and the bare calls on its processed text, interleaved (ms)."""
    asks: list[float] = []
    bares: list[float] = []
    for question, text in zip(questions, texts, strict=True):
        start = now()
        bare_call(assistant.embedder, assistant.second, text)
        bares.append((now() - start) * 1000)
        start = now()
        assistant.ask(question)
        asks.append((now() - start) * 1000)
    ask50, ask95 = p50_p95(asks)
    bare50, bare95 = p50_p95(bares)
    return {"ask_p50": ask50, "ask_p95": ask95, "bare_p50": bare50, "bare_p95": bare95}


# --- HTTP ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment for a child process: offline, the same corpus and index, no rate limit to speak of."""
    env = dict(os.environ)
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        HF_HUB_DISABLE_TELEMETRY="1",
        TOKENIZERS_PARALLELISM="false",
        ASSISTANT_CORPUS_DIR=str(settings.corpus_dir),
        ASSISTANT_INDEX_DIR=str(settings.index_dir),
        ASSISTANT_MODEL=settings.model,
        ASSISTANT_SECOND_MODEL=settings.second_model or "",
        # The bench is one client address asking thousands of questions: the rate limit would measure itself.
        ASSISTANT_RATE_LIMIT=str(10**9),
        ASSISTANT_BATCH_WINDOW_MS=str(settings.batch_window_ms),
        ASSISTANT_BATCH_MAX=str(settings.batch_max),
        ASSISTANT_BATCH_EXACT=str(settings.batch_exact).lower(),
    )
    env.update(extra)
    return env


@dataclass(frozen=True)
class Served:
    """A running bench server: its URL, and the CPU seconds its process has used so far."""

    url: str
    cpu_seconds: Callable[[], float]


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (all its threads), from /proc; NaN where unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


@contextmanager
def server_subprocess(settings: Settings, *, timeout: float = 180.0) -> Iterator[Served]:
    """``assistant serve`` in its own process on a free loopback port, once /healthz is 200."""
    import httpx

    port = free_port()
    env = bench_environment(settings, ASSISTANT_HOST="127.0.0.1", ASSISTANT_PORT=str(port))
    log = tempfile.TemporaryFile("w+")  # a pipe nobody reads would fill and stop the server
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"The bench server exited ({process.returncode}): {log.read()[-2000:]}")
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("The bench server did not become ready in time.")
            time.sleep(0.2)
        yield Served(url, lambda: process_cpu_seconds(process.pid))
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()


@contextmanager
def server_thread(assistant: Assistant) -> Iterator[Served]:
    """The app over an already loaded assistant, with uvicorn in a thread of this process (for the smoke test).

    Its CPU seconds are this whole process's, the clients' included."""
    from ..testing import ServerThread
    from ..web.app import build_app

    settings = assistant.settings.replace(rate_limit=10**9)
    server = ServerThread(build_app(assistant, settings=settings, ui=False))
    url = server.start()
    try:
        yield Served(url, time.process_time)
    finally:
        server.stop()


def _post(client: Any, question: str) -> int:
    return int(client.post("/api/ask", json={"question": question}).status_code)


def http_and_bare(url: str, assistant: Assistant, questions: Sequence[str], texts: Sequence[str]) -> dict[str, float]:
    """One client with keep-alive, one request at a time, and the bare calls in this process (ms).

    The bare calls run as a block before the requests, not one before each: right after a model call
    this process's OpenMP threads spin for a while, and on 2 cores that spinning would be timed as the
    server's. Repeats alternate the two blocks, so a drift in load is shared."""
    import httpx

    requests: list[float] = []
    bares: list[float] = []
    errors = 0
    for text in texts:
        start = now()
        bare_call(assistant.embedder, assistant.second, text)
        bares.append((now() - start) * 1000)
    time.sleep(0.2)  # the spinning ends
    with httpx.Client(base_url=url, timeout=60) as client:
        _post(client, questions[0])  # the connection, and the server's first-answer costs
        for question in questions:
            start = now()
            status = _post(client, question)
            requests.append((now() - start) * 1000)
            errors += status != 200
    http50, http95 = p50_p95(requests)
    bare50, bare95 = p50_p95(bares)
    return {"http_p50": http50, "http_p95": http95, "bare_p50": bare50, "bare_p95": bare95, "errors": errors}


def http_throughput(
    url: str, questions: Sequence[str], clients: int, seconds: float, server_cpu: Callable[[], float] | None = None
) -> dict[str, float]:
    """Answers per second from ``clients`` keep-alive clients (threads) asking for ``seconds``; p50/p95 too.

    With ``server_cpu`` (the server's CPU seconds so far), also the server's and this process's (the
    clients') CPU milliseconds per answer."""
    import httpx

    barrier = threading.Barrier(clients + 1)
    stop_at = [0.0]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures = [0] * clients

    def client_loop(n: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            _post(client, questions[n % len(questions)])  # connect before the clock starts
            barrier.wait()
            i = n * 7
            while now() < stop_at[0]:
                start = now()
                status = _post(client, questions[i % len(questions)])
                if status == 200:
                    latencies[n].append((now() - start) * 1000)
                else:
                    failures[n] += 1
                i += 1

    threads = [threading.Thread(target=client_loop, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = now() + 3600  # set properly once every client is connected
    barrier.wait()
    started = now()
    stop_at[0] = started + seconds
    cpu_before = server_cpu() if server_cpu is not None else float("nan")
    client_before = time.process_time()
    for thread in threads:
        thread.join()
    elapsed = now() - started
    cpu_after = server_cpu() if server_cpu is not None else float("nan")
    client_cpu = time.process_time() - client_before
    done = [v for per in latencies for v in per]
    p50, p95 = p50_p95(done)
    answers = len(done) or 1
    return {
        "answers_per_s": len(done) / elapsed if elapsed > 0 else float("nan"),
        "answers": len(done),
        "failures": sum(failures),
        "p50": p50,
        "p95": p95,
        "seconds": elapsed,
        "server_cpu_ms_per_answer": (cpu_after - cpu_before) * 1000 / answers,
        "client_cpu_ms_per_answer": client_cpu * 1000 / answers,
    }


def bare_batched_throughput(
    embedder: Embedder, second: PassageEmbedder | None, texts: Sequence[str], batch: int = FLOOR_BATCH
) -> tuple[float, float]:
    """Questions per second through both bare models, in batches of ``batch``; and CPU milliseconds per question."""
    start = now()
    cpu = time.process_time()
    for i in range(0, len(texts), batch):
        chunk = list(texts[i : i + batch])
        embedder.embed(chunk)
        if second is not None:
            second.embed_queries(chunk)
    elapsed = now() - start
    cpu_ms = (time.process_time() - cpu) * 1000 / max(1, len(texts))
    return (len(texts) / elapsed if elapsed > 0 else float("nan")), cpu_ms


# --- Cold start ----------------------------------------------------------------------

#: The floor of a cold start: a process that imports and loads both models and embeds one string.
COLD_FLOOR = """
import sys
from assistant.embedding import SentenceTransformerEmbedder, load_second_model
from assistant.settings import load_settings
settings = load_settings()
embedder = SentenceTransformerEmbedder(settings.model)
second = load_second_model(settings.second_model)
embedder.embed([sys.argv[1]])
if second is not None:
    second.embed_queries([sys.argv[1]])
print("ready", flush=True)
"""


def _first_line_after(command: list[str], env: dict[str, str]) -> float:
    """Seconds from starting ``command`` to its first line on stdout (an error if it prints none)."""
    with tempfile.TemporaryFile("w+") as log:
        start = now()
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
        assert process.stdout is not None
        line = process.stdout.readline()
        elapsed = now() - start
        process.communicate(timeout=120)
        if not line.strip():
            log.seek(0)
            raise RuntimeError(f"{command[:4]} printed nothing ({process.returncode}): {log.read()[-2000:]}")
    return elapsed


def cold_start(settings: Settings, question: str) -> float:
    """Seconds from ``python -m assistant ask --json QUESTION`` starting to its answer on stdout."""
    command = [sys.executable, "-m", "assistant", "ask", "--json", question]
    return _first_line_after(command, bench_environment(settings))


def cold_start_floor(settings: Settings, question: str) -> float:
    """Seconds from a process starting to both models loaded and one string embedded by each."""
    return _first_line_after([sys.executable, "-c", COLD_FLOOR, question], bench_environment(settings))


# --- Index build (in a child process, for its peak RSS) ------------------------------


def peak_rss_mib() -> float:
    """This process's peak resident memory (ru_maxrss is KiB on Linux)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Start Linux's VmHWM (peak RSS) afresh from now, so it measures a phase; False where unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def proc_status_mib(field: str) -> float:
    """A ``kB`` field of /proc/self/status in MiB (NaN where there is no such file or field)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def vm_hwm_mib() -> float:
    """VmHWM (MiB): the peak resident memory since the last :func:`reset_peak_rss`; NaN where absent."""
    return proc_status_mib("VmHWM")


def build_child(mode: str, corpus_dir: Path, work_dir: Path) -> dict[str, Any]:
    """In a fresh process, with both models loaded and warm:

    - ``build`` / ``build-last``: times ``build_index`` into ``work_dir/index`` and, right before
      (``build-last``) or after it, both bare models embedding the same sentences as passages, so the
      two timings share the machine's load;
    - ``floor``: only the bare models embedding those sentences, for the peak memory of a process
      that does nothing else.

    Each reports its peak RSS (ru_maxrss, loading the models included) and the peak of the timed
    work alone (VmHWM reset once the models are loaded)."""
    from ..corpus import load_corpus
    from ..embedding import SentenceTransformerEmbedder, load_second_model
    from ..index import build_index, chunk_corpus
    from ..settings import load_settings

    settings = load_settings(corpus_dir=corpus_dir, index_dir=work_dir / "index")
    embedder = SentenceTransformerEmbedder(settings.model)
    second = load_second_model(settings.second_model)
    embedder.embed(["warm up the model"])
    if second is not None:
        second.embed_passages(["warm up the model"])
    # The sentences the build embeds: the corpus's searchable spans.
    texts = [s.span.text for s in chunk_corpus(load_corpus(corpus_dir), settings) if s.searchable]
    phase = reset_peak_rss()

    def floor() -> float:
        start = now()
        embedder.embed(texts)
        if second is not None:
            second.embed_passages(texts)
        return now() - start

    def build() -> float:
        start = now()
        index = build_index(settings, embedder, second=second)
        seconds = now() - start
        if len(index.spans) != len(texts):
            raise RuntimeError(f"the build embedded {len(index.spans)} sentences, not {len(texts)}")
        return seconds

    if mode == "build":
        build_s, floor_s = build(), floor()
    elif mode == "build-last":
        floor_s = floor()
        build_s = build()
    elif mode == "floor":
        build_s, floor_s = float("nan"), floor()
    else:
        raise ValueError(f"unknown mode {mode!r}")
    return {
        "build_s": build_s,
        "floor_s": floor_s,
        "sentences": len(texts),
        "peak_rss_mib": peak_rss_mib(),
        "phase_peak_rss_mib": vm_hwm_mib() if phase else float("nan"),
    }


def run_build_child(mode: str, settings: Settings, corpus_dir: Path, work_dir: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "assistant.bench.latency", mode, str(corpus_dir), str(work_dir)]
    done = subprocess.run(command, env=bench_environment(settings), capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"The {mode} child failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def write_corpus(sentences: Sequence[str], folder: Path, per_paragraph: int = 5) -> Path:
    """A corpus folder with one document of ``sentences``, a paragraph per ``per_paragraph`` of them."""
    folder.mkdir(parents=True, exist_ok=True)
    paragraphs = [" ".join(sentences[i : i + per_paragraph]) for i in range(0, len(sentences), per_paragraph)]
    (folder / "synthetic.txt").write_text("\n\n".join(paragraphs) + "\n", "utf-8")
    return folder


def timed(fn: Callable[[], Any]) -> float:
    start = now()
    fn()
    return now() - start


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m assistant.bench.latency build|build-last|floor CORPUS_DIR WORK_DIR``: one JSON line on stdout."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 3:
        print(main.__doc__, file=sys.stderr)
        return 2
    import logging

    logging.disable(logging.WARNING)
    result = build_child(args[0], Path(args[1]), Path(args[2]))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":  # pragma: no cover - run as a child process
    sys.exit(main())
