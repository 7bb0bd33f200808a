"""BIO tags as a derived view of spans: two small pure functions and their helpers.

``spans_to_tags`` maps character spans onto words; ``tags_to_spans`` reads spans back from a tag
sequence with seqeval's ``get_entities``, leniently as its default mode does (an ``I-X`` with no
``B-X`` before it opens a span). Round trips are tested both ways in tests/test_tags.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Offsets = Sequence[tuple[int, int]]


def covered_words(word_offsets: Offsets, start: int, end: int) -> range:
    """The words a character span ``[start, end)`` touches (a word it overlaps at all), as a range
    of word indices; empty where it touches none. The one place where characters meet words."""
    covered = [i for i, (ws, we) in enumerate(word_offsets) if ws < end and start < we]
    return range(covered[0], covered[-1] + 1) if covered else range(0)


def spans_to_tags(word_offsets: Offsets, spans: Iterable[tuple[int, int, str]]) -> list[str]:
    """IOB2 tags over words for character spans ``(start, end, label)``.

    A span covers the words that overlap it. Where spans overlap on words, the longer (outermost)
    one is kept, as the guidelines' flat layer does; the other is left out of this view.
    """
    tags = ["O"] * len(word_offsets)
    ordered = sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0]))
    for start, end, label in ordered:
        covered = covered_words(word_offsets, start, end)
        if not covered or any(tags[i] != "O" for i in covered):
            continue
        tags[covered[0]] = f"B-{label}"
        for i in covered[1:]:
            tags[i] = f"I-{label}"
    return tags


def tags_to_word_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """``(first_word, last_word + 1, label)`` for each span in an IOB2 tag sequence, read by seqeval's
    own ``get_entities`` (its default mode), so predictions are decoded exactly as they are scored."""
    from seqeval.metrics.sequence_labeling import get_entities

    return [(first, last + 1, label) for label, first, last in get_entities(list(tags))]


def tags_to_spans(word_offsets: Offsets, tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Character spans ``(start, end, label)`` read from IOB2 tags over words."""
    if len(word_offsets) != len(tags):
        raise ValueError(f"{len(tags)} tags for {len(word_offsets)} words")
    return [
        (word_offsets[s][0], word_offsets[e - 1][1], label)
        for s, e, label in tags_to_word_spans(tags)
    ]
