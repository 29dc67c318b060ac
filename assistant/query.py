"""A reader's question as typed, turned into what retrieval and triage need.

Readers type fast and loosely: "how long shud i hold it when i feel the strech",
"is it ok 2 do thes exercises evry day". This module gives

- :meth:`QueryProcessor.correct`: the question with texting shorthand expanded and
  misspellings corrected, everything else left exactly as typed;
- :meth:`QueryProcessor.focus_terms`: the words that carry the question's meaning,
  most informative first, with their scores;
- :meth:`QueryProcessor.unknown_terms`: which of those the source never mentions.

:meth:`QueryProcessor.process` does all three. Callers keep the raw question
themselves (quotes are checked against the source, never against this text).

Costs: a ``QueryProcessor`` is built from the corpus texts in milliseconds. The
shared English resources (symspellpy's frequency dictionaries, about 2 s, and
wordfreq's table, under 1 s) load once per process, on first use, never when
``assistant`` is imported; :func:`warm_up` loads them ahead of time.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .index.lexical import _stemmer, _stopwords

# A word as the corrector sees it: letters and digits, with an inner apostrophe
# ("can't", "mum's"). Everything between words is kept byte for byte.
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_LETTERS = re.compile(r"[^\W\d_]+")

# symspellpy: max edit distance 2 as asked; prefix length 5 instead of the default
# 7 loads the 82,765 words in ~1.6 s instead of ~4.7 s and finds the same
# suggestions (the prefix only narrows the candidate search; distances are exact;
# checked on 6,000 random misspellings: no difference).
_MAX_EDIT = 2
_PREFIX = 5

# A word used at least once per million words of general English (Zipf >= 3)
# is a word, even when symspell's dictionary lacks it ("meds" 3.59, "mri" 3.56):
# such common forms are real usage, while ordinary typos sit below ("thier" 2.99,
# "strech" 1.68, "evry" 1.94). The cost: a misspelling as common as "alot" (3.93)
# is left as typed.
_KNOWN_ZIPF = 3.0

# A correction must be to a word at least 10**_GAIN times as common as what was
# typed. A typo is rare next to the word it misspells ("strech" 1.68, "stretch"
# 4.35); a real word next to its kin often is not ("physios" 1.86 stays, though
# "physio" 2.84 is one letter away). The cost: misspellings common enough to
# near their word ("occured" 2.80, "occurred" 4.57) are left as typed.
_GAIN = 2.0

# Words of the source that English lacks get this count in the merged
# dictionary, as high as the commonest English words. Among equally close
# candidates source words win outright (they are sorted first), and a source
# word counts as 10**6 times as common as an unseen typo (_CORPUS_ZIPF).
_CORPUS_COUNT = 10**10
_CORPUS_ZIPF = 6.0

# Texting shorthand, general English only. Each key is a whole word, typed in
# lower case or capitalised ("Im"); the value replaces it whatever the
# neighbours, unless the source itself uses the key as a word of 3+ letters.
_TEXTING: dict[str, str] = {
    "u": "you",
    "ur": "your",
    "r": "are",
    "y": "why",
    "n": "and",
    "b4": "before",
    "rn": "right now",
    "tho": "though",
    "thru": "through",
    "rite": "right",
    "pls": "please",
    "plz": "please",
    "cuz": "because",
    "coz": "because",
    "bc": "because",
    "becuz": "because",
    "nah": "no",
    "shud": "should",
    "wud": "would",
    "cud": "could",
    "wat": "what",
    "wot": "what",
    "abt": "about",
    "ppl": "people",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "2day": "today",
    "2nite": "tonight",
    "tonite": "tonight",
    "nite": "night",
    "idk": "I don't know",
    "imo": "in my opinion",
    "btw": "by the way",
    "thx": "thanks",
    "thnx": "thanks",
    "luv": "love",
    "gud": "good",
    "hav": "have",
    "wen": "when",
    "tht": "that",
    "dat": "that",
    "jus": "just",
    "prolly": "probably",
    "probly": "probably",
    "srsly": "seriously",
    "lil": "little",
    "smth": "something",
    "sth": "something",
    # Contractions typed without the apostrophe, only where the bare form is not
    # itself a common word ("well", "ill", "its", "were", "lets", "id" stay).
    "im": "I'm",
    "ive": "I've",
    "dont": "don't",
    "cant": "can't",
    "wont": "won't",
    "didnt": "didn't",
    "doesnt": "doesn't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "arent": "aren't",
    "werent": "weren't",
    "couldnt": "couldn't",
    "shouldnt": "shouldn't",
    "wouldnt": "wouldn't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "thats": "that's",
    "whats": "what's",
    "youre": "you're",
    "youve": "you've",
    "theyre": "they're",
    "theres": "there's",
    "shes": "she's",
    "wouldve": "would've",
    "couldve": "could've",
    "shouldve": "should've",
}

# Digits that stand for a word in texting ("ok 2 do", "gear 4 this"), but are
# numbers just as often ("do 2 sets", "take 2 tablets", "had it 4 weeks"):
# replaced only between two words, when "to"/"for" + the next word is a listed
# English bigram ("to do", "for this") and "two"/"four" + the next word is not
# ("four weeks" is, so "4 weeks" stays a number). When in doubt, the number stays.
_DIGIT_WORDS: dict[str, tuple[str, str]] = {"2": ("to", "two"), "4": ("for", "four")}


# A word glued to one of these is part of a path, an address or code (".venv/bin",
# "gradio_client", "name@example"), not prose: never spell-corrected.
_GLUE = frozenset("/\\_@#.=<>~")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")


# --- shared English resources, loaded once per process ---------------------------

_LOCK = threading.Lock()


@dataclass(frozen=True)
class _English:
    """symspellpy's English dictionary (unigrams, with the speller) and bigram counts."""

    speller: Any  # symspellpy.SymSpell
    bigrams: dict[str, int]
    bigram_floor: int
    total: int


@lru_cache(maxsize=1)
def _english_cached() -> _English:
    import importlib.resources

    from symspellpy import SymSpell

    files = importlib.resources.files("symspellpy")
    speller = SymSpell(max_dictionary_edit_distance=_MAX_EDIT, prefix_length=_PREFIX)
    with importlib.resources.as_file(files / "frequency_dictionary_en_82_765.txt") as path:
        if not speller.load_dictionary(str(path), term_index=0, count_index=1, encoding="utf-8"):
            raise RuntimeError(f"symspellpy's dictionary is missing: {path}")
    bigrams: dict[str, int] = {}
    text = (files / "frequency_bigramdictionary_en_243_342.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3:
            bigrams[f"{parts[0]} {parts[1]}"] = int(parts[2])
    return _English(speller, bigrams, min(bigrams.values()), int(SymSpell.N))


def _english() -> _English:
    with _LOCK:
        return _english_cached()


def english_zipf(word: str) -> float:
    """General-English frequency on the Zipf scale (log10 of uses per billion words; 0 = unseen)."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


def warm_up() -> None:
    """Load the English resources now (e.g. in a background thread at server start)."""
    _english()
    english_zipf("warm")


# --- results ---------------------------------------------------------------------


@dataclass(frozen=True)
class FocusTerm:
    """A content word of a question and how informative it is.

    ``score`` is the word's surprisal, ``-log10 p``, under a half-and-half mix of
    general English (wordfreq) and the source's own word frequencies: rare in
    both means it says most about what the reader wants.
    """

    word: str
    stem: str
    score: float
    zipf: float
    corpus_count: int


@dataclass(frozen=True)
class ProcessedQuery:
    """A question as typed, as corrected, and the words that carry it."""

    raw: str
    corrected: str
    focus: tuple[FocusTerm, ...]
    unknown: tuple[FocusTerm, ...]

    @property
    def focus_words(self) -> tuple[str, ...]:
        return tuple(t.word for t in self.focus)

    @property
    def unknown_words(self) -> tuple[str, ...]:
        return tuple(t.word for t in self.unknown)


# --- the processor ---------------------------------------------------------------


class QueryProcessor:
    """Spelling normalisation and focus terms for one corpus.

    ``corpus`` is either the source texts (their raw word forms are counted) or
    a mapping from word to count. Building only counts words and stems them; the
    shared English dictionaries load on the first correction.
    """

    def __init__(self, corpus: Iterable[str] | Mapping[str, int]) -> None:
        counts: Counter[str] = Counter()
        if isinstance(corpus, Mapping):
            for word, n in corpus.items():
                counts[_fold(word)] += int(n)
        else:
            for text in corpus:
                counts.update(_WORD.findall(_fold(text)))
        self._words: Counter[str] = counts
        stems: Counter[str] = Counter()
        stopwords = _stopwords()
        content = {w: n for w, n in counts.items() if w not in stopwords and _LETTERS.fullmatch(_strip_possessive(w))}
        for word, stem in zip(content, _stemmer().stemWords([_strip_possessive(w) for w in content]), strict=True):
            stems[stem] += content[word]
        self._stems: Counter[str] = stems
        self._stem_total = max(sum(stems.values()), 1)
        self._corpus_speller: Any = None
        self._speller_lock = threading.Lock()

    # -- vocabulary --

    def in_corpus(self, word: str) -> bool:
        """Whether the source uses this exact word form (case-insensitive)."""
        return _fold(word) in self._words

    def is_known(self, word: str) -> bool:
        """Whether a word counts as correctly spelt, so is never changed.

        Known: a word form of the source; a word of symspellpy's English
        dictionary; a word used at least once per million words of general
        English (wordfreq Zipf >= 3); or an inflection of a source word (same
        Snowball stem, stem of 4+ letters: "spasming" when the source says
        "spasms").
        """
        w = _fold(word)
        if w in self._words or w in _english().speller.words:
            return True
        if _LETTERS.fullmatch(w) and len(w) >= 5:
            stem = _stemmer().stemWord(w)
            if len(stem) >= 4 and stem in self._stems:
                return True
        return english_zipf(w) >= _KNOWN_ZIPF

    def _corpus_candidates(self) -> Any:
        """A small symspell index of the source's words that English lacks, built on first use."""
        with self._speller_lock:
            if self._corpus_speller is None:
                from symspellpy import SymSpell

                english = _english().speller.words
                speller = SymSpell(max_dictionary_edit_distance=_MAX_EDIT, prefix_length=_PREFIX)
                for word in self._words:
                    if word not in english and len(word) >= 3 and _LETTERS.fullmatch(word):
                        speller.create_dictionary_entry(word, _CORPUS_COUNT)
                self._corpus_speller = speller
            return self._corpus_speller

    # -- correction --

    def correct(self, text: str) -> str:
        """The question with texting shorthand expanded and misspellings corrected.

        Only words are touched; spacing, punctuation and numbers ("30 seconds",
        "39") stay as typed. A word is rewritten when it is

        - texting shorthand from a fixed table of general English ("u", "b4",
          "rn", "dont"), unless the source itself uses it as a word of 3+
          letters; "2" and "4" only between words, when English bigrams attest
          "to"/"for" + the next word but not "two"/"four" + it;
        - or a misspelling: unknown (see :meth:`is_known`), 3+ letters, no
          digits or apostrophes, all lower case or capitalised at the start of
          a sentence (other capitalised words are names, all-caps ones
          acronyms), not glued to a path or address (``_GLUE``). It becomes the
          closest word at most one edit per four letters away (1 edit up to 7
          letters, 2 from 8: short words have too many neighbours) that common
          typing slips explain (:func:`_slip`: "swolen" is "swollen", not
          "stolen"; "padel" stays "padel", not "panel"), and only if that word
          is at least 100 times as common in English (``_GAIN``). Among equally
          close candidates source words win, then those that only put back
          left-out letters or swap two neighbours back ("sholders" is
          "shoulders", not "holders"), then the one that fits best between its
          neighbours (English bigrams: "evry day" is "every day").
        """
        matches = list(_WORD.finditer(text))
        if not matches:
            return text
        words = [m.group() for m in matches]
        # Neighbours count as context only when just spaces separate them.
        joined = [i > 0 and text[matches[i - 1].end() : matches[i].start()].strip(" ") == "" for i in range(len(words))]
        out = list(words)
        for i, word in enumerate(words):
            out[i] = self._texting(word)
        for i, word in enumerate(words):
            if out[i] != word:
                continue
            prev = _fold(out[i - 1]) if joined[i] else None
            nxt = _fold(out[i + 1]) if i + 1 < len(words) and joined[i + 1] else None
            if word in _DIGIT_WORDS:
                if prev and nxt and _LETTERS.fullmatch(prev) and _LETTERS.fullmatch(nxt):
                    as_word, as_number = _DIGIT_WORDS[word]
                    bigrams = _english().bigrams
                    if f"{as_word} {nxt}" in bigrams and f"{as_number} {nxt}" not in bigrams:
                        out[i] = as_word
                continue
            sentence_start = i == 0 or re.search(r"[.!?:\n]\s*$", text[: matches[i].start()]) is not None
            glued = (
                text[matches[i].start() - 1 : matches[i].start()] in _GLUE
                or text[matches[i].end() : matches[i].end() + 1] in _GLUE
            )
            out[i] = word if glued else self._spell(word, prev, nxt, sentence_start)
        pieces = [text[: matches[0].start()]]
        for i, m in enumerate(matches):
            pieces.append(out[i])
            end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
            pieces.append(text[m.end() : end])
        return "".join(pieces)

    def _texting(self, word: str) -> str:
        lower = word.lower()
        replacement = _TEXTING.get(lower)
        if replacement is None:
            return word
        if len(lower) >= 3 and lower in self._words:  # the source's own word
            return word
        if word == lower:
            return replacement
        if len(word) > 1 and word == word.capitalize():  # "Im", "Ur"
            return replacement[0].upper() + replacement[1:]
        return word  # "U", "IDK", "N": a letter, a name or an acronym

    def _spell(self, word: str, prev: str | None, nxt: str | None, sentence_start: bool) -> str:
        if len(word) < 3 or not _LETTERS.fullmatch(word):
            return word
        if word != word.lower() and not (sentence_start and word == word.capitalize()):
            return word
        lower = word.lower()
        if self.is_known(lower):
            return word
        budget = min(_MAX_EDIT, len(lower) // 4)
        if budget == 0:
            return word
        english = _english()
        found: dict[str, tuple[int, bool]] = {}  # candidate -> (distance, is a source word)
        from symspellpy import Verbosity

        for speller, from_corpus in ((english.speller, False), (self._corpus_candidates(), True)):
            for suggestion in speller.lookup(lower, Verbosity.CLOSEST, max_edit_distance=budget):
                term, distance = suggestion.term, int(suggestion.distance)
                if term not in found or distance < found[term][0]:
                    found[term] = (distance, from_corpus or term in self._words)
        if not found:
            return word
        closest = min(d for d, _ in found.values())
        candidates = [t for t, (d, _) in found.items() if d == closest and _slip(lower, t, d)]
        if not candidates:
            return word
        candidates.sort(key=lambda t: (not found[t][1], not _left_out(lower, t), -self._fit(t, prev, nxt), t))
        best = candidates[0]
        gain = (_CORPUS_ZIPF if found[best][1] else english_zipf(best)) - english_zipf(lower)
        if gain < _GAIN:
            return word
        return best.capitalize() if word[0].isupper() else best

    def _count(self, word: str) -> int:
        """English count for context fit; a source word English lacks gets the source's high count."""
        count = _english().speller.words.get(word)
        if count is not None:
            return int(count)
        return _CORPUS_COUNT if word in self._words else 1

    def _pair(self, a: str, b: str) -> float:
        english = _english()
        seen = english.bigrams.get(f"{a} {b}")
        if seen is not None:
            return float(seen)
        # Not among the listed bigrams: below their floor; guess by independence.
        return min(self._count(a) * self._count(b) / english.total, float(english.bigram_floor))

    def _fit(self, word: str, prev: str | None, nxt: str | None) -> float:
        """log P(prev, word, next) up to a constant, from bigrams: P(prev word) P(word next) / P(word)."""
        score = math.log(self._pair(prev, word)) if prev else math.log(self._count(word))
        if nxt:
            score += math.log(self._pair(word, nxt)) - math.log(self._count(word))
        return score

    # -- focus terms --

    def focus_terms(self, text: str) -> tuple[FocusTerm, ...]:
        """The content words of a question, most informative first.

        - Content words: what :func:`assistant.index.lexical.tokenize` keeps (no
          stopwords or question words, no single letters), so focus terms and
          retrieval agree; numbers are left out, since a "39" or "2018" does not
          say what the question is about. One term per stem, first form kept.
        - Score: surprisal ``-log10 p`` with ``p`` half general English
          (wordfreq, ``10**(zipf - 9)``) and half the source (the stem's share of
          its content words). General English ranks "magnesium" above "help";
          the source half ranks its everyday words ("back", "spasm") below the
          ones that single out a passage, much like IDF.
        """
        stopwords = _stopwords()
        seen: set[str] = set()
        terms: list[FocusTerm] = []
        for raw in _WORD.findall(_fold(text)):
            word = _strip_possessive(raw)
            if word in stopwords or raw in stopwords or len(word) < 2 or not _LETTERS.fullmatch(word):
                continue
            stem = _stemmer().stemWord(word)
            if stem in seen:
                continue
            seen.add(stem)
            zipf = english_zipf(word)
            count = self._stems.get(stem, 0)
            p = 0.5 * 10 ** (zipf - 9) + 0.5 * count / self._stem_total
            score = -math.log10(max(p, 1e-9))
            terms.append(FocusTerm(word, stem, round(score, 3), zipf, count))
        terms.sort(key=lambda t: -t.score)
        return tuple(terms)

    def unknown_terms(self, terms: Iterable[FocusTerm]) -> tuple[FocusTerm, ...]:
        """The focus terms whose stem the source never uses ("magnesium" in a source without it)."""
        return tuple(t for t in terms if t.stem not in self._stems)

    def process(self, question: str) -> ProcessedQuery:
        corrected = self.correct(question)
        focus = self.focus_terms(corrected)
        return ProcessedQuery(question, corrected, focus, self.unknown_terms(focus))


def _strip_possessive(word: str) -> str:
    return word[:-2] if word.endswith("'s") else word


_VOWELS = frozenset("aeiouy")
_DEAR = 100  # an edit no common slip explains


def _slip(typed: str, word: str, distance: int) -> bool:
    """Whether ``distance`` edits, all common slips, turn ``word`` into ``typed``.

    Common slips (Damerau 1964; Kukich 1992): a left-out letter ("strech"), two
    neighbouring letters swapped ("tierd"), one vowel for another ("seperate"),
    an extra vowel ("arguement"), a letter typed twice ("untill") or one taken
    from elsewhere in the word ("excercise"). Not slips: a wrong consonant or a
    stray one, which is how rare real words sit next to common ones ("padel" /
    "panel", "physios" / "physics", "xray" / "ray", "prehab" / "rehab"), so
    those are never "corrected". The first letter must be right (or swapped
    with the second): people seldom get it wrong, and a different first
    letter is how "ancle" would become "uncle" or "iframe" "frame".

    Weighted Damerau (OSA) alignment: slips cost 1, other edits ``_DEAR``; the
    cost must not exceed the plain edit distance, so a wrong letter does not
    pass as a left-out one plus a stray one.
    """
    if not typed or not word or (typed[0] != word[0] and typed[:2] != word[1::-1]):
        return False
    n, m = len(typed), len(word)
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for j in range(1, m + 1):
        cost[0][j] = j  # letters left out
    for i in range(1, n + 1):
        t = typed[i - 1]
        stray = t in _VOWELS or t in word or (i > 1 and typed[i - 2] == t) or (i < n and typed[i] == t)
        cost[i][0] = cost[i - 1][0] + (1 if stray else _DEAR)
        for j in range(1, m + 1):
            w = word[j - 1]
            if t == w:
                best = cost[i - 1][j - 1]
            else:
                best = cost[i - 1][j - 1] + (1 if t in _VOWELS and w in _VOWELS else _DEAR)
            best = min(best, cost[i][j - 1] + 1, cost[i - 1][j] + (1 if stray else _DEAR))
            if i > 1 and j > 1 and t == word[j - 2] and typed[i - 2] == w:
                best = min(best, cost[i - 2][j - 2] + 1)
            cost[i][j] = best
    return cost[n][m] <= distance


def _left_out(typed: str, word: str) -> bool:
    """Whether ``typed`` is ``word`` with letters left out, or with two neighbouring letters swapped."""
    if len(word) > len(typed):
        letters = iter(word)
        return all(c in letters for c in typed)
    if len(word) == len(typed):
        diff = [i for i, (a, b) in enumerate(zip(typed, word, strict=True)) if a != b]
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and (typed[diff[0]], typed[diff[1]]) == (word[diff[1]], word[diff[0]])
        )
    return False
