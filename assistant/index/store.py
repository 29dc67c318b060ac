"""The embedding store: each span text's vector, per model, kept between builds so a build embeds only what is new.

Layout, inside the index folder::

    embeddings/
      <model>-<12 hex>/        one folder per model and role (the main model; the second model's passages):
                               a readable slug of its name and the start of the name's sha256
        <sha256>.npy           a shard: up to SHARD_SIZE rows of (sha256 of the span text, vector)

A vector is keyed by (model, sha256 of the exact span text in UTF-8), so a
sentence that did not change is never embedded again, whichever document it is
in and wherever it moved. A shard is a plain ``.npy`` file (a structured array
with fields ``sha256``, 64 hex digits, and ``vector``, float32; no pickle)
whose file name is the sha256 of its bytes: it is written whole to a temporary
name and moved into place with ``os.replace`` as soon as its batch is
embedded, and a shard whose bytes do not match its name (cut short by a crash,
damaged on disk) or that does not read as a shard is deleted, and its texts
are embedded again. Nothing partial is ever loaded.

The build (:func:`~.build.build_index`) embeds the missing texts one shard at a
time, so memory holds one batch of vectors, not the corpus; a build that is
killed keeps the shards it finished, and the next one embeds only the rest.
After the index is saved, :meth:`ShardStore.collect` drops the vectors no span
uses any more (a shard is rewritten without them, the new shard in place
before the old one goes) and merges small shards; the folders of models the
index no longer uses go too.

The store is a cache, outside the manifest's verified set: reads never use it
(the index's own files hold every vector that answers a question, and the
manifest covers those). A cached vector is as good as the model that made it:
point the settings at another model and it gets a folder of its own, but
changed weights under the same name do not. Delete ``embeddings/`` to embed
everything again.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import AssistantError, ModelError

__all__ = [
    "SHARD_SIZE",
    "ShardStore",
    "StoreStats",
    "embed_missing",
    "model_folder",
    "prune_models",
    "store_leftovers_and_foreign",
    "text_key",
]

logger = logging.getLogger(__name__)

#: Texts per embedding call and rows per shard: what the build holds in memory at once.
SHARD_SIZE = 256
#: A shard's file name: the sha256 of its bytes.
SHARD_NAME = re.compile(r"^[0-9a-f]{64}\.npy$")
#: A model's folder: a slug of its name, a dash, 12 hex digits of the name's sha256.
MODEL_FOLDER = re.compile(r"^[A-Za-z0-9._-]{0,60}-[0-9a-f]{12}$")
_KEY = re.compile(rb"^[0-9a-f]{64}$")
TEMP_SUFFIX = ".tmp"


def text_key(text: str) -> str:
    """The store's key for a span text: sha256 of its exact UTF-8 bytes, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def model_folder(model: str) -> str:
    """The folder name of a model's shards: readable, and distinct for distinct names."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model).strip("._-")[:60]
    return f"{slug}-{hashlib.sha256(model.encode('utf-8')).hexdigest()[:12]}"


def shard_dtype(dimension: int) -> np.dtype:
    return np.dtype([("sha256", "S64"), ("vector", "<f4", (dimension,))])


def _is_temp(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(TEMP_SUFFIX) and path.is_file()


def store_leftovers_and_foreign(root: Path) -> tuple[list[Path], list[str]]:
    """Temporary files a killed build left in the store, and entries the store does not own (relative names)."""
    leftovers: list[Path] = []
    foreign: list[str] = []
    if not root.exists() and not root.is_symlink():
        return leftovers, foreign
    prefix = root.name
    if root.is_symlink() or not root.is_dir():
        return leftovers, [prefix]
    for folder in sorted(root.iterdir()):
        if folder.is_symlink() or not folder.is_dir() or not MODEL_FOLDER.match(folder.name):
            foreign.append(f"{prefix}/{folder.name}")
            continue
        for path in sorted(folder.iterdir()):
            if _is_temp(path):
                leftovers.append(path)
            elif path.is_symlink() or not path.is_file() or not SHARD_NAME.match(path.name):
                foreign.append(f"{prefix}/{folder.name}/{path.name}")
    return leftovers, foreign


def prune_models(root: Path, keep: Iterable[str]) -> list[str]:
    """Delete the folders of models the index does not use (every shard in them is an orphan)."""
    removed = []
    kept = {model_folder(model) for model in keep}
    if root.is_dir() and not root.is_symlink():
        for folder in sorted(root.iterdir()):
            if folder.is_dir() and not folder.is_symlink() and MODEL_FOLDER.match(folder.name):
                if folder.name not in kept:
                    shutil.rmtree(folder)  # each shard stands alone, so a half-removed folder is still a valid cache
                    removed.append(folder.name)
    return removed


def _read_shard(path: Path) -> np.ndarray | None:
    """A shard's rows, or None when it is not a whole, well-formed shard (its bytes must hash to its name)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != path.name.removesuffix(".npy"):
        return None
    try:
        rows = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception:  # any way numpy refuses the bytes: not a shard
        return None
    if not isinstance(rows, np.ndarray) or rows.ndim != 1 or rows.dtype.names != ("sha256", "vector"):
        return None
    vector = rows.dtype.fields["vector"][0] if rows.dtype.fields else None
    if vector is None or vector.shape is None or len(vector.shape) != 1 or vector.shape[0] < 1:
        return None
    if rows.dtype != shard_dtype(vector.shape[0]):
        return None
    if not all(_KEY.match(key) for key in rows["sha256"].tolist()):
        return None
    return rows


def _shard_bytes(keys: Sequence[str], vectors: np.ndarray) -> bytes:
    rows = np.empty(len(keys), dtype=shard_dtype(vectors.shape[1]))
    rows["sha256"] = [key.encode("ascii") for key in keys]
    rows["vector"] = vectors
    buffer = io.BytesIO()
    np.save(buffer, rows, allow_pickle=False)
    return buffer.getvalue()


@dataclass
class StoreStats:
    """What one build did with a model's store."""

    texts: int = 0  # distinct span texts the index needs
    reused: int = 0  # of those, found in the store
    embedded: int = 0  # of those, embedded by this build
    discarded: int = 0  # damaged shards deleted on opening
    dropped: int = 0  # vectors no span uses any more, removed after the build
    shards: int = 0  # shards after the build


class ShardStore:
    """One model's shards: which key is in which shard, and the shards on disk."""

    def __init__(self, root: Path, model: str) -> None:
        self.model = model
        self.folder = root / model_folder(model)
        self.dimension: int | None = None
        self.discarded = 0
        #: key -> (shard name, row) of the copy in use (a key found twice keeps its first shard's row).
        self._where: dict[str, tuple[str, int]] = {}
        #: shard name -> its number of rows
        self._rows: dict[str, int] = {}
        self._open()

    def _open(self) -> None:
        if not self.folder.is_dir():
            return
        found: dict[str, tuple[int, list[str]]] = {}  # name -> (dimension, keys)
        for path in sorted(self.folder.iterdir()):
            if not SHARD_NAME.match(path.name):
                continue  # temporary files are removed by the build before it opens the store
            rows = _read_shard(path)
            if rows is None:
                logger.warning(
                    "Deleting %s/%s: not a whole shard; its texts will be embedded again", self.folder.name, path.name
                )
                path.unlink(missing_ok=True)
                self.discarded += 1
                continue
            found[path.name] = (int(rows["vector"].shape[1]), [key.decode("ascii") for key in rows["sha256"].tolist()])
        if len({dimension for dimension, _ in found.values()}) > 1:
            logger.warning("The shards in %s disagree on the vector size; embedding everything again", self.folder.name)
            self.clear()
            return
        for name, (dimension, keys) in found.items():
            self.dimension = dimension
            self._rows[name] = len(keys)
            for row, key in enumerate(keys):
                self._where.setdefault(key, (name, row))

    def __contains__(self, key: object) -> bool:
        return key in self._where

    def __len__(self) -> int:
        return len(self._where)

    @property
    def shards(self) -> list[str]:
        return sorted(self._rows)

    def missing(self, keys: Iterable[str]) -> list[str]:
        """The distinct ``keys`` the store has no vector for, in first-seen order."""
        return [key for key in dict.fromkeys(keys) if key not in self._where]

    def clear(self) -> None:
        """Delete every shard of this model."""
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                if SHARD_NAME.match(path.name):
                    path.unlink(missing_ok=True)
        self._where.clear()
        self._rows.clear()
        self.dimension = None

    def add(self, keys: Sequence[str], vectors: np.ndarray) -> str:
        """Write ``vectors`` (one row per key) as a new shard, atomically; returns its name."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(keys) or vectors.shape[1] < 1:
            raise ModelError(
                f"The model {self.model!r} returned vectors of shape {vectors.shape} for {len(keys)} texts."
            )
        if self.dimension is not None and vectors.shape[1] != self.dimension:
            raise ValueError(f"{self.model}: vectors of size {vectors.shape[1]} in a store of size {self.dimension}")
        data = _shard_bytes(keys, vectors)
        name = hashlib.sha256(data).hexdigest() + ".npy"
        self._write(name, data)
        self.dimension = int(vectors.shape[1])
        self._rows[name] = len(keys)
        for row, key in enumerate(keys):
            self._where.setdefault(key, (name, row))
        return name

    def _write(self, name: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=TEMP_SUFFIX, dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.folder / name)
        finally:
            Path(tmp).unlink(missing_ok=True)

    def _load(self, name: str) -> np.ndarray:
        rows = _read_shard(self.folder / name)
        if rows is None or len(rows) != self._rows[name] or int(rows["vector"].shape[1]) != self.dimension:
            raise AssistantError(
                f"The embedding shard {self.folder.name}/{name} changed while the index was being built; build again."
            )
        return rows

    def gather(self, keys: Sequence[str]) -> np.ndarray:
        """The vectors of ``keys``, in that order (a ``len(keys) x dimension`` float32 array).

        Reads one shard at a time; every key must be in the store.
        """
        if self.dimension is None:
            raise ValueError(f"the store of {self.model} is empty")
        out = np.empty((len(keys), self.dimension), dtype=np.float32)
        wanted: dict[str, tuple[list[int], list[int]]] = {}
        for position, key in enumerate(keys):
            name, row = self._where[key]
            targets, sources = wanted.setdefault(name, ([], []))
            targets.append(position)
            sources.append(row)
        for name, (targets, sources) in sorted(wanted.items()):
            out[targets] = self._load(name)["vector"][sources]
        return out

    def collect(self, live: Iterable[str], shard_size: int = SHARD_SIZE) -> int:
        """Drop the vectors whose keys are not ``live``; returns how many rows went.

        A shard with no live row is deleted; a shard with some is rewritten with
        only those, and shards under half full are merged, up to ``shard_size``
        rows each. New shards are in place before the old ones are deleted, so
        a crash in between leaves a second copy of some rows (the next build
        drops it), never a lost one.
        """
        live = set(live)
        in_use: dict[str, list[int]] = {name: [] for name in self._rows}
        for key, (name, row) in self._where.items():
            if key in live:
                in_use[name].append(row)
        dead = sum(self._rows.values()) - sum(len(rows) for rows in in_use.values())
        rewrite = [name for name, rows in in_use.items() if len(rows) < self._rows[name]]
        small = [name for name, rows in in_use.items() if len(rows) == self._rows[name] < shard_size // 2]
        if len(small) > 1:
            rewrite += small
        if not rewrite:
            return 0
        keys: list[str] = []
        parts: list[np.ndarray] = []
        written: list[tuple[str, list[str]]] = []

        def flush(count: int) -> None:
            nonlocal keys, parts
            vectors = np.concatenate(parts)
            batch, rest = keys[:count], vectors[count:]
            name = self.add(batch, vectors[:count])
            written.append((name, batch))
            keys, parts = keys[count:], [rest] if len(rest) else []

        for name in sorted(rewrite):
            rows = sorted(in_use[name])
            if not rows:
                continue
            shard = self._load(name)
            keys.extend(key.decode("ascii") for key in shard["sha256"][rows].tolist())
            parts.append(np.array(shard["vector"][rows], dtype=np.float32))
            while len(keys) >= shard_size:
                flush(shard_size)
        if keys:
            flush(len(keys))
        for name, batch in written:  # the live rows now point at their new shards
            for row, key in enumerate(batch):
                self._where[key] = (name, row)
        fresh = {name for name, _ in written}
        for name in rewrite:
            if name not in fresh:
                (self.folder / name).unlink(missing_ok=True)
                del self._rows[name]
        for key in [key for key in self._where if key not in live]:
            del self._where[key]
        if not self._rows and self.folder.is_dir() and not any(self.folder.iterdir()):
            self.folder.rmdir()
        return dead


def embed_missing(
    store: ShardStore,
    texts: Sequence[str],
    embed: Callable[[list[str]], np.ndarray],
    *,
    shard_size: int = SHARD_SIZE,
    label: str,
    show_progress: bool = False,
) -> StoreStats:
    """Make sure the store has a vector for every text: embed the missing ones, a shard at a time.

    ``embed`` is called with at most ``shard_size`` texts; each result is on
    disk (a shard) before the next call. Progress (tqdm, on stderr) counts the
    distinct texts, those found in the store included.
    """
    if shard_size < 1:
        raise ValueError("shard_size must be at least 1")
    by_key = dict(zip((text_key(t) for t in texts), texts, strict=True))
    pending = store.missing(by_key)
    stats = StoreStats(texts=len(by_key), reused=len(by_key) - len(pending), discarded=store.discarded)
    bar = None
    if show_progress:
        from tqdm import tqdm

        bar = tqdm(total=len(by_key), initial=stats.reused, desc=f"Embedding ({label})", unit="text")
        bar.set_postfix(reused=stats.reused, refresh=False)
    try:
        done = 0
        while done < len(pending):
            batch = pending[done : done + shard_size]
            vectors = np.ascontiguousarray(embed([by_key[key] for key in batch]), dtype=np.float32)
            if store.dimension is not None and vectors.ndim == 2 and vectors.shape[1] != store.dimension:
                logger.warning(
                    "%s now gives vectors of size %d, the stored ones have %d: embedding everything again",
                    store.model,
                    vectors.shape[1],
                    store.dimension,
                )
                store.clear()
                store.add(batch, vectors)
                pending = store.missing(by_key)
                stats.reused, stats.embedded, done = 0, len(batch), 0
                if bar is not None:
                    bar.reset(total=len(by_key))
                    bar.update(len(batch))
                    bar.set_postfix(reused=0)
                continue
            store.add(batch, vectors)
            done += len(batch)
            stats.embedded += len(batch)
            if bar is not None:
                bar.update(len(batch))
    finally:
        if bar is not None:
            bar.close()
    return stats
