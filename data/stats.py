"""Counts per entity type, event type and role of a corpus."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .document import Document


def corpus_counts(documents: Iterable[Document]) -> dict[str, Counter]:
    counts = {"documents": Counter(), "entities": Counter(), "events": Counter(), "roles": Counter()}
    for doc in documents:
        counts["documents"]["documents"] += 1
        counts["entities"].update(e.label for e in doc.entities)
        counts["events"].update(e.type for e in doc.events)
        counts["roles"].update(a.label for e in doc.events for a in e.arguments)
    return counts


def format_counts(counts: dict[str, Counter]) -> str:
    lines = [f"documents: {counts['documents']['documents']}"]
    for layer in ("entities", "events", "roles"):
        c = counts[layer]
        lines.append(f"\n{layer} ({sum(c.values())})")
        lines.extend(f"  {name:<12} {n:>5}" for name, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
    return "\n".join(lines)
