"""The route a user would otherwise pick, on the same questions: LangChain's splitter, FAISS store and HF embeddings.

``RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)`` over the
same documents, ``langchain_community.vectorstores.FAISS`` over
``HuggingFaceEmbeddings`` of the same bundled all-MiniLM-L6-v2 files (CPU, local
files only), top 5 chunks per question. The chunks play the quotes: they are
scored with ``assistant eval``'s rule (:func:`assistant.evaluation.contains_any`).

``HuggingFaceEmbeddings`` comes from ``langchain_huggingface`` when it is
installed, else from ``langchain_community.embeddings`` (the same class before it
moved; ``langchain-huggingface`` needs ``huggingface-hub<2``, which this
project's pins exclude). The LangChain packages are dev-only: nothing else in
the project imports them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..corpus import load_corpus
from ..embedding import resolve_model_path
from ..evaluation import Item, contains_any
from ..index.records import installed_versions
from .latency import now
from .report import p50_p95

CHUNK_SIZE = 500
CHUNK_OVERLAP = 50
TOP_K = 5
PACKAGES = ("langchain-core", "langchain-community", "langchain-text-splitters", "langchain-huggingface")

SETUP = (
    f"LangChain: `RecursiveCharacterTextSplitter(chunk_size={CHUNK_SIZE}, chunk_overlap={CHUNK_OVERLAP})` over the "
    "same documents, `langchain_community.vectorstores.FAISS` over `HuggingFaceEmbeddings` of the same bundled "
    f"all-MiniLM-L6-v2 files (CPU, local files only), top {TOP_K} chunks per question, every question answered. "
    "This assistant: `ask()` as shipped (it declines what the source does not cover), up to 5 quotes of one "
    "sentence or so each."
)


def versions() -> dict[str, str]:
    return installed_versions(PACKAGES)


def available() -> str | None:
    """None when the route can run, else why not (for a printed note)."""
    try:
        import langchain_community.vectorstores  # noqa: F401
        import langchain_text_splitters  # noqa: F401
    except ImportError as exc:
        return f"the LangChain packages are not installed ({exc.name}); `pip install langchain-community`"
    return None


def _embeddings_class() -> Any:
    try:
        from langchain_huggingface import HuggingFaceEmbeddings
    except ImportError:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from langchain_community.embeddings import HuggingFaceEmbeddings
    return HuggingFaceEmbeddings


@dataclass
class LangChainRoute:
    """The store built once; :meth:`search` is one question's top chunks."""

    store: Any
    chunks: int
    build_s: float

    @classmethod
    def build(cls, corpus_dir: Path, model: str) -> LangChainRoute:
        from langchain_community.vectorstores import FAISS
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
        start = now()
        chunks = [chunk for document in load_corpus(corpus_dir) for chunk in splitter.split_text(document.text)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the community class's deprecation notice
            embeddings = _embeddings_class()(
                model_name=resolve_model_path(model), model_kwargs={"device": "cpu", "local_files_only": True}
            )
        store = FAISS.from_texts(chunks, embeddings)
        return cls(store=store, chunks=len(chunks), build_s=now() - start)

    def search(self, question: str) -> list[str]:
        return [doc.page_content for doc in self.store.similarity_search(question, k=TOP_K)]


def hits(texts: Sequence[str], gold: Sequence[str], k: int) -> bool:
    """``assistant eval``'s rule: one of the first ``k`` texts contains a gold phrase after folding."""
    return any(contains_any(text, gold) for text in texts[:k])


def score(results: Sequence[tuple[Item, Sequence[str]]]) -> dict[str, float]:
    """hit@1, hit@5, share answered and mean snippet length over in-scope items and what was shown for each."""
    scored = [(item, texts) for item, texts in results if item.kind == "in_scope" and item.gold]
    shown = [len(t) for _, texts in scored for t in texts]
    n = len(scored) or 1
    return {
        "hit_at_1": sum(hits(texts, item.gold, 1) for item, texts in scored) / n,
        "hit_at_5": sum(hits(texts, item.gold, 5) for item, texts in scored) / n,
        "answered": sum(bool(texts) for _, texts in scored) / n,
        "mean_snippet_chars": sum(shown) / len(shown) if shown else float("nan"),
    }


def latency_pair(
    ours: Callable[[str], object], theirs: Callable[[str], object], questions: Sequence[str]
) -> tuple[dict[str, float], dict[str, float]]:
    """p50/p95 (ms) of both routes over the questions, interleaved question by question (the same load)."""
    times: tuple[list[float], list[float]] = ([], [])
    for question in questions:
        for fn, out in ((ours, times[0]), (theirs, times[1])):
            start = now()
            fn(question)
            out.append((now() - start) * 1000)
    (ours50, ours95), (theirs50, theirs95) = p50_p95(times[0]), p50_p95(times[1])
    return {"p50_ms": ours50, "p95_ms": ours95}, {"p50_ms": theirs50, "p95_ms": theirs95}
