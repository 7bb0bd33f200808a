"""ANERcorp's own entity tags as an external check of our entity layer on the bundles cut from it.

    python -m arabic_news_tagger.data.external_check data/anercorp ../shared/corpora/anercorp/train.txt

Each bundle line is the source sentence's tokens joined by single spaces (``select_sentences``), so
ANERcorp's token spans map to character spans of the line exactly. Our types are compared with
ANERcorp's coarser ones: PERS = PERS, ORG = ORG, and our GPE, LOC and FAC = its LOC; its MISC and our
other types are left out. A span counts when both its extent and its (mapped) type agree.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

from .corpus import read_corpus
from .select_sentences import INVISIBLE
from .tags import tags_to_word_spans

OURS_TO_ANERCORP = {"PERS": "PERS", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}


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
    counts: dict[str, Counter] = {t: Counter() for t in ("PERS", "ORG", "LOC")}
    with open(bundle_dir / "mapping.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for row in rows:
        doc = by_id[row["bundle"]]
        n = int(row["line"])
        line_start = sum(len(x) + 1 for x in doc.text.split("\n")[:n - 1])
        line_end = line_start + len(doc.text.split("\n")[n - 1])
        ours = {(e.start - line_start, e.end - line_start, OURS_TO_ANERCORP[e.label]) for e in doc.entities
                if line_start <= e.start and e.end <= line_end and e.label in OURS_TO_ANERCORP}
        theirs = set(source_spans(lines, int(row["first_source_line"]), int(row["last_source_line"])))
        for t in counts:
            o = {x for x in ours if x[2] == t}
            s = {x for x in theirs if x[2] == t}
            counts[t].update(ours=len(o), theirs=len(s), both=len(o & s))
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
