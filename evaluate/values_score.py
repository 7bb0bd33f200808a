"""How good the values and the event records are, measured against the adjudicated gold of ``data/``.

    arabic-news-tagger score-values [--model DIR] [--corpus-dir data] [--report-json FILE]

The gold (``data/README.md``, "Values and event coreference"; rules in ``data/VALUES.md``) is three
sheets beside the brat documents: ``values.tsv`` (a value per time, duration and quantity span),
``document-dates.tsv`` (the date a text states, else unknown) and ``event-coreference.tsv`` (a
real-world event id per gold event mention). Four measurements:

1. **Values on gold spans**: every gold row's span is valued by the values module as ``predict()``
   values it (``add_values`` with the document's text, so that a qualifier right outside the span
   gives the ``mod``; the document date is the gold one, which is what a caller who passes none
   gets from the text's dateline). Exact ``value`` accuracy per kind and, within a kind, per what
   the span is in the brat gold (a Time argument, a DATE/TIME entity, ...: a span that is both
   counts in both), ``mod`` accuracy beside it. A row the gold leaves without a value is right when
   nothing is predicted either; those are counted apart too.
2. **Values on predicted spans** (``--model``): ``predict()`` over the documents of the values gold;
   a gold row is found where a predicted span of the same kind has its offsets exactly, and the
   accuracy is taken on the rows found.
3. **Records from gold mentions**: the gold events of the coreference documents, with their gold
   arguments and gold values, go through ``records.build_records``; its records, as clusters of
   mentions, are scored against the event ids: pairwise (link) and B-cubed precision, recall and
   F1 (``evaluate/clustering.py``), over all documents together and within each document.
4. **Records from predicted mentions** (``--model``): the same from ``predict()``'s events; a
   predicted event counts where its trigger has a gold mention's offsets, and the scores are taken
   on those mentions only (the others are counted).

The targets of the values and records work are printed beside the figures; missing one is reported,
not an error (the command exits 0 unless the gold or the model cannot be read).
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..data.document import Document
from .clustering import PRF, bcubed, clusters_from_labels, links, pairwise

__all__ = ["TARGETS", "Gold", "load_gold", "score_gold_spans", "score_predicted_spans", "gold_tagged_documents",
           "score_gold_records", "score_predicted_records", "cluster_scores", "check_targets", "format_report",
           "run", "add_parser"]

VALUES_FILE, DATES_FILE, COREF_FILE = "values.tsv", "document-dates.tsv", "event-coreference.tsv"
KINDS = ("time", "duration", "quantity")

#: (figure, where it is in the report, target): the issue's targets.
TARGETS = (
    ("values on gold spans: time", ("values_on_gold_spans", "kinds", "time", "accuracy"), 0.90),
    ("values on gold spans: duration", ("values_on_gold_spans", "kinds", "duration", "accuracy"), 0.90),
    ("values on gold spans: quantity", ("values_on_gold_spans", "kinds", "quantity", "accuracy"), 0.95),
    ("records from gold mentions: pairwise F1", ("records_from_gold_mentions", "across documents", "pairwise", "f1"), 0.85),
)

_ROLE_KINDS = {"Time": "time", "Duration": "duration", "Quantity": "quantity"}
_ENTITY_KINDS = {"DATE": "time", "TIME": "time", "CARDINAL": "quantity"}
#: What a span is in the brat gold, named the way the targets name it.
_ENTITY_GROUP = {kind: "/".join(label for label, k in _ENTITY_KINDS.items() if k == kind) + " entity"
                 for kind in set(_ENTITY_KINDS.values())}
_ROLE_GROUP = {role: f"{role} argument" for role in _ROLE_KINDS}
_GROUP_ORDER = {"time": ("Time argument", "DATE/TIME entity"), "duration": ("Duration argument",),
                "quantity": ("Quantity argument", "CARDINAL entity")}


def _role(label: str) -> str:
    return re.sub(r"\d+$", "", label)  # brat numbers repeated roles: Participant2


# --- the gold ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ValueRow:
    document: str
    start: int
    end: int
    kind: str
    text: str
    value: str
    mod: str
    note: str
    line: int
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class CorefRow:
    document: str
    start: int
    end: int
    type: str
    trigger_text: str
    event_id: str
    line: int

    @property
    def key(self) -> tuple[str, int, int, str]:
        return (self.document, self.start, self.end, self.type)


@dataclass
class Gold:
    corpus_dir: Path
    documents: dict[str, Document]
    values: list[ValueRow]
    dates: dict[str, str | None]
    coref: list[CorefRow]
    files: dict[str, str] = field(default_factory=dict)
    #: Where the sheets and the brat gold have drifted apart (a span or event corrected in the .ann
    #: files after the sheets were filled): each named, and left out of the scores as said.
    problems: list[str] = field(default_factory=list)

    @property
    def value_documents(self) -> list[str]:
        return list(dict.fromkeys(r.document for r in self.values))

    @property
    def coref_documents(self) -> list[str]:
        return list(dict.fromkeys(r.document for r in self.coref))


def _sheet(path: Path, expected: str):
    from ..data.value_sheets import check_rows, read_sheet

    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file (the values and event-coreference gold, data/README.md)")
    sheet = read_sheet(path)
    if sheet.name != expected:
        raise ValueError(f"{path}:1: this is a {sheet.name} sheet, expected the {expected} sheet")
    check_rows(sheet)
    if sheet.problems:
        more = f"\n... and {len(sheet.problems) - 10} more" if len(sheet.problems) > 10 else ""
        raise ValueError("\n".join(sheet.problems[:10]) + more)
    return sheet


def _document_path(corpus_dir: Path, doc_id: str, where: str) -> Path:
    """``DIR/ID.txt``, else ``DIR/*/ID.txt`` (the news-wire bundles live in ``data/anercorp/``)."""
    direct = corpus_dir / f"{doc_id}.txt"
    if direct.is_file():
        return direct
    nested = sorted(p for p in corpus_dir.glob(f"*/{doc_id}.txt") if p.is_file())
    if not nested:
        raise FileNotFoundError(f"{where}: document {doc_id!r} has no {doc_id}.txt in {corpus_dir} or a folder of it")
    return nested[0]


def _clean(text: str) -> str:
    return re.sub(r"[\t\r\n\u2028\u2029]", " ", text)  # as the sheets write a span's text


def load_gold(corpus_dir: str | Path = "data") -> Gold:
    """The values, document-dates and event-coreference sheets of ``corpus_dir`` and the brat
    documents they name, each row checked against its document (``ValueError`` naming file:line)."""
    from ..data.value_sheets import read_documents

    corpus_dir = Path(corpus_dir)
    files = {name: corpus_dir / name for name in (VALUES_FILE, DATES_FILE, COREF_FILE)}
    sheets = {name: _sheet(path, kind) for (name, path), kind in zip(files.items(), ("values", "dates", "coref"))}
    first_seen: dict[str, str] = {}
    for name, sheet in sheets.items():
        for line, row in sheet.rows:
            first_seen.setdefault(row["document"], f"{files[name]}:{line}")
    paths = [_document_path(corpus_dir, doc_id, where) for doc_id, where in first_seen.items()]
    documents = {doc.id: doc for doc in read_documents(paths)}

    problems: list[str] = []
    values = []
    seen: dict[tuple, int] = {}
    for line, r in sheets[VALUES_FILE].rows:
        where = f"{files[VALUES_FILE]}:{line}"
        doc = documents[r["document"]]
        start, end = int(r["start"]), int(r["end"])
        if not (0 <= start < end <= len(doc.text)) or _clean(doc.text[start:end]) != r["text"]:
            raise ValueError(f"{where}: offsets {start}-{end} of {r['document']} do not hold {r['text']!r}")
        key = (r["document"], start, end, r["kind"])
        if key in seen:
            raise ValueError(f"{where}: the same span and kind as line {seen[key]} ({' '.join(map(str, key))})")
        seen[key] = line
        groups = [_ENTITY_GROUP[r["kind"]] for e in doc.entities
                  if (e.start, e.end) == (start, end) and _ENTITY_KINDS.get(e.label) == r["kind"]][:1]
        groups += sorted({_ROLE_GROUP[_role(a.label)] for ev in doc.events for a in ev.arguments
                          if (a.start, a.end) == (start, end) and _ROLE_KINDS.get(_role(a.label)) == r["kind"]})
        if not groups:
            problems.append(f"{where}: «{r['text']}» {start}-{end} of {r['document']} is no {r['kind']} span of the "
                            f"brat gold (corrected since?): left out")
            continue
        values.append(ValueRow(r["document"], start, end, r["kind"], r["text"], r["value"], r["mod"], r["note"], line,
                               tuple(groups)))
    for doc_id in dict.fromkeys(r.document for r in values):
        doc = documents[doc_id]
        spans = {(e.start, e.end, _ENTITY_KINDS[e.label]): e.text for e in doc.entities if e.label in _ENTITY_KINDS}
        spans.update({(a.start, a.end, _ROLE_KINDS[_role(a.label)]): a.text for ev in doc.events for a in ev.arguments
                      if _role(a.label) in _ROLE_KINDS})
        for (start, end, kind), text in sorted(spans.items()):
            if (doc_id, start, end, kind) not in seen:
                problems.append(f"{files[VALUES_FILE]}: the {kind} span «{text}» {start}-{end} of {doc_id} has no row: not scored")

    dates = {r["document"]: r["date"] or None for _, r in sheets[DATES_FILE].rows}

    coref = []
    for line, r in sheets[COREF_FILE].rows:
        row = CorefRow(r["document"], int(r["start"]), int(r["end"]), r["type"], r["trigger_text"],
                       r["event_id"], line)
        doc = documents[row.document]
        if not any((ev.trigger.start, ev.trigger.end, ev.type) == (row.start, row.end, row.type) for ev in doc.events):
            problems.append(f"{files[COREF_FILE]}:{line}: no gold {row.type} event «{row.trigger_text}» at "
                            f"{row.start}-{row.end} of {row.document} (corrected since?): left out")
            continue
        coref.append(row)
    keys = {r.key for r in coref}
    for doc_id in dict.fromkeys(r.document for r in coref):
        for ev in documents[doc_id].events:
            key = (doc_id, ev.trigger.start, ev.trigger.end, ev.type)
            if key not in keys:
                # Scored as a mention without an id: an event of its own, as the sheets read a blank id.
                coref.append(CorefRow(*key[:3], ev.type, ev.trigger.text, "", 0))
                problems.append(f"{files[COREF_FILE]}: the gold {ev.type} event «{ev.trigger.text}» "
                                f"{ev.trigger.start}-{ev.trigger.end} of {doc_id} has no row: scored as an event of its own")
    return Gold(corpus_dir, documents, values, dates, coref, {k: str(v) for k, v in files.items()}, problems)


# --- values ------------------------------------------------------------------------------------------

def _number(s: str):
    try:
        d = Decimal(s)
    except InvalidOperation:
        return s
    return int(d) if d == d.to_integral_value() else float(d)


def _same_value(gold: str, predicted) -> bool:
    if predicted is None or predicted == "":
        return gold == ""
    if isinstance(predicted, (int, float)) and not isinstance(predicted, bool):
        try:
            return Decimal(gold) == Decimal(str(predicted))
        except InvalidOperation:
            return False
    return str(predicted) == gold


def _outcome(row: ValueRow, predicted: Mapping | None, found: bool = True) -> dict:
    predicted = predicted or {}
    value, mod = predicted.get("value"), predicted.get("mod") or ""
    value_ok = _same_value(row.value, value)
    return {"document": row.document, "start": row.start, "end": row.end, "kind": row.kind, "text": row.text,
            "groups": list(row.groups), "note": row.note, "found": found,
            "gold": {"value": row.value or None, "mod": row.mod or None},
            "predicted": {"value": value, "mod": mod or None} if found else None,
            "value_correct": found and value_ok, "mod_correct": found and mod == row.mod,
            "no_value_both": found and not row.value and value in (None, "")}


def _tally(outcomes: list[dict]) -> dict:
    support = len(outcomes)
    found = [o for o in outcomes if o["found"]]
    correct = sum(o["value_correct"] for o in found)
    mods = sum(o["mod_correct"] for o in found)
    out = {"support": support, "found": len(found), "correct": correct,
           "accuracy": correct / len(found) if found else None,
           "no_value_both": sum(o["no_value_both"] for o in found),
           "mod_correct": mods, "mod_accuracy": mods / len(found) if found else None}
    if len(found) < support:
        out["end_to_end"] = correct / support if support else None
    return out


def _by_kind(outcomes: list[dict]) -> dict:
    kinds = {}
    for kind in KINDS:
        mine = [o for o in outcomes if o["kind"] == kind]
        if not mine:
            continue
        groups = list(_GROUP_ORDER[kind]) + sorted({g for o in mine for g in o["groups"]} - set(_GROUP_ORDER[kind]))
        kinds[kind] = {**_tally(mine), "groups": {g: _tally([o for o in mine if g in o["groups"]]) for g in groups
                                                  if any(g in o["groups"] for o in mine)},
                       "in_two_groups": sum(len(o["groups"]) > 1 for o in mine)}
    return {"kinds": kinds, "all": _tally(outcomes)}


def _misses(outcomes: list[dict]) -> tuple[list[dict], list[dict]]:
    found = [o for o in outcomes if o["found"]]
    return ([o for o in found if not o["value_correct"]],
            [o for o in found if o["value_correct"] and not o["mod_correct"]])


def score_gold_spans(gold: Gold) -> dict:
    """Measurement 1: the values module on every gold span (module doc)."""
    from ..model.values import add_values, find_dateline

    outcomes, dates = [], []
    for doc_id in gold.value_documents:
        doc = gold.documents[doc_id]
        rows = [r for r in gold.values if r.document == doc_id]
        # One span per row, of a layer that gives it the row's kind; add_values values them as
        # predict() does, reading the words around each span in the document's text.
        spans = [{"text": doc.text[r.start:r.end], "start": r.start, "end": r.end} for r in rows]
        result: dict = {"entities": [], "events": [{"type": "GOLD", "trigger": {}, "arguments": []}]}
        for r, span in zip(rows, spans):
            if r.kind == "duration":
                span["role"] = "Duration"
                result["events"][0]["arguments"].append(span)
            else:
                span["type"] = "DATE" if r.kind == "time" else "CARDINAL"
                result["entities"].append(span)
        add_values(result, gold.dates.get(doc_id), text=doc.text)
        outcomes += [_outcome(r, span) for r, span in zip(rows, spans)]
        found = find_dateline(doc.text)
        dates.append({"document": doc_id, "gold": gold.dates.get(doc_id),
                      "dateline": found.isoformat() if found else None,
                      "used": result["document_date"]["value"]})
    misses, mod_misses = _misses(outcomes)
    by_document = {d: _tally([o for o in outcomes if o["document"] == d]) for d in gold.value_documents}
    return {**_by_kind(outcomes), "by_document": by_document, "document_dates": dates, "misses": misses,
            "mod_misses": mod_misses}


def _predicted_spans(result: Mapping) -> dict[tuple[int, int, str], dict]:
    """The first predicted span of each (start, end, kind)."""
    out: dict = {}
    for e in result.get("entities") or ():
        kind = _ENTITY_KINDS.get(e.get("type"))
        if kind:
            out.setdefault((e["start"], e["end"], kind), e)
    for ev in result.get("events") or ():
        for a in ev.get("arguments") or ():
            kind = _ROLE_KINDS.get(_role(a.get("role", "")))
            if kind:
                out.setdefault((a["start"], a["end"], kind), a)
    return out


def score_predicted_spans(gold: Gold, results: Mapping[str, Mapping], held_out: Iterable[str] = ()) -> dict:
    """Measurement 2: ``results`` maps each document of the values gold to its ``predict()``
    result; a gold row is found where a predicted span of its kind has its exact offsets."""
    held_out = set(held_out)
    outcomes = []
    for doc_id in gold.value_documents:
        spans = _predicted_spans(results[doc_id])
        for r in gold.values:
            if r.document == doc_id:
                span = spans.get((r.start, r.end, r.kind))
                outcomes.append(_outcome(r, span, found=span is not None))
    misses, mod_misses = _misses(outcomes)
    out = {"documents": {"all": _by_kind(outcomes)}, "misses": misses, "mod_misses": mod_misses,
           "document_dates": {d: (results[d].get("document_date") or {}).get("value") for d in gold.value_documents}}
    mine = [d for d in gold.value_documents if d in held_out]
    if mine:
        out["held_out_documents"] = mine
        out["documents"]["held out by the model"] = _by_kind([o for o in outcomes if o["document"] in held_out])
    return out


# --- records -----------------------------------------------------------------------------------------

def _within(clusters: Iterable[Iterable[tuple]]) -> list[frozenset]:
    """Each cluster cut by document: the clustering within documents."""
    out = []
    for c in clusters:
        by_doc: dict = defaultdict(set)
        for m in c:
            by_doc[m[0]].add(m)
        out += [frozenset(ms) for ms in by_doc.values()]
    return out


def _prf(x: PRF) -> dict:
    return {"precision": x.precision, "recall": x.recall, "f1": x.f1}


def cluster_scores(key: list[frozenset], response: list[frozenset]) -> dict:
    """Pairwise and B-cubed scores of ``response`` against ``key``, across documents and within
    each document (mention keys start with their document)."""
    out = {}
    for view, k, r in (("across documents", key, response), ("within documents", _within(key), _within(response))):
        out[view] = {"pairwise": _prf(pairwise(k, r)), "bcubed": _prf(bcubed(k, r)),
                     "key_events": len(k), "response_clusters": len(r)}
    key_links, response_links = links(key), links(response)
    out["links"] = {"key": len(key_links), "response": len(response_links), "both": len(key_links & response_links),
                    "key_across_documents": sum(len({m[0] for m in pair}) > 1 for pair in key_links),
                    "response_across_documents": sum(len({m[0] for m in pair}) > 1 for pair in response_links)}
    return out


def _gold_labels(rows: Iterable[CorefRow]) -> dict:
    # A mention without an id is an event of its own (as the sheets' agreement reads it).
    return {r.key: r.event_id or f"(none) {r.document}:{r.start}" for r in rows}


def _errors(labels: Mapping, response: list[frozenset], texts: Mapping) -> dict:
    """Gold events spread over several records, and records holding several gold events."""
    record_of = {m: i for i, c in enumerate(response) for m in c}
    by_event: dict = defaultdict(list)
    for m, event_id in labels.items():
        by_event[event_id].append(m)

    def show(ms):
        return [f"{m[0]}:{m[1]} «{texts.get(m, '')}»" for m in sorted(ms)]

    split = []
    for event_id, ms in sorted(by_event.items()):
        parts: dict = defaultdict(list)
        for m in ms:
            parts[record_of.get(m, ("alone", m))].append(m)
        if len(parts) > 1:
            split.append({"event_id": event_id, "records": [show(p) for p in sorted(parts.values(), key=len, reverse=True)]})
    merged = []
    for c in response:
        events: dict = defaultdict(list)
        for m in c:
            if m in labels:
                events[labels[m]].append(m)
        if len(events) > 1:
            merged.append({event_id: show(ms) for event_id, ms in sorted(events.items())})
    return {"split_events": split, "merged_records": merged}


def gold_tagged_documents(gold: Gold) -> list[dict]:
    """The coreference documents as ``records`` reads tagged documents: their gold events with gold
    arguments, each argument of a valued role carrying the gold value (and mod, value_max, hijri),
    and the gold document date."""
    from ..data.value_sheets import note_items

    values = {(r.document, r.start, r.end, r.kind): r for r in gold.values}
    out = []
    for doc_id in gold.coref_documents:
        doc = gold.documents[doc_id]
        events = []
        for ev in doc.events:
            arguments = []
            for a in ev.arguments:
                arg = {"role": _role(a.label), "text": a.text, "start": a.start, "end": a.end}
                row = values.get((doc_id, a.start, a.end, _ROLE_KINDS.get(_role(a.label))))
                if row is not None and row.value:
                    convert = _number if row.kind == "quantity" else str
                    arg["value"] = convert(row.value)
                    if row.mod:
                        arg["mod"] = row.mod
                    items = note_items(row.note)
                    if "value_max" in items:
                        arg["value_max"] = convert(items["value_max"])
                    if "hijri" in items:
                        arg["hijri"] = items["hijri"]
                arguments.append(arg)
            events.append({"type": ev.type, "trigger": {"text": ev.trigger.text, "start": ev.trigger.start,
                                                        "end": ev.trigger.end}, "arguments": arguments})
        date = gold.dates.get(doc_id)
        out.append({"document": doc_id, "text": doc.text, "entities": [e.to_dict() for e in doc.entities], "events": events,
                    "document_date": {"value": date, "source": "gold" if date else "unknown"}})
    return out


def _records(documents: list[dict]) -> list[dict]:
    from ..records import build_records

    return list(build_records(documents))


def score_gold_records(gold: Gold) -> dict:
    """Measurement 3: records built from the gold mentions, scored against the event ids."""
    from ..records import mention_clusters

    records = _records(gold_tagged_documents(gold))
    labels = _gold_labels(gold.coref)
    key = clusters_from_labels(labels)
    response = mention_clusters(records)
    texts = {r.key: r.trigger_text for r in gold.coref}
    # What grouping nothing, or everything of one type in a document, would score: the floor the
    # records' tests of dates, durations and participants have to beat.
    per_type: dict = defaultdict(set)
    for m in labels:
        per_type[(m[0], m[3])].add(m)
    baselines = {"one record per mention": cluster_scores(key, [frozenset([m]) for m in labels]),
                 "one record per type and document": cluster_scores(key, [frozenset(c) for c in per_type.values()])}
    return {"documents": gold.coref_documents, "mentions": len(labels), "gold_events": len(key),
            "records": len(records), **cluster_scores(key, response), **_errors(labels, response, texts),
            "baselines": baselines}


def score_predicted_records(gold: Gold, results: Mapping[str, Mapping], held_out: Iterable[str] = ()) -> dict:
    """Measurement 4: records built from ``predict()``'s events of the coreference documents, scored
    on the predicted mentions whose trigger has a gold mention's offsets."""
    from ..records import mention_clusters

    documents = [{"document": d, "text": gold.documents[d].text, **results[d]} for d in gold.coref_documents]
    records = _records(documents)
    gold_at = {(r.document, r.start, r.end): r for r in gold.coref}
    predicted = unmatched = same_type = duplicates = 0
    matched: set = set()
    response = []
    for cluster in mention_clusters(records):
        mapped = set()
        for doc_id, start, end, event_type in sorted(cluster):
            predicted += 1
            row = gold_at.get((doc_id, start, end))
            if row is None:
                unmatched += 1
            elif row.key in matched:
                duplicates += 1  # two predicted events on one trigger: the first stands for it
            else:
                matched.add(row.key)
                same_type += row.type == event_type
                mapped.add(row.key)
        if mapped:
            response.append(frozenset(mapped))
    labels = {k: v for k, v in _gold_labels(gold.coref).items() if k in matched}
    texts = {r.key: r.trigger_text for r in gold.coref}
    return {"documents": gold.coref_documents, "held_out_documents": [d for d in gold.coref_documents if d in set(held_out)],
            "predicted_mentions": predicted, "matched": len(matched), "matched_same_type": same_type,
            "unmatched": unmatched, "duplicates": duplicates, "gold_mentions": len(gold.coref),
            "gold_not_found": len(gold.coref) - len(matched), "records": len(records),
            **cluster_scores(clusters_from_labels(labels), response), **_errors(labels, response, texts)}


# --- the report --------------------------------------------------------------------------------------

def _get(report: Mapping, path: tuple[str, ...]):
    for k in path:
        if not isinstance(report, Mapping) or k not in report:
            return None
        report = report[k]
    return report


def check_targets(report: Mapping) -> list[dict]:
    """Each target with its figure and whether it is met (None where the figure is absent)."""
    out = []
    for name, path, target in TARGETS:
        figure = _get(report, path)
        out.append({"name": name, "figure": figure, "target": target, "met": None if figure is None else figure >= target})
    return out


def _f(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def _show(value) -> str:
    return "(none)" if value in (None, "") else str(value)


def _value_table(by_kind: Mapping, predicted: bool) -> list[str]:
    head = f"  {'kind':<9} {'spans':<28} {'gold':>5}"
    if predicted:
        head += f" {'found':>6}"
    lines = [head + f"  {'value accuracy':<18} {'no value, both':>14}  mod accuracy"]

    def row(kind, group, t):
        s = f"  {kind:<9} {group:<28} {t['support']:>5}"
        if predicted:
            s += f" {t['found']:>6}"
        s += f"  {_f(t['accuracy'])} ({t['correct']}/{t['found']})".ljust(20)
        s += f" {t['no_value_both']:>14}  {_f(t['mod_accuracy'])} ({t['mod_correct']}/{t['found']})"
        if predicted and "end_to_end" in t:
            s += f"   end to end {_f(t['end_to_end'])}"
        return s

    for kind, t in by_kind["kinds"].items():
        lines.append(row(kind, "all", t))
        for group, g in t["groups"].items():
            lines.append(row("", group, g))
    lines.append(row("all", "", by_kind["all"]))
    both = {k: t["in_two_groups"] for k, t in by_kind["kinds"].items() if t["in_two_groups"]}
    if both:
        lines.append("  (" + "; ".join(f"{n} {k} span(s) are in two groups, counted in each" for k, n in both.items()) + ")")
    return lines


def _miss_lines(misses: list[dict], mod_misses: list[dict]) -> list[str]:
    lines = [f"  value misses ({len(misses)}):"]
    for o in misses:
        p = o["predicted"]
        lines.append(f"    {o['document']} {o['start']}-{o['end']} {o['kind']:<8} «{o['text']}»: gold {_show(o['gold']['value'])}"
                     f"{' ' + o['gold']['mod'] if o['gold']['mod'] else ''}, predicted {_show(p['value'])}"
                     f"{' ' + p['mod'] if p['mod'] else ''}" + (f"   [{o['note']}]" if o["note"] else ""))
    lines.append(f"  mod misses, the value right ({len(mod_misses)}):")
    for o in mod_misses:
        lines.append(f"    {o['document']} {o['start']}-{o['end']} {o['kind']:<8} «{o['text']}»: {_show(o['gold']['value'])}, "
                     f"gold mod {_show(o['gold']['mod'])}, predicted mod {_show(o['predicted']['mod'])}"
                     + (f"   [{o['note']}]" if o["note"] else ""))
    return lines


def _cluster_lines(scores: Mapping) -> list[str]:
    lines = [f"  {'':<18} {'pairwise P':>10} {'R':>6} {'F1':>6}   {'B-cubed P':>9} {'R':>6} {'F1':>6}   gold events / clusters"]
    for view in ("across documents", "within documents"):
        s = scores[view]
        pw, b3 = s["pairwise"], s["bcubed"]
        lines.append(f"  {view:<18} {_f(pw['precision']):>10} {_f(pw['recall']):>6} {_f(pw['f1']):>6}   "
                     f"{_f(b3['precision']):>9} {_f(b3['recall']):>6} {_f(b3['f1']):>6}   "
                     f"{s['key_events']} / {s['response_clusters']}")
    n = scores["links"]
    lines.append(f"  links: gold {n['key']} ({n['key_across_documents']} across documents), records {n['response']} "
                 f"({n['response_across_documents']} across documents), both {n['both']}")
    lines.append(f"  gold events spread over several records ({len(scores['split_events'])}):")
    for e in scores["split_events"]:
        lines.append(f"    {e['event_id']}: " + " | ".join(", ".join(part) for part in e["records"]))
    lines.append(f"  records holding several gold events ({len(scores['merged_records'])}):")
    for rec in scores["merged_records"]:
        lines.append("    " + " + ".join(f"{event_id} [{', '.join(ms)}]" for event_id, ms in rec.items()))
    return lines


def format_report(report: Mapping) -> str:
    """The report as printed: figures, every miss, the targets."""
    files = report["gold_files"]
    g = report["values_on_gold_spans"]
    lines = []
    if report.get("gold_problems"):
        lines.append(f"### the gold sheets and the brat gold disagree ({len(report['gold_problems'])}): "
                     f"update the sheets (arabic-news-tagger value-sheets blank, then check --blank-dir); scored as said")
        lines += [f"  {p}" for p in report["gold_problems"]] + [""]
    lines += [f"### values on gold spans ({files[VALUES_FILE]}: {g['all']['support']} spans in "
             f"{len(g['document_dates'])} documents; document dates from {files[DATES_FILE]})"]
    for d in g["document_dates"]:
        agree = "the text's dateline agrees" if d["dateline"] == d["gold"] else f"the text's dateline gives {_show(d['dateline'])}"
        lines.append(f"  document date of {d['document']}: gold {_show(d['gold'])}, used {_show(d['used'])} ({agree})")
    lines += _value_table(g, predicted=False)
    lines.append("  by document: " + ", ".join(f"{d} {t['correct']}/{t['support']}" for d, t in g["by_document"].items()))
    lines += _miss_lines(g["misses"], g["mod_misses"])

    p = report.get("values_on_predicted_spans")
    lines.append("")
    if p is None:
        lines.append("### values on predicted spans: not measured (give --model DIR)")
    else:
        lines.append(f"### values on predicted spans (predict() with {report['model']}; a gold span is found where a "
                     f"predicted span of its kind has its exact offsets)")
        for name, by_kind in p["documents"].items():
            which = ", ".join(p["held_out_documents"]) if name != "all" else "all documents of the values gold"
            lines.append(f"  {name}: {which}")
            lines += _value_table(by_kind, predicted=True)
        lines += _miss_lines(p["misses"], p["mod_misses"])

    r = report["records_from_gold_mentions"]
    lines += ["", f"### records from gold mentions ({files[COREF_FILE]}: {r['mentions']} mentions of {r['gold_events']} "
                  f"events in {len(r['documents'])} documents -> {r['records']} records)"]
    lines += _cluster_lines(r)
    for name, b in r["baselines"].items():
        lines.append(f"  baseline, {name}: pairwise F1 {_f(b['across documents']['pairwise']['f1'])} across documents, "
                     f"{_f(b['within documents']['pairwise']['f1'])} within; B-cubed F1 "
                     f"{_f(b['across documents']['bcubed']['f1'])}, {_f(b['within documents']['bcubed']['f1'])}")
    q = report.get("records_from_predicted_mentions")
    lines.append("")
    if q is None:
        lines.append("### records from predicted mentions: not measured (give --model DIR)")
    else:
        held = f"; held out by the model: {', '.join(q['held_out_documents']) or 'none'}"
        lines.append(f"### records from predicted mentions ({q['predicted_mentions']} predicted mentions -> {q['records']} "
                     f"records; scored on the {q['matched']} whose trigger has a gold mention's offsets "
                     f"({q['matched_same_type']} of the gold type), {q['unmatched']} unmatched"
                     + (f", {q['duplicates']} on a trigger already matched" if q["duplicates"] else "")
                     + f"; {q['gold_not_found']} of {q['gold_mentions']} gold mentions not found{held})")
        lines += _cluster_lines(q)

    lines += ["", "### targets"]
    for t in report["targets"]:
        verdict = "not measured" if t["met"] is None else ("met" if t["met"] else "MISSED")
        lines.append(f"  {t['name']:<42} {_f(t['figure'])}  target >= {t['target']:.2f}  {verdict}")
    return "\n".join(lines)


def run(model: str | None = None, corpus_dir: str | Path = "data", report_json: str | Path | None = None,
        batch_size: int = 16, echo: Callable[[str], None] = print) -> dict:
    """All four measurements (two without ``model``), printed with ``echo``; the report as a dict,
    also written as JSON to ``report_json`` (atomically) when given."""
    gold = load_gold(corpus_dir)
    report: dict = {"corpus_dir": str(corpus_dir), "model": str(model) if model else None, "gold_files": gold.files,
                    "gold_problems": gold.problems,
                    "values_on_gold_spans": score_gold_spans(gold), "values_on_predicted_spans": None,
                    "records_from_gold_mentions": score_gold_records(gold), "records_from_predicted_mentions": None}
    if model:
        from ..model.predict import load_predictor, predict

        held_out = [d for d in load_predictor(model).config.held_out_documents if ":" not in d]
        ids = list(dict.fromkeys(gold.value_documents + gold.coref_documents))
        # No document date: what a caller who knows none gets (the text's dateline, else unknown).
        results = dict(zip(ids, predict([gold.documents[d].text for d in ids], model=model, batch_size=batch_size)))
        report["values_on_predicted_spans"] = score_predicted_spans(gold, results, held_out)
        report["records_from_predicted_mentions"] = score_predicted_records(gold, results, held_out)
    report["targets"] = check_targets(report)
    echo(format_report(report))
    if report_json:
        from ..io import atomic_write_text

        atomic_write_text(report_json, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        echo(f"report: {report_json}")
    return report


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("score-values", help="score the values module and event records against the values "
                              "and event-coreference gold (values on gold and predicted spans, records' clusters)")
    p.add_argument("--model", metavar="DIR", help="also score predict()'s spans and events (values on predicted "
                   "spans, records from predicted mentions)")
    p.add_argument("--corpus-dir", default="data", metavar="DIR",
                   help="where values.tsv, document-dates.tsv, event-coreference.tsv and the documents are (default: %(default)s)")
    p.add_argument("--report-json", metavar="FILE", help="also write the report as JSON")
    p.add_argument("--batch-size", type=int, default=16, help="windows per forward pass with --model (default 16)")
    p.set_defaults(func=main)
    return p


def main(args) -> int:
    run(args.model, args.corpus_dir, args.report_json, batch_size=args.batch_size)
    return 0
