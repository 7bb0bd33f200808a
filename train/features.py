"""Training examples: the loader's sentence and trigger views turned into labelled subword windows."""

from __future__ import annotations

from dataclasses import dataclass

from ..model.encode import make_windows, trigger_mask, word_pieces

IGNORE = -100  # positions that carry no label: special tokens and non-first pieces


@dataclass
class Example:
    kind: str  # "tag" (entities + triggers) or "arg" (arguments of one trigger)
    input_ids: list[int]
    labels: dict[str, list[int]]  # per position, IGNORE where no label
    trigger_mask: list[int] | None = None
    event_type: int | None = None


def _labels_at_first_pieces(n_ids: int, first_piece: list[int], tags: list[int]) -> list[int]:
    out = [IGNORE] * n_ids
    for pos, tag in zip(first_piece, tags):
        out[pos] = tag
    return out


def build_examples(sentence_rows, argument_rows, tokenizer, normalization: str, max_length: int) -> list[Example]:
    """Tagging examples (one per window of each sentence) and argument examples (one per trigger)."""
    examples: list[Example] = []
    pieces = word_pieces(tokenizer, [r["words"] for r in sentence_rows], normalization)
    for row, p in zip(sentence_rows, pieces):
        for win in make_windows(p, tokenizer.cls_token_id, tokenizer.sep_token_id, max_length):
            span = slice(win.word_start, win.word_end)
            examples.append(Example("tag", win.input_ids, {
                "entities": _labels_at_first_pieces(len(win.input_ids), win.first_piece, row["entity_tags"][span]),
                "triggers": _labels_at_first_pieces(len(win.input_ids), win.first_piece, row["trigger_tags"][span]),
            }))
    pieces = word_pieces(tokenizer, [r["words"] for r in argument_rows], normalization)
    for row, p in zip(argument_rows, pieces):
        t0, t1 = row["trigger_word_start"], row["trigger_word_end"]
        for win in make_windows(p, tokenizer.cls_token_id, tokenizer.sep_token_id, max_length):
            if not (win.word_start <= t0 and t1 <= win.word_end):
                continue  # the trigger must be whole inside the window that tags its arguments
            mask = trigger_mask(win, t0, t1)
            span = slice(win.word_start, win.word_end)
            examples.append(Example(
                "arg", win.input_ids,
                {"arguments": _labels_at_first_pieces(len(win.input_ids), win.first_piece, row["argument_tags"][span])},
                trigger_mask=mask, event_type=row["event_type"],
            ))
    return examples
