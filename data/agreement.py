"""Inter-annotator agreement: span + type F1 between two annotations of the same texts.

F1 is symmetric, so it needs no reference side. Entities match on (start, end, type); triggers on
(start, end, event type); arguments on (trigger start, end, event type, role, argument start, end).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .corpus import read_corpus
from .document import Document


def _items(doc: Document, layer: str) -> set[tuple]:
    if layer == "entities":
        return {(doc.id, e.start, e.end, e.label) for e in doc.entities}
    if layer == "triggers":
        return {(doc.id, ev.trigger.start, ev.trigger.end, ev.type) for ev in doc.events}
    return {(doc.id, ev.trigger.start, ev.trigger.end, ev.type, a.label, a.start, a.end)
            for ev in doc.events for a in ev.arguments}


def f1(a: set, b: set) -> dict:
    both = len(a & b)
    p = both / len(b) if b else 0.0
    r = both / len(a) if a else 0.0
    return {"a": len(a), "b": len(b), "both": both, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def agreement(docs_a: Iterable[Document], docs_b: Iterable[Document]) -> dict[str, dict]:
    a_by_id = {d.id: d for d in docs_a}
    b_by_id = {d.id: d for d in docs_b}
    if set(a_by_id) != set(b_by_id):
        raise ValueError(f"the two annotations cover different documents: {sorted(set(a_by_id) ^ set(b_by_id))}")
    out = {}
    for layer in ("entities", "triggers", "arguments"):
        a = set().union(*(_items(d, layer) for d in a_by_id.values()))
        b = set().union(*(_items(d, layer) for d in b_by_id.values()))
        out[layer] = f1(a, b)
        # Span-only agreement separates "where" from "what type" disagreements.
        strip = (lambda s: {x[:-1] for x in s}) if layer != "arguments" else (lambda s: {x[:4] + x[5:] for x in s})
        out[f"{layer} (span only)"] = f1(strip(a), strip(b))
    return out


def disagreements(docs_a: Iterable[Document], docs_b: Iterable[Document], layer: str) -> list[tuple[str, tuple]]:
    """("A only" | "B only", item) for each item on which the two annotations differ."""
    a = set().union(*(_items(d, layer) for d in docs_a))
    b = set().union(*(_items(d, layer) for d in docs_b))
    return sorted([("A only", x) for x in a - b] + [("B only", x) for x in b - a], key=lambda t: (t[1][:3], t[0]))


def format_agreement(result: dict[str, dict]) -> str:
    lines = [f"| layer | A | B | both | F1 |", "|---|---:|---:|---:|---:|"]
    for layer, r in result.items():
        lines.append(f"| {layer} | {r['a']} | {r['b']} | {r['both']} | {r['f1']:.3f} |")
    return "\n".join(lines)


def main(dir_a: str | Path, dir_b: str | Path) -> str:
    docs_a, _ = read_corpus(dir_a)
    docs_b, _ = read_corpus(dir_b)
    return format_agreement(agreement(docs_a, docs_b))
