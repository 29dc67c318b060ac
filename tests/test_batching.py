"""The micro-batcher: one model call for many threads' questions, each caller its own rows, answers unchanged."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from assistant.batching import (
    Batcher,
    BatcherClosed,
    BatchingEmbedder,
    BatchingPassageEmbedder,
    MicroBatcher,
    ModelThread,
    batched_models,
    one_at_a_time,
)
from assistant.core import Assistant
from assistant.testing import FakeEmbedder

QUESTIONS = [
    "Can stretching make back spasms worse?",
    "How long should I hold a stretch?",
    "is heat good for a spasm",
    "What causes back spasms?",
    "child's pose?",
    "Should I see a doctor about back pain?",
    "What stretches help the lower back?",
    "Does walking help?",
]


class Numbers:
    """A model whose row for text "7" is [7, 14]; records the texts of each call."""

    def __init__(self, fail: Callable[[list[str]], bool] = lambda texts: False) -> None:
        self.calls: list[list[str]] = []
        self.fail = fail

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        if self.fail(texts):
            raise ValueError("the model failed")
        return np.array([[float(t), 2.0 * float(t)] for t in texts], dtype=np.float32)


def together(n: int, call: Callable[[int], object]) -> list[object]:
    """``call(i)`` from ``n`` threads released at once; each result, or the exception it raised."""
    barrier = threading.Barrier(n)

    def run(i: int) -> object:
        barrier.wait()
        try:
            return call(i)
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_a_call_returns_its_rows_and_the_worker_starts_only_then() -> None:
    model = Numbers()
    batcher = MicroBatcher(model, window=0.0)
    assert not batcher.running  # nothing started by construction
    np.testing.assert_array_equal(batcher(["3", "4"]), [[3, 6], [4, 8]])
    assert batcher.running and model.calls == [["3", "4"]]
    batcher.close()
    assert not batcher.running


def test_importing_the_module_starts_no_thread() -> None:
    code = "import threading, assistant.batching, assistant.web.app; print(threading.active_count())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "1"


def test_concurrent_callers_share_one_call_and_each_gets_its_own_row() -> None:
    model = Numbers()
    # A long window, but it closes as soon as all 8 callers are in (the peers hint).
    batcher = MicroBatcher(model, window=5.0, max_batch=16, peers=lambda: 8)
    start = time.monotonic()
    rows = together(8, lambda i: batcher([str(i)]))
    assert time.monotonic() - start < 4.0
    for i, row in enumerate(rows):
        np.testing.assert_array_equal(row, [[i, 2 * i]])
    assert len(model.calls) == 1 and sorted(model.calls[0], key=int) == [str(i) for i in range(8)]
    assert list(batcher.batch_sizes) == [8]
    batcher.close()


def test_batches_never_exceed_max_batch() -> None:
    model = Numbers()
    batcher = MicroBatcher(model, window=0.2, max_batch=4)
    rows = together(10, lambda i: batcher([str(i)]))
    for i, row in enumerate(rows):
        np.testing.assert_array_equal(row, [[i, 2 * i]])
    assert all(len(call) <= 4 for call in model.calls)
    assert sorted(int(t) for call in model.calls for t in call) == list(range(10))
    batcher.close()


def test_a_request_larger_than_max_batch_goes_alone_and_whole() -> None:
    model = Numbers()
    batcher = MicroBatcher(model, window=0.0, max_batch=2)
    np.testing.assert_array_equal(batcher(["1", "2", "3"])[:, 0], [1, 2, 3])
    assert model.calls == [["1", "2", "3"]]
    batcher.close()


def test_a_lone_caller_does_not_wait_for_the_window() -> None:
    batcher = MicroBatcher(Numbers(), window=10.0, peers=lambda: 1)
    start = time.monotonic()
    batcher(["1"])
    assert time.monotonic() - start < 5.0
    batcher.close()


def test_an_error_reaches_every_caller_of_the_batch_and_the_worker_lives_on() -> None:
    model = Numbers(fail=lambda texts: "13" in texts)
    peers = [4]
    batcher = MicroBatcher(model, window=5.0, max_batch=16, peers=lambda: peers[0])
    results = together(4, lambda i: batcher(["13" if i == 0 else str(i)]))
    assert len(model.calls) == 1
    assert all(isinstance(r, ValueError) and str(r) == "the model failed" for r in results)
    peers[0] = 1
    np.testing.assert_array_equal(batcher(["2"]), [[2, 4]])  # the next batch is served
    batcher.close()


def test_a_model_returning_the_wrong_number_of_rows_is_an_error() -> None:
    batcher = MicroBatcher(lambda texts: np.zeros((1, 2)), window=0.0)
    with pytest.raises(ValueError, match="expected 2 rows"):
        batcher(["1", "2"])
    batcher.close()


def test_empty_input_calls_the_model_directly() -> None:
    model = Numbers()
    batcher = MicroBatcher(model, window=1.0)
    assert batcher([]).size == 0 and model.calls == [[]]
    assert not batcher.running
    batcher.close()


def test_close_fails_the_queued_requests_and_a_later_call_starts_again() -> None:
    release = threading.Event()
    entered = threading.Event()

    def slow(texts: list[str]) -> np.ndarray:
        entered.set()
        release.wait(10)
        return np.ones((len(texts), 1))

    batcher = MicroBatcher(slow, window=0.0, max_batch=1)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(batcher, ["a"])
        assert entered.wait(5)
        queued = pool.submit(batcher, ["b"])
        time.sleep(0.05)
        batcher.close(timeout=0.1)  # the call in progress goes on; the queued one is failed
        with pytest.raises(BatcherClosed):
            queued.result(5)
        release.set()
        np.testing.assert_array_equal(first.result(5), [[1.0]])
    np.testing.assert_array_equal(batcher(["c"]), [[1.0]])  # a new worker
    batcher.close()
    assert not batcher.running


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        MicroBatcher(Numbers(), window=-1)
    with pytest.raises(ValueError):
        MicroBatcher(Numbers(), max_batch=0)


# --- The model wrappers --------------------------------------------------------------


class RecordingFake(FakeEmbedder):
    """The fake embedder, and e5's side of the protocol, recording how many texts each call had."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def embed(self, texts: list[str], *, show_progress_bar: bool = False) -> np.ndarray:
        self.sizes.append(len(texts))
        return super().embed(texts)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.embed(texts)

    def embed_passages(self, texts: list[str], *, show_progress_bar: bool = False) -> np.ndarray:
        return self.embed(texts)


@pytest.mark.parametrize("exact", [True, False])
def test_wrapped_models_give_the_unwrapped_vectors(exact: bool) -> None:
    main, second = RecordingFake(), RecordingFake()
    group = Batcher(window=2.0, max_batch=16, peers=lambda: len(QUESTIONS), exact=exact)
    embedder, passages = batched_models(main, second, group)
    assert isinstance(embedder, BatchingEmbedder) and isinstance(passages, BatchingPassageEmbedder)
    assert embedder.name == main.name and embedder.dimension == main.dimension
    vectors = together(len(QUESTIONS), lambda i: embedder.embed([QUESTIONS[i]]))
    queries = together(len(QUESTIONS), lambda i: passages.embed_queries([QUESTIONS[i]]))
    expected = FakeEmbedder().embed(QUESTIONS)
    for i in range(len(QUESTIONS)):
        np.testing.assert_allclose(np.asarray(vectors[i]), expected[i : i + 1], atol=1e-6)
        np.testing.assert_allclose(np.asarray(queries[i]), expected[i : i + 1], atol=1e-6)
    # MiniLM gets one call for the 8 questions (its window waits for them all), or, when exact, 8
    # calls of one. e5 has no window: its calls take what queued meanwhile, all 8 questions in all.
    assert main.sizes == ([1] * len(QUESTIONS) if exact else [len(QUESTIONS)])
    assert sum(second.sizes) == len(QUESTIONS)
    assert [b.window for b in group.batchers] == [0.0 if exact else 2.0, 0.0]
    # Bulk work (an index build) goes straight to the model.
    main.sizes.clear()
    embedder.embed(QUESTIONS, show_progress_bar=True)
    passages.embed_passages(QUESTIONS)
    assert main.sizes == [len(QUESTIONS)]
    group.close()


def test_every_model_call_of_an_app_runs_on_one_thread() -> None:
    """Both models' calls, whichever batcher gathered them, on one thread: not the callers', not the workers'."""
    threads: dict[str, set[int]] = {"main": set(), "second": set()}

    class Where(RecordingFake):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

        def embed(self, texts: list[str], *, show_progress_bar: bool = False) -> np.ndarray:
            threads[self.key].add(threading.get_ident())
            return super().embed(texts)

    group = Batcher(window=0.01, max_batch=4, peers=lambda: 8)
    embedder, passages = batched_models(Where("main"), Where("second"), group)
    assert passages is not None

    def ask(i: int) -> int:
        embedder.embed([QUESTIONS[i]])
        passages.embed_queries([QUESTIONS[i]])
        return threading.get_ident()

    callers = together(8, ask)
    used = threads["main"] | threads["second"]
    assert len(used) == 1 and group.models.running
    assert all(isinstance(c, int) for c in callers) and not used & set(callers)  # not on a caller's thread
    assert all(b._runner is group.models for b in group.batchers)  # nor a worker of a batcher's own
    group.close()
    assert not group.models.running
    embedder.embed(["again"])  # a later call starts a new one
    assert group.models.running
    group.close()


def test_batchers_sharing_a_model_thread_get_their_rows_and_errors_on_it() -> None:
    models = ModelThread()
    where: list[int] = []

    def numbers(fail: bool) -> Callable[[list[str]], np.ndarray]:
        def fn(texts: list[str]) -> np.ndarray:
            where.append(threading.get_ident())
            return Numbers(fail=lambda t: fail)(texts)

        return fn

    good = MicroBatcher(numbers(False), window=0.0, runner=models)
    bad = MicroBatcher(numbers(True), window=0.0, runner=models)
    assert not models.running and not good.running
    np.testing.assert_array_equal(good(["3"]), [[3, 6]])
    with pytest.raises(ValueError, match="the model failed"):
        bad(["1"])
    np.testing.assert_array_equal(good(["4"]), [[4, 8]])  # the thread lives on
    assert models.running and good.running and bad.running
    assert len(set(where)) == 1 and where[0] != threading.get_ident()
    assert good._runner is models and bad._runner is models  # no worker of their own
    models.close()
    models.close()  # twice is fine
    assert not good.running
    np.testing.assert_array_equal(bad.__class__(numbers(False), window=0.0, runner=models)(["2"]), [[2, 4]])
    models.close()


def test_a_ready_batch_goes_first_while_another_batchers_window_is_open() -> None:
    """One worker, two batchers: a long window on one does not hold up the other's ready request."""
    models = ModelThread()
    slow_window = MicroBatcher(Numbers(), window=30.0, runner=models, name="waits")
    no_window = MicroBatcher(Numbers(), window=0.0, runner=models, name="goes")
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(slow_window, ["1"])  # its window stays open: no peers hint, never full
        time.sleep(0.05)
        start = time.monotonic()
        np.testing.assert_array_equal(no_window(["2"]), [[2, 4]])
        assert time.monotonic() - start < 10.0
        assert not waiting.done()
        slow_window.close()  # fails the request still waiting for company
        with pytest.raises(BatcherClosed):
            waiting.result(5)
    models.close()


def test_one_at_a_time_stacks_single_calls() -> None:
    model = Numbers()
    np.testing.assert_array_equal(one_at_a_time(model)(["1", "2"]), [[1, 2], [2, 4]])
    assert model.calls == [["1"], ["2"]]


def _wire(assistant: Assistant, question: str) -> str:
    data = assistant.ask(question).to_dict()
    del data["id"]
    return json.dumps(data, sort_keys=True)


def _batched_answers(assistant: Assistant, questions: Sequence[str], *, exact: bool) -> list[str]:
    group = Batcher(window=0.05, max_batch=16, exact=exact)
    batched = assistant.with_embedder(*batched_models(assistant.embedder, assistant.second, group))
    try:
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(lambda q: _wire(batched, q), questions))
    finally:
        group.close()


@pytest.mark.parametrize("exact", [True, False])
def test_answers_are_the_same_with_and_without_batching(mini_assistant: Assistant, exact: bool) -> None:
    questions = QUESTIONS * 3
    assert _batched_answers(mini_assistant, questions, exact=exact) == [_wire(mini_assistant, q) for q in questions]


@pytest.mark.model
def test_real_models_batched_give_the_same_vectors_and_answers(real_assistant: Assistant) -> None:
    from assistant.evaluation import default_question_files, load_questions

    questions = [item.question for path in default_question_files() for item in load_questions(path).items]
    texts = [real_assistant.queries.process(q).corrected for q in questions[:48]]
    single = np.concatenate([real_assistant.embedder.embed([t]) for t in texts])
    assert real_assistant.second is not None
    second = np.concatenate([real_assistant.second.embed_queries([t]) for t in texts])
    for start in range(0, len(texts), 16):
        rows = slice(start, start + 16)
        # MiniLM in one call: within float tolerance (MKL computes rows in a batch slightly differently) ...
        np.testing.assert_allclose(real_assistant.embedder.embed(texts[rows]), single[rows], atol=1e-5)
        # ... one at a time, as the exact batcher does: bit for bit. e5 batches bit for bit.
        np.testing.assert_array_equal(one_at_a_time(real_assistant.embedder.embed)(texts[rows]), single[rows])
        np.testing.assert_array_equal(real_assistant.second.embed_queries(texts[rows]), second[rows])
    # Every eval question, asked from 8 threads through the server's (exact) batchers: the same bytes.
    serial = [_wire(real_assistant, q) for q in questions]
    assert _batched_answers(real_assistant, questions, exact=True) == serial


def test_the_batch_settings_are_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.settings import SettingsError, load_settings

    monkeypatch.setenv("ASSISTANT_BATCH_WINDOW_MS", "2.5")
    assert load_settings().batch_exact is False  # MiniLM batches by default
    monkeypatch.setenv("ASSISTANT_BATCH_EXACT", "true")
    settings = load_settings()
    assert (settings.batch_window_ms, settings.batch_max, settings.batch_exact) == (2.5, 16, True)
    for name, bad in (("ASSISTANT_BATCH_WINDOW_MS", "-1"), ("ASSISTANT_BATCH_MAX", "0")):
        with monkeypatch.context() as env:
            env.setenv(name, bad)
            with pytest.raises(SettingsError, match=name):
                load_settings()
