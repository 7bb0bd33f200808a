"""Words to subword windows and back.

Each word is normalised on its own and tokenised into its pieces; the model sees the first piece of
each word as that word. Sentences longer than the model's window are cut into overlapping windows at
word boundaries; at prediction each word takes its tags from the window where it sits most centrally,
so nothing is dropped and no word is judged at a window's edge when another window sees more of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .normalize import normalize_word


@dataclass
class Window:
    """Subword ids of words ``[word_start, word_end)`` of one sentence, with [CLS] and [SEP]."""

    input_ids: list[int]
    first_piece: list[int]  # position in input_ids of each word's first piece
    word_start: int
    word_end: int


def word_pieces(tokenizer, sentences: Sequence[Sequence[str]], normalization: str) -> list[list[list[int]]]:
    """For each sentence, for each word, its subword ids (at least one: the unknown token)."""
    if not sentences:
        return []
    normalised = [[normalize_word(w, normalization) or tokenizer.unk_token for w in s] for s in sentences]
    # One call into the Rust tokenizer for the whole batch; word_ids() groups pieces per word.
    enc = tokenizer(normalised, is_split_into_words=True, add_special_tokens=False)
    out = []
    for i, words in enumerate(normalised):
        pieces: list[list[int]] = [[] for _ in words]
        for tok_id, word_id in zip(enc["input_ids"][i], enc.word_ids(i)):
            if word_id is not None:
                pieces[word_id].append(tok_id)
        for p in pieces:
            if not p:
                p.append(tokenizer.unk_token_id)
        out.append(pieces)
    return out


def make_windows(pieces: Sequence[Sequence[int]], cls_id: int, sep_id: int, max_length: int, stride_words: int | None = None) -> list[Window]:
    """Overlapping windows over a sentence's words, each at most ``max_length`` ids."""
    budget = max_length - 2
    # A word longer than a whole window keeps its first pieces: its first piece is what is tagged.
    lengths = [min(len(p), budget) for p in pieces]
    windows: list[Window] = []
    start = 0
    n = len(pieces)
    while start < n:
        end, used = start, 0
        while end < n and used + lengths[end] <= budget:
            used += lengths[end]
            end += 1
        ids, first = [cls_id], []
        for w in range(start, end):
            first.append(len(ids))
            ids.extend(pieces[w][: lengths[w]])
        ids.append(sep_id)
        windows.append(Window(ids, first, start, end))
        if end >= n:
            break
        # Overlap: the next window starts a quarter of this one back (at least one new word).
        overlap = stride_words if stride_words is not None else max(0, (end - start) // 4)
        start = max(start + 1, end - overlap)
    return windows


def best_window_per_word(windows: Sequence[Window], n_words: int) -> list[tuple[int, int]]:
    """For each word, ``(window index, position in window)`` where it is most central."""
    best = [(-1, -1, -1)] * n_words  # (margin, window, position)
    for wi, win in enumerate(windows):
        for k, word in enumerate(range(win.word_start, win.word_end)):
            margin = min(word - win.word_start, win.word_end - 1 - word)
            if margin > best[word][0]:
                best[word] = (margin, wi, k)
    return [(wi, k) for _, wi, k in best]


def window_for_trigger(windows: Sequence[Window], t0: int, t1: int) -> int | None:
    """Index of the window that holds words ``[t0, t1)`` whole with the most context around them,
    or None where no window holds them whole. Training and prediction both tag a trigger's arguments there."""
    fits = [i for i, w in enumerate(windows) if w.word_start <= t0 and t1 <= w.word_end]
    return max(fits, key=lambda i: min(t0 - windows[i].word_start, windows[i].word_end - t1)) if fits else None


def trigger_mask(win: Window, t0: int, t1: int) -> list[int]:
    """1 on every piece of the trigger's words inside the window, 0 elsewhere."""
    mask = [0] * len(win.input_ids)
    bounds = win.first_piece + [len(win.input_ids) - 1]
    # Words of the trigger outside the window have no pieces here (a trigger no window holds whole).
    for w in range(max(t0, win.word_start), min(t1, win.word_end)):
        k = w - win.word_start
        for pos in range(bounds[k], bounds[k + 1]):
            mask[pos] = 1
    return mask
