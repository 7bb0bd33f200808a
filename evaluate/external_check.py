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

from ..data.conll import TokenLine, read_blocks, scored_as, visible_tokens
from ..data.corpus import read_corpus
from ..data.document import Document, Span, sentence_from_words
from ..data.segment import INVISIBLE
from ..data.tags import tags_to_spans
from .scoring import TagSequences, add_document, span_counts

OURS_TO_ANERCORP = scored_as("anercorp")


def source_spans(tokens: list[tuple[TokenLine, str]]) -> list[tuple[int, int, str]]:
    """Character spans (in the rejoined sentence) and types of ANERcorp's PERS/ORG/LOC entities, from
    the sentence's visible tokens (those made only of invisible marks were dropped from the bundle text)."""
    _, sentence = sentence_from_words([token for _, token in tokens])
    tags = [INVISIBLE.sub("", line.columns[1]) or "O" for line, _ in tokens]
    return [(start, end, label) for start, end, label in tags_to_spans(sentence.words, tags) if label != "MISC"]


def source_sentences(source: str | Path) -> dict[int, list[tuple[TokenLine, str]]]:
    """Each sentence's visible tokens, by the line number of its first one (as mapping.tsv names it)."""
    return {tokens[0][0].number: tokens for block in read_blocks(source)[0] if (tokens := visible_tokens(block))}


def compare(bundle_dir: str | Path, source: str | Path) -> dict[str, Counter]:
    """Per type: ``both`` (same extent and type), ``ours`` and ``theirs`` span counts."""
    bundle_dir = Path(bundle_dir)
    sentences = source_sentences(source)
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
                  for s, e, label in source_spans([t for t in sentences[int(row["first_source_line"])]
                                                   if t[0].number <= int(row["last_source_line"])])]
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
