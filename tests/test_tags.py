"""BIO tags as a view of spans: ``spans_to_tags`` and ``tags_to_spans`` round trips, both ways."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arabic_news_tagger.data.tags import spans_to_tags, tags_to_spans, tags_to_word_spans

LABELS = ["PERS", "GPE", "ORG"]


def is_valid_iob2(tags: list[str]) -> bool:
    """Every I-X continues a B-X or I-X; every tag is O, B-X or I-X."""
    prev = "O"
    for tag in tags:
        prefix, _, name = tag.partition("-")
        if tag != "O" and (prefix not in ("B", "I") or not name):
            return False
        if prefix == "I" and prev[2:] != name:
            return False
        prev = tag
    return True


def lenient_repair(tags: list[str]) -> list[str]:
    """The lenient rule, written independently: an I-X that does not continue X becomes B-X."""
    out, prev = [], "O"
    for tag in tags:
        if tag.startswith("I-") and prev[2:] != tag[2:]:
            tag = "B-" + tag[2:]
        out.append(tag)
        prev = tag
    return out


# --- strategies --------------------------------------------------------------------------------

@st.composite
def word_offsets(draw, min_size=0, max_size=25):
    """Increasing, non-overlapping word offsets with random word lengths and gaps."""
    n = draw(st.integers(min_size, max_size))
    offsets, pos = [], draw(st.integers(0, 3))
    for _ in range(n):
        length = draw(st.integers(1, 8))
        offsets.append((pos, pos + length))
        pos += length + draw(st.integers(1, 3))
    return offsets


@st.composite
def offsets_and_aligned_spans(draw):
    """Word offsets and non-overlapping spans that start and end on word boundaries."""
    offsets = draw(word_offsets())
    spans, i = [], 0
    while i < len(offsets):
        if draw(st.booleans()):
            j = draw(st.integers(i + 1, min(len(offsets), i + 4)))
            spans.append((offsets[i][0], offsets[j - 1][1], draw(st.sampled_from(LABELS))))
            i = j
        else:
            i += 1
    return offsets, spans


TAG = st.sampled_from(["O"] + [f"{p}-{label}" for label in LABELS for p in "BI"])


@st.composite
def offsets_and_tags(draw):
    offsets = draw(word_offsets())
    return offsets, draw(st.lists(TAG, min_size=len(offsets), max_size=len(offsets)))


# --- properties --------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(offsets_and_aligned_spans())
def test_spans_tags_spans_is_identity_for_word_aligned_flat_spans(case):
    offsets, spans = case
    tags = spans_to_tags(offsets, spans)
    assert is_valid_iob2(tags)
    assert tags_to_spans(offsets, tags) == sorted(spans)


@settings(max_examples=300, deadline=None)
@given(offsets_and_tags())
def test_tags_spans_tags_gives_the_leniently_repaired_valid_sequence(case):
    offsets, tags = case  # includes I-X at the start, after O and after B-Y
    spans = tags_to_spans(offsets, tags)
    back = spans_to_tags(offsets, spans)
    assert is_valid_iob2(back)
    assert back == lenient_repair(tags)
    assert tags_to_spans(offsets, back) == spans  # a fixed point after one trip
    if is_valid_iob2(tags):
        assert back == tags


@settings(max_examples=200, deadline=None)
@given(offsets_and_tags())
def test_word_spans_are_ordered_disjoint_and_within_the_sentence(case):
    _, tags = case
    spans = tags_to_word_spans(tags)
    prev_end = 0
    for s, e, label in spans:
        assert prev_end <= s < e <= len(tags)
        assert tags[s] in (f"B-{label}", f"I-{label}")
        assert all(t == f"I-{label}" for t in tags[s + 1 : e])
        prev_end = e


@settings(max_examples=200, deadline=None)
@given(word_offsets(min_size=1), st.data())
def test_arbitrary_character_spans_give_valid_tags_of_the_words_they_touch(offsets, data):
    """Spans not on word boundaries, overlapping each other: still valid IOB2, and every tagged
    span is the words touched by one input span of its label (the longest wins a conflict)."""
    limit = offsets[-1][1] + 2
    raw = data.draw(st.lists(st.tuples(st.integers(0, limit), st.integers(1, 6), st.sampled_from(LABELS)), max_size=6))
    spans = [(s, s + n, label) for s, n, label in raw]
    tags = spans_to_tags(offsets, spans)
    assert is_valid_iob2(tags)
    for s, e, label in tags_to_word_spans(tags):
        touched = [
            [i for i, (ws, we) in enumerate(offsets) if ws < end and start < we]
            for start, end, lab in spans
            if lab == label
        ]
        assert list(range(s, e)) in touched
    if spans:
        longest = max(spans, key=lambda sp: sp[1] - sp[0])
        covered = [i for i, (ws, we) in enumerate(offsets) if ws < longest[1] and longest[0] < we]
        if covered and len([sp for sp in spans if sp[1] - sp[0] == longest[1] - longest[0]]) == 1:
            assert tags[covered[0]] == f"B-{longest[2]}"


# --- readable examples -------------------------------------------------------------------------

SENTENCE = "أجرى بوتين اتصالا مع ترامب"
OFFSETS = [(0, 4), (5, 10), (11, 17), (18, 20), (21, 26)]


def test_offsets_of_the_example_sentence():
    assert [SENTENCE[s:e] for s, e in OFFSETS] == SENTENCE.split()


def test_two_entities_to_tags_and_back():
    spans = [(5, 10, "PERS"), (21, 26, "PERS")]
    tags = spans_to_tags(OFFSETS, spans)
    assert tags == ["O", "B-PERS", "O", "O", "B-PERS"]
    assert tags_to_spans(OFFSETS, tags) == spans


def test_multiword_span_and_adjacent_spans_of_the_same_type_stay_apart():
    spans = [(0, 10, "ORG"), (11, 17, "ORG")]
    tags = spans_to_tags(OFFSETS, spans)
    assert tags == ["B-ORG", "I-ORG", "B-ORG", "O", "O"]
    assert tags_to_spans(OFFSETS, tags) == spans


def test_span_inside_a_word_covers_the_whole_word():
    assert spans_to_tags(OFFSETS, [(7, 9, "PERS")]) == ["O", "B-PERS", "O", "O", "O"]


def test_overlapping_spans_keep_the_outermost():
    tags = spans_to_tags(OFFSETS, [(5, 10, "PERS"), (0, 17, "EVENT")])
    assert tags == ["B-EVENT", "I-EVENT", "I-EVENT", "O", "O"]


def test_lenient_reading_of_malformed_tags():
    # I-X with nothing before it, I-X after O, and I-X after B-Y each open a span.
    tags = ["I-PERS", "O", "I-GPE", "B-ORG", "I-PERS"]
    assert tags_to_word_spans(tags) == [(0, 1, "PERS"), (2, 3, "GPE"), (3, 4, "ORG"), (4, 5, "PERS")]
    assert spans_to_tags(OFFSETS, tags_to_spans(OFFSETS, tags)) == ["B-PERS", "O", "B-GPE", "B-ORG", "B-PERS"]


def test_empty_inputs():
    assert spans_to_tags([], [(0, 3, "PERS")]) == []
    assert tags_to_spans([], []) == []
    assert spans_to_tags(OFFSETS, []) == ["O"] * 5


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="4 tags for 5 words"):
        tags_to_spans(OFFSETS, ["O"] * 4)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["O", "B-PERS", "I-PERS", "B-GPE", "I-GPE"]), max_size=8), max_size=5),
       st.randoms(use_true_random=False))
def test_span_counts_read_the_spans_seqeval_scores(gold, rng):
    # span_counts reads spans with tags_to_word_spans, sequence by sequence; seqeval's classification
    # report reads the sequences together. Both must count the same spans, lone I- tags included.
    from seqeval.metrics.sequence_labeling import get_entities

    from arabic_news_tagger.evaluate.scoring import span_counts

    pred = [[rng.choice(["O", "B-PERS", "I-PERS", "I-GPE"]) for _ in seq] for seq in gold]
    counts = span_counts(gold, pred)
    g, p = set(get_entities(gold)), set(get_entities(pred))
    assert (counts["gold"], counts["predicted"], counts["both"]) == (len(g), len(p), len(g & p))
    pers = span_counts(gold, pred, label="PERS")
    assert pers["both"] == len({x for x in g & p if x[0] == "PERS"})
