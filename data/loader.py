"""The corpus as Hugging Face ``datasets``: sentences with words, offsets and BIO tags.

``load_corpus("data", held_out=["004"])`` gives a ``DatasetDict`` with

- ``train`` / ``test``: one example per sentence, with the entity and trigger tags of its words;
- ``train_arguments`` / ``test_arguments``: one example per event trigger, with the trigger's
  word positions, its type, and the role tags of its arguments over the sentence's words.

Label sets come from ``annotation.conf`` (``ClassLabel`` features), so a new type needs no code.
Splits are by document: a document is wholly in train or wholly in test.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from .corpus import read_corpus
from .document import Document
from .schema import Schema
from .tags import covered_words, spans_to_tags


def resolve_document_ids(requested: Iterable[str], available: Sequence[str], what: str = "held_out") -> list[str]:
    """Document ids named in full or by a unique prefix ("004"); an unknown one is an error."""
    out = []
    for req in requested:
        matches = [d for d in available if d == req] or [d for d in available if d.startswith(str(req))]
        if len(matches) != 1:
            found = "no document" if not matches else f"{len(matches)} documents"
            raise ValueError(f"{what}: {req!r} matches {found} (documents: {', '.join(available)})")
        out.append(matches[0])
    return out


def sentence_records(doc: Document, schema: Schema) -> tuple[list[dict], list[dict]]:
    """The sentence-view and trigger-view records of one document."""
    sent_rows, arg_rows = [], []
    for sentence in doc.sentences:
        offsets = sentence.words
        inside = sentence.holds
        base = {
            "document_id": doc.id,
            "sentence_id": sentence.index,
            "sentence_start": sentence.start,
            "words": [doc.text[s:e] for s, e in offsets],
            "word_starts": [s for s, _ in offsets],
            "word_ends": [e for _, e in offsets],
        }
        events = [ev for ev in doc.events if inside(ev.trigger)]
        sent_rows.append({
            **base,
            "entity_tags": spans_to_tags(offsets, [(e.start, e.end, e.label) for e in doc.entities if inside(e)]),
            "trigger_tags": spans_to_tags(offsets, [(ev.trigger.start, ev.trigger.end, ev.type) for ev in events]),
        })
        for ev in events:
            covered = covered_words(offsets, ev.trigger.start, ev.trigger.end)
            arg_rows.append({
                **base,
                "event_type": ev.type,
                "trigger_word_start": covered.start,
                "trigger_word_end": covered.stop,
                "argument_tags": spans_to_tags(offsets, [(a.start, a.end, a.label) for a in ev.arguments if inside(a)]),
            })
    return sent_rows, arg_rows


def features(schema: Schema):
    from datasets import ClassLabel, Features, Sequence, Value

    common = {
        "document_id": Value("string"),
        "sentence_id": Value("int32"),
        "sentence_start": Value("int32"),
        "words": Sequence(Value("string")),
        "word_starts": Sequence(Value("int32")),
        "word_ends": Sequence(Value("int32")),
    }
    sentence_view = Features({
        **common,
        "entity_tags": Sequence(ClassLabel(names=schema.label_list("entities"))),
        "trigger_tags": Sequence(ClassLabel(names=schema.label_list("triggers"))),
    })
    argument_view = Features({
        **common,
        "event_type": ClassLabel(names=list(schema.event_types)),
        "trigger_word_start": Value("int32"),
        "trigger_word_end": Value("int32"),
        "argument_tags": Sequence(ClassLabel(names=schema.label_list("arguments"))),
    })
    return sentence_view, argument_view


def build_dataset_dict(documents: Sequence[Document], schema: Schema, held_out: Iterable[str] = ()):
    from datasets import Dataset, DatasetDict

    ids = [d.id for d in documents]
    test_ids = set(resolve_document_ids(held_out, ids))
    sentence_view, argument_view = features(schema)
    rows = {"train": ([], []), "test": ([], [])}
    for doc in documents:
        sents, args = sentence_records(doc, schema)
        split = "test" if doc.id in test_ids else "train"
        rows[split][0].extend(sents)
        rows[split][1].extend(args)
    out = {}
    for split, (sents, args) in rows.items():
        if split == "test" and not test_ids:
            continue
        out[split] = Dataset.from_list(sents, features=sentence_view)
        out[f"{split}_arguments"] = Dataset.from_list(args, features=argument_view)
    return DatasetDict(out)


def load_corpus(path: str | Path = "data", held_out: Iterable[str] = ()):
    """Load a brat corpus directory as a ``DatasetDict`` (see the module docstring).

    ``held_out`` names the documents of the ``test`` split, by id or unique id prefix.
    """
    documents, schema = read_corpus(path)
    return build_dataset_dict(documents, schema, held_out)


def leave_one_document_out(document_ids: Sequence[str]) -> list[tuple[list[str], list[str]]]:
    """``(train_ids, test_ids)`` folds, one per document, in id order."""
    ids = sorted(document_ids)
    return [([d for d in ids if d != held], [held]) for held in ids]
