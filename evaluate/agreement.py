"""Agreement between two annotations of the same texts, scored as a model is scored against gold.

Annotation A is read as the reference and B as the prediction, through ``scoring.add_document``
(every span projected onto the document's words, seqeval's default mode), so an agreement figure
and a model's score are the same measure; F1 does not depend on which side is which. Rows:

- ``entities``: span and type; ``(span only)``: every entity type dropped;
- ``triggers``: span and event type; ``(span only)``: the event type dropped;
- ``arguments``: every argument of every event, matched on its event's trigger (span and type), its
  role and its span (the scorer's end-to-end view: an event one side lacks counts all its
  arguments as disagreements); ``(span only)``: the role dropped, the event type kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from ..data.corpus import read_corpus
from ..data.document import Document, Event
from .scoring import TagSequences, add_document, span_counts, text_report

ROWS = (  # (row, which sequences, the scorer's layer)
    ("entities", "typed", "entities"),
    ("entities (span only)", "untyped", "entities"),
    ("triggers", "typed", "triggers"),
    ("triggers (span only)", "typed", "triggers_identification"),
    ("arguments", "typed", "arguments_end_to_end"),
    ("arguments (span only)", "untyped", "arguments_end_to_end"),
)


def _untyped(doc: Document) -> Document:
    """The document with entity types and argument roles dropped (event types kept: an argument is
    still identified by its event)."""
    return Document(doc.id, doc.text, [replace(e, label="ENTITY") for e in doc.entities],
                    [Event(ev.trigger, tuple(replace(a, label="ARGUMENT") for a in ev.arguments)) for ev in doc.events])


def _sequences(pairs: Iterable[tuple[Document, Document]]) -> TagSequences:
    seqs = TagSequences()
    for a, b in pairs:
        add_document(seqs, a, b, b)
    return seqs


def paired(docs_a: Iterable[Document], docs_b: Iterable[Document]) -> list[tuple[Document, Document]]:
    a_by_id = {d.id: d for d in docs_a}
    b_by_id = {d.id: d for d in docs_b}
    if set(a_by_id) != set(b_by_id):
        raise ValueError(f"the two annotations cover different documents: {sorted(set(a_by_id) ^ set(b_by_id))}")
    return [(a_by_id[k], b_by_id[k]) for k in sorted(a_by_id)]


def _views(docs_a: Iterable[Document], docs_b: Iterable[Document]) -> dict[str, TagSequences]:
    pairs = paired(docs_a, docs_b)
    return {"typed": _sequences(pairs), "untyped": _sequences((_untyped(a), _untyped(b)) for a, b in pairs)}


def agreement(docs_a: Iterable[Document], docs_b: Iterable[Document]) -> dict[str, dict]:
    """Per row: spans of A (``a``), of B (``b``), in both, and F1 (seqeval's micro F1)."""
    return _rows(_views(docs_a, docs_b))


def _rows(seqs: dict[str, TagSequences]) -> dict[str, dict]:
    out = {}
    for row, view, layer in ROWS:
        counts = span_counts(seqs[view].gold[layer], seqs[view].pred[layer])
        out[row] = {"a": counts["gold"], "b": counts["predicted"], "both": counts["both"], "f1": counts["f1"]}
    return out


def format_agreement(result: dict[str, dict]) -> str:
    lines = ["| layer | A | B | both | F1 |", "|---|---:|---:|---:|---:|"]
    for layer, r in result.items():
        lines.append(f"| {layer} | {r['a']} | {r['b']} | {r['both']} | {r['f1']:.3f} |")
    return "\n".join(lines)


def main(dir_a: str | Path, dir_b: str | Path) -> str:
    """The table, then seqeval's per-type reports of entities and triggers (A as the reference)."""
    docs_a, _ = read_corpus(dir_a)
    docs_b, _ = read_corpus(dir_b)
    views = _views(docs_a, docs_b)
    table = format_agreement(_rows(views))
    seqs = views["typed"]
    return "\n\n".join([table,
                        "Entities per type (A as the reference):\n" + text_report(seqs.gold["entities"], seqs.pred["entities"]),
                        "Triggers per type (A as the reference):\n" + text_report(seqs.gold["triggers"], seqs.pred["triggers"])])
