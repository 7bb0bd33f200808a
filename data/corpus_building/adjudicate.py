"""Build the gold corpus from the two raw annotations and the adjudication table.

Gold = what annotators A and B agree on (span, type, role), plus each disagreement the table
``data/adjudication.tsv`` keeps. Every disagreement must have a row: a new one stops the build, so no
disagreement is ever settled silently.

    python -m arabic_news_tagger.data.corpus_building.adjudicate data/raw/annotator_a data/raw/annotator_b data/adjudication.tsv data

An optional fifth argument, a corrections table (``layer, action, document, item, rule``), adds or
removes items after the decisions: fixes to what both annotators agreed on, found later
(``data/corrections.tsv``).

``--template DIR_A DIR_B TABLE`` writes every disagreement as a row to decide (with its line of text).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from collections.abc import Iterable

from ..brat import write_ann
from ..corpus import read_corpus
from ..document import Document, Event, Span


def _items(doc: Document, layer: str) -> set[tuple]:
    """The items annotators agree or disagree on: entities as (document, start, end, type); triggers
    as (document, start, end, event type); arguments as (document, trigger start, end, event type,
    role, argument start, end)."""
    if layer == "entities":
        return {(doc.id, e.start, e.end, e.label) for e in doc.entities}
    if layer == "triggers":
        return {(doc.id, ev.trigger.start, ev.trigger.end, ev.type) for ev in doc.events}
    return {(doc.id, ev.trigger.start, ev.trigger.end, ev.type, a.label, a.start, a.end)
            for ev in doc.events for a in ev.arguments}


def disagreements(docs_a: Iterable[Document], docs_b: Iterable[Document], layer: str) -> list[tuple[str, tuple]]:
    """("A only" | "B only", item) for each item on which the two annotations differ (how far they
    agree is scored by ``evaluate.agreement``)."""
    a = set().union(*(_items(d, layer) for d in docs_a))
    b = set().union(*(_items(d, layer) for d in docs_b))
    return sorted([("A only", x) for x in a - b] + [("B only", x) for x in b - a], key=lambda t: (t[1][:3], t[0]))


def _item_key(layer: str, item: tuple) -> tuple:
    """An agreement item as the table writes it: label first, then offsets (and role)."""
    if layer == "arguments":
        doc, ts, te, ttype, role, as_, ae = item
        return (doc, ttype, ts, te, role, as_, ae)
    doc, start, end, label = item
    return (doc, label, start, end)


def _row_key(row: dict) -> tuple:
    n = 6 if row["layer"] == "arguments" else 3
    parts = row["item"].split(" ")[:n]
    return (row["document"], *(int(p) if p.isdigit() else p for p in parts))


def _parse_item(layer: str, document: str, item: str, where: str) -> tuple:
    """An item as ``_items`` writes it, from a table's ``item`` column."""
    parts = item.split(" ")
    try:
        if layer == "arguments":
            ttype, ts, te, role, as_, ae = parts[:6]
            return (document, int(ts), int(te), ttype, role, int(as_), int(ae))
        label, start, end = parts[:3]
        return (document, int(start), int(end), label)
    except ValueError:
        raise ValueError(f"{where}: item {item!r} is not 'LABEL START END ...' (arguments: 'TYPE TS TE ROLE AS AE ...')") from None


def apply_corrections(gold: dict[str, set], table: Path) -> None:
    """Corrections to items both annotators agreed on (or to a decision), found after adjudication:
    rows ``layer, action (add|remove), document, item, rule``. Each must change something."""
    with open(table, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))  # quotes are text here
    for n, row in enumerate(rows, 2):
        where = f"{table}:{n}"
        layer, action = row["layer"], row["action"]
        if layer not in gold or action not in ("add", "remove"):
            raise ValueError(f"{where}: layer must be entities, triggers or arguments and action add or remove")
        item = _parse_item(layer, row["document"], row["item"], where)
        if action == "add" and item in gold[layer] or action == "remove" and item not in gold[layer]:
            raise ValueError(f"{where}: {action} {row['item']!r} changes nothing (already {'in' if action == 'add' else 'not in'} the gold)")
        (gold[layer].add if action == "add" else gold[layer].discard)(item)


def adjudicate(dir_a: Path, dir_b: Path, table: Path, corrections: Path | None = None) -> list[Document]:
    docs_a, schema = read_corpus(dir_a)
    docs_b, _ = read_corpus(dir_b)
    with open(table, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))  # quotes are text here
    decisions = {}
    for n, row in enumerate(rows, 2):
        if row["decision"] not in ("keep", "drop"):
            raise ValueError(f"{table}:{n}: decision must be keep or drop, not {row['decision']!r}")
        decisions[(row["layer"], row["side"], _row_key(row))] = row["decision"] == "keep"
    gold: dict[str, set] = {}
    for layer in ("entities", "triggers", "arguments"):
        a = set().union(*(_items(d, layer) for d in docs_a))
        b = set().union(*(_items(d, layer) for d in docs_b))
        chosen = a & b
        for side, item in disagreements(docs_a, docs_b, layer):
            key = (layer, side, _item_key(layer, item))
            if key not in decisions:
                raise ValueError(f"{table}: no decision for {layer} {side} {item}")
            if decisions[key]:
                chosen.add(item)
        gold[layer] = chosen
    if corrections is not None:
        apply_corrections(gold, corrections)
    # An argument belongs to its trigger (span and event type): one whose trigger is not in the gold
    # would vanish from the documents built, so a decision or correction would be lost unseen.
    orphans = sorted(a for a in gold["arguments"] if a[:4] not in gold["triggers"])
    if orphans:
        d, ts, te, tt, role, as_, ae = orphans[0]
        raise ValueError(f"{table}: {len(orphans)} argument(s) kept for a trigger that is not in the gold, e.g. {d}: "
                         f"{role} {as_}-{ae} of {tt} {ts}-{te}; keep that trigger or drop the argument")
    out = []
    for doc in docs_a:
        text = doc.text
        ents = sorted((Span(s, e, lab, text[s:e]) for d, s, e, lab in gold["entities"] if d == doc.id), key=lambda x: (x.start, x.end))
        events = []
        for d, s, e, typ in sorted(gold["triggers"]):
            if d != doc.id:
                continue
            args = sorted((Span(as_, ae, role, text[as_:ae]) for d2, ts, te, tt, role, as_, ae in gold["arguments"]
                           if (d2, ts, te, tt) == (d, s, e, typ)), key=lambda x: (x.start, x.end, x.label))
            events.append(Event(Span(s, e, typ, text[s:e]), tuple(args)))
        out.append(Document(doc.id, text, ents, events))
    return out


def disagreement_rows(dir_a: Path, dir_b: Path) -> list[dict]:
    """Every disagreement between A and B as a table row to decide, with the sentence it sits in.

    ``decision`` and ``rule`` are left empty for the adjudicator; ``context`` (the line of the text
    that holds the item) is for reading only and ignored by ``adjudicate``.
    """
    docs_a, _ = read_corpus(dir_a)
    docs_b, _ = read_corpus(dir_b)
    texts = {d.id: d.text for d in docs_a}
    rows = []
    for layer in ("entities", "triggers", "arguments"):
        for side, item in disagreements(docs_a, docs_b, layer):
            doc, *rest = item
            text = texts[doc]
            if layer == "arguments":
                ts, te, ttype, role, as_, ae = rest
                written = f"{ttype} {ts} {te} {role} {as_} {ae} {text[ts:te]} -> {text[as_:ae]}"
                at = ts
            else:
                start, end, label = rest
                written = f"{label} {start} {end} {text[start:end]}"
                at = start
            line_start = text.rfind("\n", 0, at) + 1
            line_end = text.find("\n", at)
            rows.append({"layer": layer, "side": side, "document": doc, "item": written, "decision": "", "rule": "",
                         "line": text.count("\n", 0, at) + 1, "context": text[line_start:line_end if line_end >= 0 else None]})
    return rows


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m arabic_news_tagger.data.corpus_building.adjudicate",
        description="Build the gold brat files from annotators A and B, the adjudication table and the "
                    "corrections table; or, with --template, write every disagreement as a row to decide.")
    parser.add_argument("--template", action="store_true",
                        help="write the disagreements of DIR_A and DIR_B to TABLE instead of building the gold")
    parser.add_argument("dir_a", type=Path, metavar="DIR_A", help="annotator A's brat files")
    parser.add_argument("dir_b", type=Path, metavar="DIR_B", help="annotator B's brat files")
    parser.add_argument("table", type=Path, metavar="TABLE", help="the adjudication table (written with --template)")
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR", nargs="?", help="where the gold .ann files go")
    parser.add_argument("corrections", type=Path, metavar="CORRECTIONS", nargs="?",
                        help="the corrections table applied after the decisions")
    args = parser.parse_args(argv)
    for folder in (args.dir_a, args.dir_b):
        if not folder.is_dir():
            parser.error(f"{folder}: no such folder")
    if args.template:
        rows = disagreement_rows(args.dir_a, args.dir_b)
        fields = ["layer", "side", "document", "line", "item", "decision", "rule", "context"]
        lines = ["\t".join(fields)] + ["\t".join(str(r[f]) for f in fields) for r in rows]
        from arabic_news_tagger.io import atomic_write_text

        atomic_write_text(args.table, "\n".join(lines) + "\n")
        print(f"{len(rows)} disagreements to decide in {args.table}")
        return 0
    if args.out_dir is None:
        parser.error("OUT_DIR: where the gold .ann files go is needed to build the gold")
    try:
        docs = adjudicate(args.dir_a, args.dir_b, args.table, args.corrections)
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for doc in docs:
        write_ann(doc, args.out_dir / f"{doc.id}.ann")
    print(f"gold written to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
