from pathlib import Path

import pytest

from assistant.boilerplate import boilerplate_reason, trim_boilerplate
from assistant.chunking import chunk_document, split_sentences
from assistant.corpus import Document, load_corpus, sha256_bytes
from assistant.errors import CorpusError

from .conftest import FIXTURE_CORPUS, REPO_CORPUS

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_194e30926528c40f.txt"


def test_corpus_is_the_seed_byte_for_byte() -> None:
    if not SEED.exists():
        pytest.skip("shared/seed is not beside this checkout")
    (doc,) = load_corpus(REPO_CORPUS)
    assert doc.sha256 == sha256_bytes(SEED.read_bytes())


def test_load_corpus_reads_text_and_sidecar_metadata() -> None:
    (doc,) = load_corpus(FIXTURE_CORPUS)
    assert doc.path == "neck.txt"
    assert doc.title == "Neck stiffness basics"
    assert doc.source_url == "https://example.org/neck"
    assert doc.text == (FIXTURE_CORPUS / "neck.txt").read_bytes().decode("utf-8")


def test_non_utf8_file_is_named_in_the_error(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Fine text.", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes("Caf\u00e9 au lait.".encode("latin-1"))
    with pytest.raises(CorpusError, match=r"bad\.txt.*not UTF-8"):
        load_corpus(tmp_path)


def test_missing_and_empty_corpus_folders_say_so(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nowhere")
    (tmp_path / "notes.json").write_text("{}")
    with pytest.raises(CorpusError, match=r"no \.txt or \.md"):
        load_corpus(tmp_path)


def test_bad_sidecar_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("Some text.", encoding="utf-8")
    (tmp_path / "a.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"a\.json"):
        load_corpus(tmp_path)


@pytest.mark.parametrize(
    "line",
    [
        "\u00a9 2024 Example Media. All rights reserved.",
        "HealthSite is a registered trademark of Example Holdings.",
        "The Foundation and Site.com do not endorse any products or services.",
        "The material on this site is for informational purposes only.",
        "Follow us on Instagram for daily tips.",
        'Mar 3, 2021 - Explore Jane Doe\'s board "stretches" on Pinterest.',
        "Published: 12 June 2019 Knee care.",
        "Last updated on May 2, 2020.",
        "Acme Health Media Inc.",
        "Home, Knee Pain, Hip Stretches, Sleep Tips, Desk Posture Guide, About Us, Contact Us.",
        "He is a certified strength coach and freelance writer based in Ohio.",
        "diagnosis or treatment.",
    ],
)
def test_boilerplate_is_recognised_in_general(line: str) -> None:
    assert boilerplate_reason(line) is not None


@pytest.mark.parametrize(
    "line",
    [
        "Hold the stretch for 30 seconds.",
        "The following stretches will target these muscles: Upper trapezius Levator scapulae Rhomboids.",
        "Main Areas You May Feel Pain In: \u2013 Shoulder Blades \u2013 Neck \u2013 Shoulders.",
        "Physical therapy includes stretching, exercises of back muscles, heat therapy and ultrasound therapy.",
        "Pelvic Tilt.",
        "Doctors recommend stretching exercises to strengthen the intercostal muscles.",
        "The U.S. National Library of Medicine recommends rest for a few days.",
    ],
)
def test_article_content_is_not_boilerplate(line: str) -> None:
    assert boilerplate_reason(line) is None


def test_glued_disclaimer_clause_is_trimmed_off_a_real_sentence() -> None:
    text = "used as a substitute for professional medical advice, The most common cause is strain."
    start, end = trim_boilerplate(text) or (0, 0)
    assert text[start:end] == "The most common cause is strain."
    assert trim_boilerplate("All rights reserved, Copyright 2020.") is None


def test_every_span_is_exact_text_at_its_offsets() -> None:
    for doc in load_corpus(REPO_CORPUS) + load_corpus(FIXTURE_CORPUS):
        spans = split_sentences(doc)
        assert spans, doc.path
        for span in spans:
            assert doc.text[span.start : span.end] == span.text
            assert span.text == span.text.strip() and span.text
        # Spans are in order and do not overlap.
        assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))


def test_sentence_split_respects_abbreviations_and_list_items() -> None:
    doc = Document("x.txt", "Dr. Lee says the U.S. guidance is fine. Lift; Bring your knee up; Hold it. next one.", "0")
    texts = [s.text for s in split_sentences(doc)]
    assert texts == ["Dr. Lee says the U.S. guidance is fine.", "Lift;", "Bring your knee up;", "Hold it.", "next one."]


def test_long_run_on_sentences_are_capped() -> None:
    text = "word, " * 200 + "end."
    doc = Document("x.txt", text, "0")
    spans = split_sentences(doc, max_span_chars=100)
    assert all(len(s.text) <= 100 for s in spans)
    assert all(text[s.start : s.end] == s.text for s in spans)


def test_chunker_marks_boilerplate_duplicates_and_short_spans() -> None:
    (doc,) = load_corpus(FIXTURE_CORPUS)
    sentences = chunk_document(doc)
    by_text = {s.span.text: s for s in sentences}
    assert by_text["Follow us on Instagram for daily stretching tips."].boilerplate == "social"
    assert by_text["Example Media Inc."].boilerplate == "publisher"
    assert by_text["She is a certified personal trainer and freelance health writer."].boilerplate == "author bio"
    # The repeated sentence is searchable once.
    repeated = [s for s in sentences if s.span.text == "Gentle stretching helps many people with a stiff neck."]
    assert [s.searchable for s in repeated] == [True, False]
    # A glued disclaimer is cut off, the sentence after it kept.
    assert "Ice can calm a neck that flared up after sport." in by_text
    # A bare heading carries its neighbours as context.
    heading = by_text["Neck Rolls."]
    assert heading.context is not None
    start, end = heading.context
    assert start < heading.span.start and end > heading.span.end


def test_no_boilerplate_marker_is_searchable_in_the_real_corpus() -> None:
    markers = ["LIVESTRONG", "Pinterest", "Leaf Group", "Cancer Causes, Types"]
    (doc,) = load_corpus(REPO_CORPUS)
    searchable = [s.span.text for s in chunk_document(doc) if s.searchable]
    assert searchable
    for text in searchable:
        assert not any(m.lower() in text.lower() for m in markers), text
    assert len({t.lower() for t in searchable}) == len(searchable)


def test_a_line_break_ends_a_sentence_without_a_full_stop() -> None:
    text = (
        "By Jo Bloggs | Updated May 1, 2024 Knee Pain: What to Know\nRest the knee for a day.\n\n"
        "Advertisement\nIce or rest?"
    )
    document = Document("a.txt", text, "x")
    spans = split_sentences(document)
    assert [s.text for s in spans] == [
        "By Jo Bloggs | Updated May 1, 2024 Knee Pain: What to Know",
        "Rest the knee for a day.",
        "Advertisement",
        "Ice or rest?",
    ]
    assert all(text[s.start : s.end] == s.text for s in spans)
