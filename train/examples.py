"""Training examples: the loader's sentence and trigger views turned into labelled subword windows.

One example is one window of one sentence, with its entity and trigger labels and, for every trigger
that lies whole inside the window, that trigger's argument labels. A batch of examples is one forward
pass of the model: the encoder runs once over the windows, and the argument layers once per trigger.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..model.designs import TRAINABLE_LAYERS
from ..model.encode import make_windows, trigger_mask, window_for_trigger, word_pieces
from ..model.tagger import IGNORE


@dataclass
class ArgumentTarget:
    trigger_mask: list[int]
    event_type: int
    labels: list[int]


@dataclass
class Example:
    input_ids: list[int]
    entity_labels: list[int]
    trigger_labels: list[int]
    arguments: list[ArgumentTarget] = field(default_factory=list)
    # A coarser corpus's words: the set of entity label ids each position allows (None: no label),
    # with entity_labels all IGNORE.
    entity_allowed: list[tuple[int, ...] | None] | None = None


def _labels_at_first_pieces(n_ids: int, first_piece: list[int], tags: list[int]) -> list[int]:
    out = [IGNORE] * n_ids
    for pos, tag in zip(first_piece, tags):
        out[pos] = tag
    return out


def build_examples(sentence_rows, argument_rows, tokenizer, normalization: str, max_length: int, *,
                   entity_label_sets: list[tuple[int, ...]] | None = None, layers=TRAINABLE_LAYERS) -> list[Example]:
    """One example per window of each sentence, carrying the arguments of the triggers inside it.

    A trigger lies whole in one or more windows of its sentence; its arguments are taught in the one
    where it sits most centrally (the window ``predict`` uses for it). ``layers``: the layers these
    examples teach; a layer left out carries IGNORE (no argument targets for ``arguments``). Sentences
    never annotated for events teach ``["entities"]`` only, so their trigger labels are IGNORE (an
    unannotated sentence must not teach that nothing happens in it); the same sentences listed for
    their events only can teach events more often than entities. ``entity_label_sets``: the rows'
    entity tags are a coarser corpus's labels, tag ``i`` allowing the entity label ids
    ``entity_label_sets[i]``.
    """
    teach_entities, events, teach_arguments = ("entities" in layers, "triggers" in layers, "arguments" in layers)
    by_sentence: dict[tuple[str, int], list[dict]] = {}
    for row in argument_rows:
        by_sentence.setdefault((row["document_id"], row["sentence_id"]), []).append(row)
    examples: list[Example] = []
    pieces = word_pieces(tokenizer, [r["words"] for r in sentence_rows], normalization)
    for row, p in zip(sentence_rows, pieces):
        windows = make_windows(p, tokenizer.cls_token_id, tokenizer.sep_token_id, max_length)
        start = len(examples)
        for win in windows:
            span = slice(win.word_start, win.word_end)
            n = len(win.input_ids)
            triggers = (_labels_at_first_pieces(n, win.first_piece, row["trigger_tags"][span]) if events else [IGNORE] * n)
            if not teach_entities:
                examples.append(Example(win.input_ids, [IGNORE] * n, triggers))
            elif entity_label_sets is None:
                examples.append(Example(win.input_ids, _labels_at_first_pieces(n, win.first_piece, row["entity_tags"][span]), triggers))
            else:
                allowed: list[tuple[int, ...] | None] = [None] * n
                for pos, tag in zip(win.first_piece, row["entity_tags"][span]):
                    allowed[pos] = entity_label_sets[tag]
                examples.append(Example(win.input_ids, [IGNORE] * n, triggers, entity_allowed=allowed))
        for arg in by_sentence.get((row["document_id"], row["sentence_id"]), []) if teach_arguments else ():
            t0, t1 = arg["trigger_word_start"], arg["trigger_word_end"]
            i = window_for_trigger(windows, t0, t1)
            if i is None:
                continue  # a trigger longer than a window: nothing can tag its arguments
            win = windows[i]
            span = slice(win.word_start, win.word_end)
            examples[start + i].arguments.append(ArgumentTarget(
                trigger_mask(win, t0, t1), arg["event_type"],
                _labels_at_first_pieces(len(win.input_ids), win.first_piece, arg["argument_tags"][span])))
    return examples


def collate(batch: list[Example], pad_id: int, n_entity_labels: int = 0) -> dict[str, torch.Tensor]:
    """The model's keyword arguments for a batch of examples, padded to its longest window.

    ``entity_allowed`` (label sets of a coarser corpus) is in the batch only when one of its
    examples has them; it needs ``n_entity_labels``.
    """
    n = max(len(ex.input_ids) for ex in batch)

    def pad(seq, value):
        return seq + [value] * (n - len(seq))

    targets = [(row, t) for row, ex in enumerate(batch) for t in ex.arguments]
    extra = {}
    if any(ex.entity_allowed is not None for ex in batch):
        if n_entity_labels < 1:
            raise ValueError("collate: examples with entity label sets need n_entity_labels")
        allowed = torch.zeros(len(batch), n, n_entity_labels, dtype=torch.bool)
        for row, ex in enumerate(batch):
            for pos, ids in enumerate(ex.entity_allowed or ()):
                if ids is not None:
                    allowed[row, pos, list(ids)] = True
        extra["entity_allowed"] = allowed
    return {
        "input_ids": torch.tensor([pad(ex.input_ids, pad_id) for ex in batch]),
        "attention_mask": torch.tensor([pad([1] * len(ex.input_ids), 0) for ex in batch]),
        "entity_labels": torch.tensor([pad(ex.entity_labels, IGNORE) for ex in batch]),
        "trigger_labels": torch.tensor([pad(ex.trigger_labels, IGNORE) for ex in batch]),
        "argument_rows": torch.tensor([row for row, _ in targets], dtype=torch.long),
        "trigger_mask": torch.tensor([pad(t.trigger_mask, 0) for _, t in targets], dtype=torch.long).reshape(len(targets), n),
        "event_type_ids": torch.tensor([t.event_type for _, t in targets], dtype=torch.long),
        "argument_labels": torch.tensor([pad(t.labels, IGNORE) for _, t in targets], dtype=torch.long).reshape(len(targets), n),
        **extra,
    }
