"""Tags from per-word label probabilities.

The heads score each word on its own, so the most probable label of each word can make a sequence
no annotation holds: ``I-ORG`` after ``O``, or ``B-PERS I-GPE``. Read as spans, such a sequence splits
a name, cuts its first word or changes its type halfway. ``viterbi`` (the default) takes instead the
most probable sequence in which ``I-X`` only follows ``B-X`` or ``I-X``, the product of the words'
probabilities, which is the argmax itself wherever the argmax is already valid. ``argmax`` keeps
each word's own best label (seqeval's reading then starts a span at a stray ``I-X``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache

import numpy as np

from ..data.document import Span
from ..data.tags import tags_to_word_spans

DECODINGS = ("viterbi", "argmax")
# A label the role mask ruled out has probability 0; its log stays finite so that a row with no
# admitted label still decodes (to the least bad one) instead of to NaN.
_FLOOR = 1e-30


def check_decoding(decoding) -> str:
    if decoding not in DECODINGS:
        raise ValueError(f"decoding: expected one of {', '.join(map(repr, DECODINGS))}, got {decoding!r}")
    return decoding


@lru_cache(maxsize=64)
def bio_transitions(labels: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """``(may_start, may_follow)``: which labels may open a sentence, and ``may_follow[i, j]``,
    whether label ``j`` may come right after label ``i`` (``I-X`` only after ``B-X`` or ``I-X``)."""
    n = len(labels)
    may_start = np.array([not label.startswith("I-") for label in labels])
    may_follow = np.ones((n, n), dtype=bool)
    for j, label in enumerate(labels):
        if label.startswith("I-"):
            may_follow[:, j] = [prev in (f"B-{label[2:]}", label) for prev in labels]
    return may_start, may_follow


def is_valid_bio(best: np.ndarray, labels: Sequence[str]) -> bool:
    if len(best) == 0:
        return True
    may_start, may_follow = bio_transitions(tuple(labels))
    return bool(may_start[best[0]] and may_follow[best[:-1], best[1:]].all())


def viterbi(probs: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """The most probable valid BIO sequence of label indices for ``probs`` ``(words, labels)``."""
    may_start, may_follow = bio_transitions(tuple(labels))
    logp = np.log(np.maximum(probs, _FLOOR))
    barrier = np.where(may_follow, 0.0, -np.inf)
    score = np.where(may_start, logp[0], -np.inf)
    back = np.zeros((len(logp), len(labels)), dtype=np.int64)
    for t in range(1, len(logp)):
        candidates = score[:, None] + barrier  # (previous, current)
        back[t] = candidates.argmax(0)
        score = candidates[back[t], np.arange(len(labels))] + logp[t]
    path = np.empty(len(logp), dtype=np.int64)
    path[-1] = score.argmax()
    for t in range(len(logp) - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def decode(probs: np.ndarray, labels: Sequence[str], decoding: str = "viterbi") -> np.ndarray:
    """Label indices for ``probs`` ``(words, labels)``. Most rows are valid as they stand: Viterbi
    runs only where the argmax is not, so it costs next to nothing."""
    best = probs.argmax(-1)
    if decoding == "argmax" or is_valid_bio(best, labels):
        return best
    return viterbi(probs, labels)


def word_spans(probs: np.ndarray, labels: list[str], decoding: str = "viterbi") -> Iterator[tuple[int, int, str, float]]:
    """``(first word, end word, label, score)`` of each span the decoded tags hold; the score is the
    mean probability of the chosen tag over the span's words."""
    best = decode(probs, labels, decoding)
    tags = [labels[i] for i in best]
    top = probs[np.arange(len(best)), best]
    for a, b, label in tags_to_word_spans(tags):
        yield a, b, label, float(top[a:b].mean())


def spans(text: str, offsets, probs: np.ndarray, labels: list[str], decoding: str = "viterbi") -> Iterator[Span]:
    """The decoded spans as ``Span``s of ``text``, given its words' ``(start, end)`` offsets."""
    for a, b, label, score in word_spans(probs, labels, decoding):
        start, end = offsets[a][0], offsets[b - 1][1]
        yield Span(start, end, label, text[start:end], score)
