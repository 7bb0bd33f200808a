"""ANERcorp's own entity tags as an external check of our entity layer on the bundles cut from it.

    python -m arabic_news_tagger.evaluate.external_check data/anercorp ../shared/corpora/anercorp/train.txt

Each bundle line is the source sentence's tokens joined by single spaces (``select_sentences``), so
ANERcorp's token spans map to character spans of the line exactly. Our types are compared with
ANERcorp's coarser ones: PERS = PERS, ORG = ORG, and our GPE, LOC and FAC = its LOC; its MISC and our
other types are left out. Scored as a model is scored (``scoring``): ANERcorp's spans as the
reference, ours as the prediction, both projected onto the line's words and read by seqeval; a span
counts when both its extent and its (mapped) type agree.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

from ..data.conll import scored_as
from ..data.corpus import read_corpus
from ..data.document import Document, Span
from ..data.segment import INVISIBLE
from ..data.tags import tags_to_word_spans
from .scoring import TagSequences, add_document, span_counts

OURS_TO_ANERCORP = scored_as("anercorp")


def source_spans(lines: list[str], first: int, last: int) -> list[tuple[int, int, str]]:
    """Character spans (in the rejoined sentence) and types of ANERcorp's PERS/ORG/LOC entities."""
    tokens, tags = [], []
    for line in lines[first - 1:last]:
        cols = line.split()
        if not cols or cols[0] == "-DOCSTART-":
            continue
        token = INVISIBLE.sub("", cols[0])
        if token:  # tokens made only of invisible marks were dropped from the bundle text
            tokens.append(token)
            tags.append(INVISIBLE.sub("", cols[1]) or "O")
    starts, pos = [], 0
    for t in tokens:
        starts.append(pos)
        pos += len(t) + 1
    return [(starts[a], starts[b - 1] + len(tokens[b - 1]), label) for a, b, label in tags_to_word_spans(tags) if label != "MISC"]


def compare(bundle_dir: str | Path, source: str | Path) -> dict[str, Counter]:
    """Per type: ``both`` (same extent and type), ``ours`` and ``theirs`` span counts."""
    bundle_dir = Path(bundle_dir)
    lines = Path(source).read_text(encoding="utf-8").split("\n")
    documents, _ = read_corpus(bundle_dir)
    by_id = {d.id: d for d in documents}
    with open(bundle_dir / "mapping.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    seqs = TagSequences()
    for row in rows:
        doc = by_id[row["bundle"]]
        n = int(row["line"])
        doc_lines = doc.text.split("\n")
        line_start = sum(len(x) + 1 for x in doc_lines[:n - 1])
        line = doc_lines[n - 1]
        ours = [Span(e.start - line_start, e.end - line_start, OURS_TO_ANERCORP[e.label], e.text) for e in doc.entities
                if line_start <= e.start and e.end <= line_start + len(line) and e.label in OURS_TO_ANERCORP]
        theirs = [Span(s, e, label, line[s:e])
                  for s, e, label in source_spans(lines, int(row["first_source_line"]), int(row["last_source_line"]))]
        ours_doc = Document(f"{row['bundle']}:{n}", line, ours)
        add_document(seqs, Document(ours_doc.id, line, theirs), ours_doc, ours_doc)
    counts: dict[str, Counter] = {}
    for t in ("PERS", "ORG", "LOC"):
        c = span_counts(seqs.gold["entities"], seqs.pred["entities"], label=t)
        counts[t] = Counter(ours=c["predicted"], theirs=c["gold"], both=c["both"])
    return counts


def format_table(counts: dict[str, Counter]) -> str:
    lines = ["| type | ours | ANERcorp | both | P (vs ANERcorp) | R | F1 |", "|---|---:|---:|---:|---:|---:|---:|"]
    total = Counter()
    for t, c in [*counts.items(), ("all", None)]:
        c = c if c is not None else total
        if t != "all":
            total.update(c)
        p = c["both"] / c["ours"] if c["ours"] else 0.0
        r = c["both"] / c["theirs"] if c["theirs"] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        lines.append(f"| {t} | {c['ours']} | {c['theirs']} | {c['both']} | {p:.3f} | {r:.3f} | {f:.3f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(format_table(compare(*sys.argv[1:3])))
