"""Long sentences cut into model windows, and back: worked out by hand on tiny sentences.

A user's sentence can be longer than the model's window (``max_length`` subword ids with [CLS]
and [SEP]). It is cut at word boundaries into overlapping windows; each word is tagged in the
window where it sits most centrally, and a trigger's arguments are tagged in the window that holds
the trigger whole with the most context. Piece ids below are chosen so that a word's pieces are
recognisable: word 3's pieces are 30, 31, 32. [CLS] is 1, [SEP] is 2.
"""

from __future__ import annotations

import pytest

from arabic_news_tagger.model.encode import (Window, best_window_per_word, make_windows, trigger_mask,
                                             window_for_trigger, word_pieces)

CLS, SEP = 1, 2
# Six words of 1, 2, 1, 3, 1 and 2 pieces.
SIX = [[10], [20, 21], [30], [40, 41, 42], [50], [60, 61]]


def spans(windows: list[Window]) -> list[tuple[int, int]]:
    return [(w.word_start, w.word_end) for w in windows]


def one_piece_words(n: int) -> list[list[int]]:
    return [[10 * (i + 1)] for i in range(n)]


# --- make_windows ---------------------------------------------------------------------------------


def test_a_sentence_that_fits_is_one_window_with_cls_and_sep():
    """A short sentence is one window: [CLS], every piece of every word, [SEP]; ``first_piece``
    points at the piece each word is tagged on."""
    (win,) = make_windows(SIX[:3], CLS, SEP, max_length=8)  # 1 + 2 + 1 = 4 pieces + 2 <= 8
    assert win.input_ids == [CLS, 10, 20, 21, 30, SEP]
    assert win.first_piece == [1, 2, 4]  # word 0 at 1, word 1 at 2 (its 21 at 3), word 2 at 4
    assert (win.word_start, win.word_end) == (0, 3)


def test_a_long_sentence_is_cut_at_word_boundaries_within_max_length():
    """max_length 6 leaves 4 ids for words. Words are taken while they fit whole:
    window 0: words 0-2 (1 + 2 + 1 = 4; word 3's 3 pieces would make 7);
    window 1: words 3-4 (3 + 1 = 4; word 5's 2 would make 6);
    window 2: word 5. With 3 or 2 words a window overlaps the next by (3 // 4) = 0 words."""
    windows = make_windows(SIX, CLS, SEP, max_length=6)
    assert spans(windows) == [(0, 3), (3, 5), (5, 6)]
    assert [w.input_ids for w in windows] == [
        [CLS, 10, 20, 21, 30, SEP],
        [CLS, 40, 41, 42, 50, SEP],
        [CLS, 60, 61, SEP],
    ]
    assert [w.first_piece for w in windows] == [[1, 2, 4], [1, 4], [1]]
    assert all(len(w.input_ids) <= 6 for w in windows)


def test_windows_overlap_by_a_quarter_of_the_previous_window():
    """Ten one-piece words, 4 per window: each next window starts 4 // 4 = 1 word back, so
    windows are words 0-3, 3-6, 6-9 and every word is in some window."""
    windows = make_windows(one_piece_words(10), CLS, SEP, max_length=6)
    assert spans(windows) == [(0, 4), (3, 7), (6, 10)]
    assert windows[1].input_ids == [CLS, 40, 50, 60, 70, SEP]


def test_stride_words_sets_the_overlap_and_a_window_always_moves_on():
    """``stride_words`` words of overlap: 2 gives windows starting at 0, 2, 4, 6. An overlap as
    large as a window (4) still moves one word on each time rather than looping forever."""
    assert spans(make_windows(one_piece_words(10), CLS, SEP, max_length=6, stride_words=2)) == [(0, 4), (2, 6), (4, 8), (6, 10)]
    assert spans(make_windows(one_piece_words(10), CLS, SEP, max_length=6, stride_words=4)) == [
        (0, 4), (1, 5), (2, 6), (3, 7), (4, 8), (5, 9), (6, 10)]


def test_a_word_longer_than_a_window_keeps_its_first_pieces():
    """max_length 5 leaves 3 ids for words: a six-piece word gets a window of its own holding
    its first 3 pieces (its first piece is what is tagged), and no word is lost around it."""
    windows = make_windows([[10], [20, 21, 22, 23, 24, 25], [30]], CLS, SEP, max_length=5)
    assert spans(windows) == [(0, 1), (1, 2), (2, 3)]
    assert [w.input_ids for w in windows] == [[CLS, 10, SEP], [CLS, 20, 21, 22, SEP], [CLS, 30, SEP]]


def test_a_sentence_with_no_words_has_no_window():
    assert make_windows([], CLS, SEP, max_length=6) == []


# --- best_window_per_word -------------------------------------------------------------------------


def test_each_word_is_judged_in_the_window_where_it_sits_most_centrally():
    """Windows over words 0-3, 2-5, 4-7, 6-9 (stride 2). A word's margin in a window is its
    distance to the nearer edge; the larger margin wins, the earlier window on a tie.
    word 2: margin 1 in window 0 (2 from the start, 1 from the end), 0 in window 1 -> window 0;
    word 3: margin 0 in window 0, 1 in window 1 -> window 1, position 1; and so on."""
    windows = make_windows(one_piece_words(10), CLS, SEP, max_length=6, stride_words=2)
    assert best_window_per_word(windows, 10) == [
        (0, 0), (0, 1), (0, 2),  # words 0-2 in window 0
        (1, 1), (1, 2),  # words 3-4 in window 1 (words 2-5)
        (2, 1), (2, 2),  # words 5-6 in window 2 (words 4-7)
        (3, 1), (3, 2), (3, 3),  # words 7-9 in window 3 (words 6-9)
    ]


def test_with_a_one_word_overlap_the_shared_word_stays_with_the_first_window():
    """Windows 0-3, 3-6, 6-9 (the default quarter overlap of 4-word windows): word 3 is at the
    edge of both windows (margin 0 each), and stays in window 0 at position 3."""
    windows = make_windows(one_piece_words(10), CLS, SEP, max_length=6)
    best = best_window_per_word(windows, 10)
    assert best[3] == (0, 3) and best[6] == (1, 3)
    assert best[4] == (1, 1)


# --- window_for_trigger and trigger_mask ----------------------------------------------------------


@pytest.fixture
def stride2() -> list[Window]:
    return make_windows(one_piece_words(10), CLS, SEP, max_length=6, stride_words=2)  # 0-3, 2-5, 4-7, 6-9


def test_a_trigger_is_tagged_in_the_window_that_holds_it_with_most_context(stride2):
    """Windows 0-3, 2-5, 4-7, 6-9. Margin = min(words before the trigger, words after it)."""
    # Word 3: window 0 holds it with 3 before, 0 after (margin 0); window 1 with 1 and 2 (margin 1).
    assert window_for_trigger(stride2, 3, 4) == 1
    # Words 4-5: window 1 (2 before, 0 after) and window 2 (0 before, 2 after) tie: the first.
    assert window_for_trigger(stride2, 4, 6) == 1
    # Words 5-6: only window 2 (4-7) holds both.
    assert window_for_trigger(stride2, 5, 7) == 2
    # Words 8-9: only window 3.
    assert window_for_trigger(stride2, 8, 10) == 3


def test_no_window_is_chosen_for_a_trigger_no_window_holds_whole(stride2):
    """Words 2-6 are 5 words; no 4-word window holds them, so there is no window to tag the
    trigger's arguments in (training skips it)."""
    assert window_for_trigger(stride2, 2, 7) is None
    assert window_for_trigger(make_windows(SIX, CLS, SEP, max_length=6), 2, 4) is None  # across 0-2 | 3-4


def test_a_one_word_trigger_is_tagged_where_its_word_is_judged(stride2):
    """Training and prediction agree: for a one-word trigger, the arguments' window is the one
    where the trigger word itself is tagged (hand-listed from the two tests above)."""
    expected = [0, 0, 0, 1, 1, 2, 2, 3, 3, 3]
    assert [window_for_trigger(stride2, t, t + 1) for t in range(10)] == expected
    assert [wi for wi, _ in best_window_per_word(stride2, 10)] == expected


def test_the_trigger_mask_covers_every_piece_of_the_trigger_words_and_nothing_else():
    """Window 0 of the six-word sentence is [CLS] 10 | 20 21 | 30 [SEP]; window 1 is
    [CLS] 40 41 42 | 50 [SEP] (words 3-4)."""
    win0, win1, win2 = make_windows(SIX, CLS, SEP, max_length=6)
    assert trigger_mask(win0, 1, 2) == [0, 0, 1, 1, 0, 0]  # word 1: both its pieces
    assert trigger_mask(win0, 1, 3) == [0, 0, 1, 1, 1, 0]  # words 1-2
    assert trigger_mask(win0, 2, 3) == [0, 0, 0, 0, 1, 0]  # the last word: [SEP] is not marked
    assert trigger_mask(win1, 3, 4) == [0, 1, 1, 1, 0, 0]  # word 3 is window 1's first word
    assert trigger_mask(win1, 4, 5) == [0, 0, 0, 0, 1, 0]
    assert trigger_mask(win2, 5, 6) == [0, 1, 1, 0]


def test_a_trigger_starting_before_the_window_marks_only_its_words_inside():
    """trigger_mask promises 1 on the trigger's pieces *inside the window*: for words 1-3 in the
    window of words 3-4, only word 3's three pieces."""
    win1 = make_windows(SIX, CLS, SEP, max_length=6)[1]  # [CLS] 40 41 42 | 50 [SEP]
    assert trigger_mask(win1, 1, 4) == [0, 1, 1, 1, 0, 0]


def test_a_trigger_running_past_the_window_marks_only_its_words_inside():
    """Words 2-3 in the window of words 0-2: only word 2's piece."""
    win0 = make_windows(SIX, CLS, SEP, max_length=6)[0]  # [CLS] 10 | 20 21 | 30 [SEP]
    assert trigger_mask(win0, 2, 4) == [0, 0, 0, 0, 1, 0]


# --- word_pieces, with a tiny WordPiece tokenizer ---------------------------------------------------


@pytest.fixture(scope="module")
def tokenizer():
    """A real fast tokenizer over a nine-word vocabulary: وبوتين is و + ##بوتين, ترامب is
    ترا + ##مب; anything else is [UNK]."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "و": 4, "##بوتين": 5, "ترا": 6, "##مب": 7,
             "اتصل": 8, "19": 9, "2025": 10, "مارس": 11}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", cls_token="[CLS]",
                                   sep_token="[SEP]", pad_token="[PAD]")


def test_word_pieces_groups_each_words_subwords(tokenizer):
    """One list of piece ids per word, per sentence, without [CLS]/[SEP] (windows add them)."""
    out = word_pieces(tokenizer, [["اتصل", "وبوتين", "بترامب"], ["ترامب"]], "arabertv02")
    # اتصل -> [8]; وبوتين -> و ##بوتين = [4, 5]; بترامب is not in the vocabulary -> [UNK] = [1].
    assert out == [[[8], [4, 5], [1]], [[6, 7]]]


def test_word_pieces_normalises_each_word_and_keeps_one_entry_per_word(tokenizer):
    """Normalisation never changes the number of words: tatweel is removed (ترامـــب -> ترامب),
    Eastern digits are mapped (١٩ -> 19), a number glued to a word is split but stays one word
    (2025مارس -> 2025 مارس: two pieces of word 2), and a word that normalises to nothing (a lone
    tatweel) still has one piece, the unknown token, to be tagged on."""
    out = word_pieces(tokenizer, [["ترامـــب", "١٩", "2025مارس", "ـ"]], "arabertv02")
    assert out == [[[6, 7], [9], [10, 11], [1]]]
    # Without normalisation the raw forms are unknown words, still one entry each.
    assert word_pieces(tokenizer, [["ترامـــب", "١٩"]], "none") == [[[1], [1]]]


def test_word_pieces_feed_windows_whose_first_pieces_are_the_words(tokenizer):
    """From words to windows: the first piece of each word is where it is tagged."""
    (pieces,) = word_pieces(tokenizer, [["اتصل", "وبوتين", "ترامب"]], "arabertv02")
    (win,) = make_windows(pieces, tokenizer.cls_token_id, tokenizer.sep_token_id, max_length=16)
    assert win.input_ids == [2, 8, 4, 5, 6, 7, 3]
    assert win.first_piece == [1, 2, 4]
    assert [win.input_ids[p] for p in win.first_piece] == [8, 4, 6]  # اتصل, و, ترا


def test_no_sentences_give_no_pieces(tokenizer):
    assert word_pieces(tokenizer, [], "arabertv02") == []
