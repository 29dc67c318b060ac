"""Large synthetic corpora for scale measurements: health-article-like sentences and embedding-like vectors.

Both generators are deterministic by ``seed`` and cheap enough to make a
million items in seconds. Neither is meant to be *read*; each is meant to load
the index the way real data would.

``synthetic_sentences`` fills sentence templates of a health article ("Gentle
stretching of the lower back may ease muscle spasms within a few days.") from
word lists whose entries are drawn with Zipf-like weights, plus a long tail of
generated medical-looking terms, so the BM25 vocabulary keeps growing with the
corpus (as Heaps' law says real text does) and posting lists have the skewed
lengths real ones have. ``synthetic_vectors`` is a clustered, anisotropic
mixture shaped like sentence embeddings; its docstring says why.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from functools import lru_cache

import numpy as np

__all__ = ["synthetic_sentences", "synthetic_vectors", "VECTOR_CLUSTERS", "VECTOR_TOPICS"]

# --- Sentences -------------------------------------------------------------

_BODY = (
    "lower back|neck|shoulder|knee|hip|upper back|spine|hamstring|calf|ankle|wrist|elbow|jaw|pelvis|"
    "lumbar spine|rotator cuff|sciatic nerve|core muscles|hip flexors|thoracic spine|glutes|foot|heel|"
    "abdominal wall|skin|heart|lungs|liver|kidneys|gut|bladder|joints|tendons|ligaments|cartilage"
).split("|")
_CONDITION = (
    "muscle spasms|back pain|stiffness|inflammation|arthritis|a herniated disc|sciatica|tendinitis|"
    "osteoporosis|a strain|a sprain|fatigue|headaches|migraine|high blood pressure|type 2 diabetes|"
    "anxiety|insomnia|dehydration|a pinched nerve|bursitis|plantar fasciitis|scoliosis|fibromyalgia|"
    "asthma|an infection|swelling|numbness|tingling|cramps|poor posture|muscle weakness|obesity|reflux"
).split("|")
_TREATMENT = (
    "gentle stretching|physical therapy|heat therapy|an ice pack|rest|massage|yoga|walking|swimming|"
    "over-the-counter pain relievers|ibuprofen|acetaminophen|a muscle relaxant|a corticosteroid injection|"
    "acupuncture|chiropractic care|strength training|core exercises|a foam roller|hydration|"
    "magnesium supplements|better sleep|weight loss|a standing desk|deep breathing|cognitive behavioural "
    "therapy|surgery|a brace|pilates|tai chi|low-impact aerobic exercise|a warm bath|ergonomic changes"
).split("|")
_VERB = (
    "may ease|can relieve|often helps with|is linked to|can worsen|may reduce|does not cure|"
    "can trigger|is a common cause of|rarely causes|may prevent|can mask|is recommended for|"
    "should not replace treatment for|can improve|is associated with|may shorten|helps many people with"
).split("|")
_TIME = (
    "within a few days|over several weeks|in most cases|for some people|after an injury|"
    "in older adults|during pregnancy|at night|in the morning|after exercise|when sitting for long periods|"
    "in athletes|in children|over time|in the first 48 hours|for up to six weeks|after surgery|"
    "in people with diabetes|during flare-ups|when symptoms persist"
).split("|")
_PERSON = (
    "a doctor|your GP|a physical therapist|a physiotherapist|a specialist|a pharmacist|a nurse|"
    "an orthopaedic surgeon|a sports medicine doctor|a chiropractor|a dietitian|a rheumatologist"
).split("|")
_AMOUNT = (
    "10 minutes|15 to 30 minutes|twice a day|three times a week|20 seconds|5 repetitions|"
    "8 hours|2 litres|400 mg|30 minutes a day|every 2 hours|at least 150 minutes a week"
).split("|")
_SIGN = (
    "fever|loss of bladder control|sudden weakness|severe pain|numbness in the groin|weight loss|"
    "chest pain|shortness of breath|pain that wakes you at night|a rash|blurred vision|confusion"
).split("|")

_TEMPLATES = (
    "{T} {v} {C} {w}.",
    "For {C} in the {B}, {t} {v2} symptoms {w}.",
    "{P} may suggest {t} if {C} lasts longer than {w2}.",
    "Try {t} for {A}, and stop if the pain in your {B} gets worse.",
    "See {P} straight away if {C} comes with {S}.",
    "Research suggests that {t} {v} {C} {w}, although the evidence is limited.",
    "{C} in the {B} is usually not serious and often improves {w}.",
    "People with {C} should avoid {t} unless {P} recommends it.",
    "The {B} can be affected by {C}, {C2} and {X}.",
    "A {X} test can help {P} rule out {C} and {C2}.",
    "Hold each stretch for {A} and repeat it {A2}.",
    "{X} is a rare condition of the {B} that {v} {C}.",
    "Some people with {X} also notice {C} in the {B} {w}.",
    "{T} is not a proven treatment for {X}, so ask {P} first.",
    "Doctors call this {X}, and {t} {v} it {w}.",
)
_SLOTS = {  # slot -> word list
    "T": _TREATMENT,
    "t": _TREATMENT,
    "C": _CONDITION,
    "C2": _CONDITION,
    "B": _BODY,
    "P": _PERSON,
    "v": _VERB,
    "v2": _VERB,
    "w": _TIME,
    "w2": _AMOUNT,
    "A": _AMOUNT,
    "A2": _AMOUNT,
    "S": _SIGN,
}
_PREFIXES = "arth|myo|neur|oste|card|derm|gastr|hep|nephr|pulmon|spondyl|fasc|tend|chondr|lip|angi|encephal|".split("|")
_MIDDLES = "o|i|a|al|op|ec|ul|ar|in|ol|".split("|")
_SUFFIXES = "itis|osis|algia|opathy|ectomy|plasty|ogram|oma|emia|otomy|ase|ine|ide|ol|".split("|")
#: Generated terms in the vocabulary's tail (drawn with Zipf weights, so most are rare).
TAIL_TERMS = 200_000
#: Zipf exponent of word choice: close to 1, as in natural text.
ZIPF_EXPONENT = 1.07
_SENTENCE_BATCH = 4096


def _zipf_cdf(size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A random ranking of ``size`` items and the cumulative Zipf weights of the ranks."""
    weights = 1.0 / np.arange(1, size + 1, dtype=np.float64) ** ZIPF_EXPONENT
    return rng.permutation(size), np.cumsum(weights / weights.sum())


def _tail_terms(rng: np.random.Generator) -> list[str]:
    """:data:`TAIL_TERMS` distinct made-up medical terms: prefix, linking vowel, 0-2 syllables, suffix."""
    syllables = "ba ce di fo gu ka le mi no pu ra se ti vo xy ze".split()
    pieces = (_PREFIXES, _MIDDLES, [""] * 2 + syllables, [""] * 4 + syllables, _SUFFIXES)
    terms: dict[str, None] = {}  # insertion-ordered, so the list is the same for the same seed
    while len(terms) < TAIL_TERMS:
        parts = [np.asarray(options)[rng.integers(len(options), size=TAIL_TERMS)] for options in pieces]
        joined = functools.reduce(np.char.add, parts)
        terms.update(dict.fromkeys(joined[np.char.str_len(joined) > 4].tolist()))
    return list(terms)[:TAIL_TERMS]


@lru_cache(maxsize=4)
def _vocabulary(seed: int) -> tuple[dict[str, list[str]], dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Per slot: its words, and their Zipf ranking (for ``seed``; the tail terms take a second to make)."""
    words: dict[str, list[str]] = {**_SLOTS, "X": _tail_terms(np.random.default_rng([seed, 0x7A11]))}
    rng = np.random.default_rng([seed, 0x5E47])
    rankings = {name: _zipf_cdf(len(options), rng) for name, options in words.items()}
    rankings["template"] = _zipf_cdf(len(_TEMPLATES), rng)
    return words, rankings


def synthetic_sentences(n: int, seed: int = 0) -> Iterator[str]:
    """``n`` sentences that read like a health article, the same ones for the same ``seed``.

    Templates and slot words are drawn with Zipf-like weights (a few words are
    everywhere, most are rare); the ``X`` slot draws from
    :data:`TAIL_TERMS` generated terms ("myoalgia", "spondylitis"), so the
    vocabulary grows with ``n``. The stream for ``n`` is a prefix of the stream
    for any larger ``n`` (every batch of :data:`_SENTENCE_BATCH` is drawn whole,
    from its own seeded generator).
    """
    words, rankings = _vocabulary(seed)
    made = 0
    for batch in itertools.count():
        if made >= n:
            return
        rng = np.random.default_rng([seed, 0x5E47, batch])
        picks = {
            name: order[np.minimum(np.searchsorted(cdf, rng.random(_SENTENCE_BATCH)), len(order) - 1)]
            for name, (order, cdf) in rankings.items()
        }
        for i in range(min(_SENTENCE_BATCH, n - made)):
            fields = {name: options[picks[name][i]] for name, options in words.items()}
            text = _TEMPLATES[picks["template"][i]].format(**fields)
            yield text[0].upper() + text[1:]
        made += _SENTENCE_BATCH


# --- Vectors ---------------------------------------------------------------

#: Mixture components ("what a sentence is about"), grouped under topics ("which article").
VECTOR_CLUSTERS = 4096
VECTOR_TOPICS = 64
#: Vectors per generation step: the random stream is seeded per chunk, so a prefix is the same for any n.
_CHUNK = 8192


class _Mixture:
    """The fixed parameters of the mixture for one (seed, dim)."""

    def __init__(self, dim: int, seed: int) -> None:
        rng = np.random.default_rng([seed, 0xC1A5])
        # A shared basis with a power-law spectrum: a few directions carry most of the variance, as in real
        # embeddings (all-MiniLM-L6-v2 on one article: top principal component 13 %, top 50 about 87 %).
        # Random directions (Gaussian rows are nearly orthogonal in this many dimensions; no LAPACK call needed).
        q = rng.standard_normal((dim, dim)) / np.sqrt(dim)
        spectrum = (np.arange(1, dim + 1, dtype=np.float64) ** -0.45).astype(np.float64)
        spectrum *= np.sqrt(dim / np.sum(spectrum**2))  # unit average variance per axis
        self.basis = (q * spectrum).T.astype(np.float32)  # rows: scaled orthonormal directions
        mean = rng.standard_normal(dim)
        mean *= 0.35 / np.linalg.norm(mean)  # a direction every sentence shares (anisotropy)

        def shaped(count: int, norm: float) -> np.ndarray:
            raw = rng.standard_normal((count, dim)) @ self.basis.astype(np.float64)
            return raw * (norm / np.linalg.norm(raw, axis=1, keepdims=True))

        topics = shaped(VECTOR_TOPICS, 0.75)
        topic_of = rng.integers(VECTOR_TOPICS, size=VECTOR_CLUSTERS)
        self.centres = (mean + topics[topic_of] + shaped(VECTOR_CLUSTERS, 0.7)).astype(np.float32)
        # Unequal cluster sizes (some subjects are written about far more), mildly Zipf-like.
        weights = 1.0 / (np.arange(VECTOR_CLUSTERS) + 20.0) ** 0.6
        self.cluster_cdf = np.cumsum(rng.permutation(weights / weights.sum()))
        # Each cluster's own spread along the shared directions: an overall size, and a per-direction factor,
        # so every cluster is a differently shaped ellipsoid.
        size = np.exp(rng.normal(0.0, 0.2, (VECTOR_CLUSTERS, 1)))
        self.scales = (0.042 * size * np.exp(rng.normal(0.0, 0.5, (VECTOR_CLUSTERS, dim)))).astype(np.float32)

    def sample(self, out: np.ndarray, rng: np.random.Generator) -> None:
        """Fill ``out`` (m x dim, float32) with normalised draws."""
        m, dim = out.shape
        clusters = np.minimum(np.searchsorted(self.cluster_cdf, rng.random(m)), VECTOR_CLUSTERS - 1)
        noise = rng.standard_normal((m, dim), dtype=np.float32)
        noise *= self.scales[clusters]
        np.matmul(noise, self.basis, out=out)
        out += self.centres[clusters]
        out /= np.linalg.norm(out, axis=1, keepdims=True)


def synthetic_vectors(
    n: int, dim: int = 384, seed: int = 0, *, stream: int = 0, out: np.ndarray | None = None
) -> np.ndarray:
    """``n`` L2-normalised float32 vectors (n x dim) shaped like sentence embeddings, the same for the same seed.

    Why not uniform noise: random unit vectors in 384 dimensions are all nearly
    orthogonal to each other, so a query's ten nearest neighbours are hardly
    nearer than any other point. Approximate search then looks hopeless (an IVF
    index must probe most of its lists) and every size favours exact search,
    which is not what real embeddings do. Real sentence embeddings are
    *anisotropic* (they share a mean direction; a few principal directions
    carry most of the variance) and *clustered* (sentences on one subject sit
    together, subjects group into articles, and some subjects are far more
    common). This is a mixture of :data:`VECTOR_CLUSTERS` Gaussian clusters
    under :data:`VECTOR_TOPICS` topics, with a shared power-law spectrum, each
    cluster stretched differently along it, and unequal cluster sizes, so
    neighbours are close but not trivially separable, and IVF lists are
    unevenly filled as they would be on real text.

    ``seed`` fixes the mixture; ``stream`` picks an independent draw from the
    same mixture (held-out queries: ``stream=1``). Vectors are generated
    :data:`_CHUNK` rows at a time into one preallocated array (``out``, e.g. a
    ``numpy.lib.format.open_memmap``, or a new one), so a million rows never
    need twice their memory. The rows for ``n`` are a prefix of those for a
    larger ``n``.
    """
    if out is None:
        out = np.empty((n, dim), dtype=np.float32)
    elif out.shape != (n, dim) or out.dtype != np.float32:
        raise ValueError(f"out must be a float32 array of shape {(n, dim)}, not {out.dtype} {out.shape}")
    mixture = _Mixture(dim, seed)
    buffer = np.empty((_CHUNK, dim), dtype=np.float32)
    for chunk, start in enumerate(range(0, n, _CHUNK)):
        stop = min(start + _CHUNK, n)
        # Always draw a whole chunk, so a row does not depend on where n cuts the last chunk.
        mixture.sample(buffer, np.random.default_rng([seed, stream, chunk]))
        out[start:stop] = buffer[: stop - start]
    return out
