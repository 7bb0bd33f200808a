"""Views of ``predict()`` results: an HTML page, CoNLL columns and brat standoff.

Pure functions over ``(text, result)`` pairs, where ``result`` is what ``predict()`` returns for
``text``: ``{"entities": [{type, text, start, end, score}], "events": [{type, trigger: {text, start,
end, score}, arguments: [{role, text, start, end, score}]}]}``. No model is needed.

    >>> from arabic_news_tagger.render import to_html, to_conll, to_brat
    >>> page = to_html([(text, result)])          # one self-contained page, right to left
    >>> print(to_conll(text, result))             # word<TAB>entity tag<TAB>trigger tag
    >>> print(to_brat(text, result))              # the .ann beside text as NAME.txt

Every span's offsets are checked against the text (``text[start:end]`` must be the span's text
where the result records one); a result that does not fit its text raises ``ValueError``.

A page of several documents opens with a timeline: the event records of ``records.build_records``
(one per real-world event) by date, each expandable to its mentions.
"""

from __future__ import annotations

import html
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .data.brat import format_ann
from .data.document import Document, Span
from .data.tags import spans_to_tags

__all__ = ["to_brat", "to_conll", "to_html", "ENTITY_COLOURS"]

# --- brat ----------------------------------------------------------------------------------------


def to_brat(text: str, result: Mapping | None) -> str:
    """The brat ``.ann`` content of a result (to sit beside ``text`` saved as the ``.txt``).

    An argument whose span is also an entity points to that entity's line; any other argument
    gets an ``ARG`` span, as ``data.brat.write_ann`` writes them.
    """
    return format_ann(Document.from_dict(text, result))


# --- CoNLL ---------------------------------------------------------------------------------------


def to_conll(text: str, result: Mapping | None) -> str:
    """One line per word, ``word<TAB>entity tag<TAB>trigger tag`` (IOB2), a blank line between
    sentences. Both layers are flat here: where spans overlap on words the longest is kept."""
    document = Document.from_dict(text, result)
    entity_spans = [(e.start, e.end, e.label) for e in document.entities]
    trigger_spans = [(ev.trigger.start, ev.trigger.end, ev.type) for ev in document.events]
    blocks = []
    for sentence in document.sentences:
        s, e, offsets = sentence.start, sentence.end, sentence.words
        inside = [sp for sp in entity_spans if sp[0] < e and s < sp[1]]
        ent_tags = spans_to_tags(offsets, inside)
        trg_tags = spans_to_tags(offsets, [sp for sp in trigger_spans if sp[0] < e and s < sp[1]])
        blocks.append("".join(f"{text[a:b]}\t{et}\t{tt}\n" for (a, b), et, tt in zip(offsets, ent_tags, trg_tags)))
    return "\n".join(blocks)


# --- HTML ----------------------------------------------------------------------------------------

# A fixed colour per entity type of data/annotation.conf; other types get one of FALLBACK_COLOURS,
# chosen by a stable hash of the name.
ENTITY_COLOURS: dict[str, str] = {
    "PERS": "#ffc98b", "NORP": "#f6f08a", "OCC": "#b8f2a6", "ORG": "#8ee9f5", "GPE": "#a9c8ff",
    "LOC": "#c9bcff", "FAC": "#ffc2f6", "EVENT": "#ffa8a8", "DATE": "#e2c0f7", "TIME": "#bfeccf",
    "CARDINAL": "#f3e9a2", "ORDINAL": "#f1c0e8", "PERCENT": "#d3c4f2", "QUANTITY": "#a8f0b4",
    "MONEY": "#8ff0d6", "PRODUCT": "#9de3ee", "WEBSITE": "#9fd2f0", "LAW": "#f5c9c3",
    "LANGUAGE": "#e0e09a", "UNIT": "#d3ddd7", "CURR": "#ffd9c7",
}
FALLBACK_COLOURS = ["#e6e6e6", "#f0d9b5", "#d5e8d4", "#dae8fc", "#e1d5e7", "#fff2cc", "#f8cecc"]
# One colour per event (cycled), shared by its trigger, its arguments and its table row.
EVENT_COLOURS = ["#c62828", "#1d4ed8", "#047857", "#7c3aed", "#b45309", "#be185d", "#0e7490", "#4d7c0f"]

_FONT_STACK = '"Noto Naskh Arabic", "Amiri", "Scheherazade New", "Noto Sans Arabic", "DejaVu Sans", "Arial", sans-serif'
_SAFE_CLASS = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
_LAYER_RANK = {"ent": 0, "arg": 1, "trigger": 2}  # outermost first where spans coincide


def _esc(s: str) -> str:
    # NUL is no character an HTML document may hold; everything else is escaped as it is.
    return html.escape(s.replace("\x00", "\ufffd"), quote=True)


def _type_class(label: str) -> str:
    return f"ent-{label}" if _SAFE_CLASS.match(label) else f"ent-x{zlib.crc32(label.encode()):08x}"


def _entity_colour(label: str) -> str:
    return ENTITY_COLOURS.get(label) or FALLBACK_COLOURS[zlib.crc32(label.encode()) % len(FALLBACK_COLOURS)]


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _score(span: Span) -> str:
    return "" if span.score is None else f" ({span.score:.2f})"


@dataclass(eq=False)
class _Mark:
    """One span to draw: possibly cut into several elements where it crosses another span."""

    start: int
    end: int
    layer: str  # "ent", "arg" or "trigger"
    tag: str
    attrs: dict[str, str]
    classes: list[str]
    order: int
    span_id: str
    element_id: str | None = None
    fragments: list[dict] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return (self.start, -self.end, _LAYER_RANK[self.layer], self.order)


def _marks(document: Document, prefix: str) -> list[_Mark]:
    marks: list[_Mark] = []

    def add(span: Span, layer: str, tag: str, classes: list[str], attrs: dict[str, str], element_id: str | None = None):
        n = len(marks)
        marks.append(_Mark(span.start, span.end, layer, tag, {"data-span": f"{prefix}-s{n + 1}", **attrs}, classes,
                           n, f"{prefix}-s{n + 1}", element_id))

    for ent in document.entities:
        add(ent, "ent", "mark", ["ent", _type_class(ent.label)],
            {"data-type": ent.label, "data-label": ent.label, "title": f"{ent.label}{_score(ent)}"})
    for n, ev in enumerate(document.events, 1):
        eid = f"{prefix}-e{n}"
        colour = f"evc{(n - 1) % len(EVENT_COLOURS)}"
        for arg in ev.arguments:
            add(arg, "arg", "span", ["arg", colour],
                {"data-event": eid, "data-role": arg.label, "data-label": f"E{n} {arg.label}",
                 "title": f"E{n} {ev.type}: {arg.label}{_score(arg)}"})
        add(ev.trigger, "trigger", "span", ["trigger", colour],
            {"data-event": eid, "data-type": ev.type, "data-label": f"E{n} {ev.type}",
             "title": f"E{n} {ev.type} (trigger){_score(ev.trigger)}"}, element_id=eid)
    return marks


def _render_text(text: str, marks: list[_Mark]) -> str:
    """The text with its spans as elements, nested properly however they overlap.

    The text is cut at every span boundary; over each piece the spans that cover it are open, in a
    fixed order (earlier start, then longer, then entity, argument, trigger, outermost). Between
    pieces only the elements that differ are closed and opened, so a span that crosses another is
    drawn as several elements (one ``data-span`` id); its label goes on its last element.
    """
    starts: dict[int, list[_Mark]] = {}
    ends: dict[int, list[_Mark]] = {}
    for m in marks:
        starts.setdefault(m.start, []).append(m)
        ends.setdefault(m.end, []).append(m)
    cuts = sorted({0, len(text), *starts, *ends})
    ops: list[tuple[str, object]] = []  # ("open", fragment) | ("close", fragment) | ("text", str)
    active: set[_Mark] = set()
    stack: list[tuple[_Mark, dict]] = []
    for a, b in zip(cuts, cuts[1:]):
        active.difference_update(ends.get(a, ()))
        active.update(starts.get(a, ()))
        wanted = sorted(active, key=lambda m: m.key)
        keep = 0
        while keep < len(stack) and keep < len(wanted) and stack[keep][0] is wanted[keep]:
            keep += 1
        while len(stack) > keep:
            ops.append(("close", stack.pop()[1]))
        for m in wanted[keep:]:
            # Entities are flat; arguments and triggers nest in one event layer.
            depth = sum(1 for o, _ in stack if (o.layer == "ent") == (m.layer == "ent"))
            frag = {"mark": m, "depth": depth}
            m.fragments.append(frag)
            stack.append((m, frag))
            ops.append(("open", frag))
        ops.append(("text", text[a:b]))
    while stack:
        ops.append(("close", stack.pop()[1]))

    out: list[str] = []
    for kind, value in ops:
        if kind == "text":
            out.append(_esc(value))
            continue
        m: _Mark = value["mark"]
        if kind == "close":
            out.append(f"</{m.tag}>")
            continue
        classes = list(m.classes)
        if value["depth"]:
            classes.append(f"depth{min(value['depth'], 3)}")
        if value is m.fragments[-1]:
            classes.append("lbl")  # the label is drawn after the span's last piece
        if len(m.fragments) > 1:
            classes.append("part")
        attrs = {"class": " ".join(classes), **m.attrs}
        if m.element_id and value is m.fragments[0]:
            attrs = {"id": m.element_id, **attrs}
        out.append(f"<{m.tag} " + " ".join(f'{k}="{_esc(v)}"' for k, v in attrs.items()) + ">")
    return "".join(out)


def _events_table(document: Document, prefix: str) -> str:
    if not document.events:
        return '<p class="none">No events.</p>'
    rows = []
    for n, ev in enumerate(document.events, 1):
        eid = f"{prefix}-e{n}"
        colour = f"evc{(n - 1) % len(EVENT_COLOURS)}"
        args = "".join(
            f'<li data-event="{eid}" data-role="{_esc(a.label)}"><span class="role">{_esc(a.label)}</span>: '
            f'<span class="argtext">{_esc(a.text)}</span></li>'
            for a in ev.arguments
        )
        rows.append(
            f'<tr id="{eid}-row" class="{colour}" data-event="{eid}">'
            f'<td class="num"><a href="#{eid}">E{n}</a></td>'
            f'<td class="etype">{_esc(ev.type)}</td>'
            f'<td class="etrigger">{_esc(ev.trigger.text)}{_esc(_score(ev.trigger))}</td>'
            f'<td class="eargs">{f"<ul>{args}</ul>" if args else "—"}</td></tr>'
        )
    return (
        '<table class="events"><thead><tr><th>#</th><th>Event</th><th>Trigger</th>'
        "<th>Arguments (role: text)</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _css(entity_types: list[str]) -> str:
    rules = [
        f"body{{font-family:{_FONT_STACK};margin:1.5em auto;max-width:60em;padding:0 1em;color:#222;background:#fff}}",
        "h1{font-size:1.4em}h2{font-size:1.1em;color:#555;border-bottom:1px solid #ddd;padding-bottom:.2em}",
        ".doc{margin-bottom:2.5em}",
        ".text{font-size:1.25em;line-height:2.6;white-space:pre-wrap;unicode-bidi:plaintext;"
        "border:1px solid #e3e3e3;border-radius:6px;padding:.6em 1em;background:#fcfcfc}",
        ".empty{color:#888;font-style:italic}",
        "mark.ent{color:inherit;border-radius:4px;padding:.1em .15em}",
        # Borders, not text-decoration, so that labels (inline, never wrapped apart from the text
        # that follows) are not underlined; nested event-layer spans sit lower, one border each.
        ".trigger{font-weight:bold;border-bottom:3px solid var(--ev);padding-bottom:2px}",
        ".arg{border-bottom:2px dashed var(--ev);padding-bottom:2px}",
        ":is(.arg,.trigger).depth1{padding-bottom:7px}:is(.arg,.trigger).depth2{padding-bottom:12px}"
        ":is(.arg,.trigger).depth3{padding-bottom:17px}",
        ".lbl::after{content:attr(data-label);font:normal bold .55em/1 sans-serif;direction:ltr;"
        "unicode-bidi:isolate;vertical-align:super;margin-inline-start:.2em;padding:1px 3px;border-radius:3px;"
        "background:rgba(255,255,255,.85);color:#333;white-space:nowrap}",
        ".trigger.lbl::after{background:var(--ev);color:#fff}",
        ".arg.lbl::after{color:var(--ev);border:1px solid var(--ev);vertical-align:sub}",
        ".legend{display:flex;flex-wrap:wrap;gap:.4em;margin:.5em 0 1.5em;padding:0;list-style:none;font-size:.9em}",
        ".legend li{padding:.15em .5em;border-radius:4px;border:1px solid #ddd}",
        "table.events{border-collapse:collapse;margin-top:.8em;width:100%;font-size:.95em}",
        "table.events th,table.events td{border:1px solid #ddd;padding:.3em .6em;text-align:start;vertical-align:top}",
        "table.events th{background:#f3f3f3}",
        "table.events ul{margin:0;padding-inline-start:1.2em}",
        "table.events td.num a{color:var(--ev);font-weight:bold;text-decoration:none}",
        "table.events tr{border-inline-start:4px solid var(--ev)}",
        ".role{font-family:sans-serif;font-size:.85em;color:#555}",
        ".etype{font-family:sans-serif;direction:ltr}",
        ".none{color:#888;font-size:.9em}",
        ".timeline{border:1px solid #e3e3e3;border-radius:6px;padding:.4em 1em;margin-bottom:2em;background:#fcfcfc}",
        ".timeline ol{list-style:none;margin:0;padding:0}",
        ".timeline li.rec{border-inline-start:3px solid #1d4ed8;margin:.35em 0;padding-inline-start:.6em}",
        ".timeline summary{cursor:pointer}",
        ".rdate,.rtype,.rdur,.rcount{font-family:sans-serif;direction:ltr;unicode-bidi:isolate}",
        ".rdate{font-weight:bold;display:inline-block;min-width:7em}",
        ".rtype{font-size:.85em;background:#eef2ff;border-radius:3px;padding:0 .3em;margin-inline:.3em}",
        ".rdur,.rcount,.rsrc{color:#555;font-size:.85em}",
        ".timeline ul{margin:.3em 0 .6em;padding-inline-start:1.4em;font-size:.95em}",
        ".timeline ul a{font-family:sans-serif;font-size:.85em;text-decoration:none}",
        ".timeline b.trig{color:#c62828}",
    ]
    rules += [f".evc{i}{{--ev:{c}}}" for i, c in enumerate(EVENT_COLOURS)]
    rules += [f".{_type_class(t)}{{background:{_entity_colour(t)}}}" for t in entity_types]
    return "\n".join(rules)


def _legend(entity_types: list[str]) -> str:
    items = [f'<li class="{_type_class(t)}" data-type="{_esc(t)}">{_esc(t)}</li>' for t in entity_types]
    items.append('<li class="evc0"><span class="trigger">trigger</span> event (En TYPE)</li>')
    items.append('<li class="evc0"><span class="arg">argument</span> role of event En</li>')
    return '<ul class="legend" dir="ltr">' + "".join(items) + "</ul>"


# --- timeline ------------------------------------------------------------------------------------

_SORTABLE = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(T[\d:]+)?")
_ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def _sort_key(record: Mapping) -> tuple | None:
    """(year, month, day, time) of a record's date where its value gives a year (a week: its
    Monday); None otherwise. A month sorts before its days."""
    import datetime

    value = (record.get("date") or {}).get("value")
    if not isinstance(value, str):
        return None
    if m := _ISO_WEEK.match(value):
        try:
            monday = datetime.date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:
            return None
        return (monday.year, monday.month, monday.day, "")
    m = _SORTABLE.match(value)
    if not m:
        return None
    return (int(m[1]), int(m[2] or 0), int(m[3] or 0), m[4] or "")


def _value_text(field: Mapping | None) -> str:
    if not field:
        return ""
    value, text = field.get("value"), field.get("text") or ""
    mod = f" {field['mod']}" if field.get("mod") else ""
    if value is None:
        return f"«{_esc(text)}»"
    return f'<span dir="ltr">{_esc(str(value))}{_esc(mod)}</span> «{_esc(text)}»'


def _sentence_html(doc: Document, start: int, end: int) -> str:
    sentence = doc.sentence_holding(start, end)
    s, e = (sentence.start, sentence.end) if sentence else (start, end)
    t = doc.text
    return f'{_esc(t[s:start])}<b class="trig">{_esc(t[start:end])}</b>{_esc(t[end:e])}'


def _record_item(record: Mapping, docs: list[Document], names: list[str]) -> str:
    index = {d.id: i for i, d in enumerate(docs)}
    date = record.get("date")
    head = _value_text(date) if date else '<span class="none">no date</span>'
    parts = "، ".join(_esc(p) for p in record.get("participants") or []) or '<span class="none">—</span>'
    duration = f' <span class="rdur">({_value_text(record["duration"])})</span>' if record.get("duration") else ""
    mentions = record.get("mentions") or []
    n_docs = len({m["document"] for m in mentions})
    items = []
    for m in mentions:
        i = index[m["document"]]
        anchor = f"{m['document']}-e{m['event'] + 1}"
        items.append(f'<li><a href="#{anchor}" dir="ltr"><bdi>{_esc(names[i])}</bdi> E{m["event"] + 1}</a>: '
                     f"{_sentence_html(docs[i], m['start'], m['end'])}</li>")
    value = (date or {}).get("value")
    return (
        f'<li class="rec" id="{_esc(record["record_id"])}" data-type="{_esc(record["type"])}"'
        + (f' data-date="{_esc(str(value))}"' if value is not None else "") + ">"
        f'<details><summary><span class="rdate">{head}</span><span class="rtype">{_esc(record["type"])}</span>'
        f"<bdi>{parts}</bdi>{duration} <span class=\"rcount\">({_count(len(mentions), 'mention', 'mentions')}, "
        f"{_count(n_docs, 'document', 'documents')})</span></summary><ul>{''.join(items)}</ul></details></li>"
    )


def _timeline(pairs: Sequence[tuple[str, Mapping | None]], docs: list[Document], names: list[str]) -> str:
    from .records import build_records

    tagged = ({**(result or {}), "document": doc.id, "text": text} for (text, result), doc in zip(pairs, docs))
    records = list(build_records(tagged))
    dated = sorted((r for r in records if _sort_key(r) is not None), key=_sort_key)
    undated = [r for r in records if _sort_key(r) is None]
    out = ['<section class="timeline" id="timeline"><h2>Timeline <small dir="ltr">'
           f"({_count(len(records), 'event record', 'event records')}: one per event, its mentions grouped; "
           "docs/records.md)</small></h2>"]
    if dated:
        out.append('<ol class="dated">' + "".join(_record_item(r, docs, names) for r in dated) + "</ol>")
    if undated:
        out.append('<h3>Undated</h3><ol class="undated">' + "".join(_record_item(r, docs, names) for r in undated) + "</ol>")
    if not records:
        out.append('<p class="none">No events.</p>')
    return "".join(out) + "</section>"


def to_html(documents: Sequence[tuple[str, Mapping | None]], title: str = "Entities and events",
            names: Sequence[str] | None = None, timeline: bool | None = None) -> str:
    """One self-contained HTML page (inline CSS, no scripts, nothing external) for the documents.

    Entities are ``<mark class="ent ent-TYPE" data-type=TYPE>``; an event's trigger is a
    ``<span class="trigger" id=EVENT-ID data-event=EVENT-ID data-type=TYPE>`` and each of its
    arguments a ``<span class="arg" data-event=EVENT-ID data-role=ROLE>``. Event ids are
    ``d<document>-e<event>``, counted from 1. Every document is followed by a table of its events.
    ``names`` (optional) heads each document instead of "Document n".

    ``timeline`` (default: with two documents or more) puts a ``<section class="timeline">`` first:
    each event record is an ``<li class="rec" data-date=VALUE>`` holding a ``<details>`` whose
    summary gives its date, type, participants and duration and whose list gives each mention (its
    document, a link to its event, its sentence); records with a dated value (a year at least)
    come by date, the others after them under "Undated".
    """
    if isinstance(documents, tuple) and len(documents) == 2 and isinstance(documents[0], str):
        documents = [documents]  # one (text, result) pair
    documents = list(documents)
    docs = [Document.from_dict(text, result, f"d{i}") for i, (text, result) in enumerate(documents, 1)]
    if names is not None and len(names) != len(docs):
        raise ValueError(f"names: {len(names)} names for {len(docs)} documents")
    present = {e.label for d in docs for e in d.entities}
    entity_types = [t for t in ENTITY_COLOURS if t in present] + sorted(present - set(ENTITY_COLOURS))

    sections = []
    if timeline or (timeline is None and len(docs) > 1):
        shown = list(names) if names is not None else [f"Document {i}" for i in range(1, len(docs) + 1)]
        sections.append(_timeline(documents, docs, shown))
    for i, doc in enumerate(docs, 1):
        prefix = f"d{i}"
        heading = names[i - 1] if names is not None else f"Document {i}"
        n_ent, n_ev = len(doc.entities), len(doc.events)
        body = _render_text(doc.text, _marks(doc, prefix)) if doc.text else '<span class="empty">(empty text)</span>'
        sections.append(
            f'<section class="doc" id="{prefix}">'
            f'<h2><bdi>{_esc(heading)}</bdi> <small dir="ltr">({_count(n_ent, "entity", "entities")}, '
            f'{_count(n_ev, "event", "events")})</small></h2>'
            f'<div class="text">{body}</div>{_events_table(doc, prefix)}</section>'
        )
    if not sections:
        sections.append('<p class="none">No documents.</p>')
    return (
        '<!DOCTYPE html>\n<html dir="rtl" lang="ar">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_esc(title)}</title>\n<style>\n{_css(entity_types)}\n</style>\n</head>\n<body>\n"
        f"<h1>{_esc(title)}</h1>\n{_legend(entity_types)}\n" + "\n".join(sections) + "\n</body>\n</html>\n"
    )
