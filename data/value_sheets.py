"""Sheets for the values and event-coreference gold: blank ones from the brat gold, a checker for
filled ones, and the agreement of two annotators' sheets.

The gold these sheets become is described in ``data/VALUES.md`` (the rules) and its file formats:
``values.tsv``, ``event-coreference.tsv``, ``document-dates.tsv``. Three commands::

    python -m arabic_news_tagger.data.value_sheets blank --output-dir DIR
    python -m arabic_news_tagger.data.value_sheets check FILLED.tsv ... --blank-dir DIR
    python -m arabic_news_tagger.data.value_sheets agree A B      # two sheets, or two folders of them

(or ``arabic-news-tagger value-sheets blank|check|agree``).

- ``values-blank.tsv``: one row per span that takes a value, every Time, Duration and Quantity
  argument and every DATE, TIME and CARDINAL entity, one row per (document, start, end, kind)
  (a span that is a Time argument of two events and a DATE entity is one ``time`` row); columns
  ``document start end kind text value mod note context``.
- ``coref-blank.tsv``: one row per gold event mention, ``document start end type trigger_text
  event_id note context``.
- ``document-dates-blank.tsv``: ``document date evidence``.

The ``context`` column is the span's sentence with the span marked «[[…]]» (for an event, its
arguments follow as ``role=text``); it is there to read, and the checker ignores it. Tabs and line
breaks inside a field are written as spaces: a sheet is plain tab-separated text, no quoting.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .brat import AnnotationError, parse_ann, to_document
from .document import Document, Span
from .schema import load_schema
from .validate import validate_file

#: The documents of the values gold (the five articles and two held-out news-wire bundles), and
#: the ones of the coreference gold (the five articles), relative to the repository root.
ARTICLES = ("data/000_782948d1bba6af0a.txt", "data/001_a8ef45f57385f85c.txt", "data/002_6c9d2ad5135a3d1c.txt",
            "data/003_3f472ee64d61d584.txt", "data/004_d8de9215c69d2de7.txt")
VALUE_DOCUMENTS = ARTICLES + ("data/anercorp/anercorp-019.txt", "data/anercorp/anercorp-020.txt")
COREF_DOCUMENTS = ARTICLES

#: Which spans take a value, and of which kind.
ROLE_KINDS = {"Time": "time", "Duration": "duration", "Quantity": "quantity"}
ENTITY_KINDS = {"DATE": "time", "TIME": "time", "CARDINAL": "quantity"}
KINDS = ("time", "duration", "quantity")

VALUES_COLUMNS = ("document", "start", "end", "kind", "text", "value", "mod", "note", "context")
COREF_COLUMNS = ("document", "start", "end", "type", "trigger_text", "event_id", "note", "context")
DATES_COLUMNS = ("document", "date", "evidence")
SHEETS = {  # sheet -> (blank file name, columns, key columns, the text column the key must keep)
    "values": ("values-blank.tsv", VALUES_COLUMNS, ("document", "start", "end", "kind"), "text"),
    "coref": ("coref-blank.tsv", COREF_COLUMNS, ("document", "start", "end", "type"), "trigger_text"),
    "dates": ("document-dates-blank.tsv", DATES_COLUMNS, ("document",), None),
}

# --- the pinned value format (docs: data/VALUES.md) -------------------------------------------

TIME_MODS = frozenset({"START", "MID", "END", "APPROX", "BEFORE", "AFTER", "ON_OR_BEFORE", "ON_OR_AFTER", "RANGE"})
AMOUNT_MODS = frozenset({"MORE_THAN", "LESS_THAN", "APPROX", "EQUAL_OR_MORE", "EQUAL_OR_LESS", "RANGE"})
MODS = {"time": TIME_MODS, "duration": AMOUNT_MODS, "quantity": AMOUNT_MODS}
#: Note items the checker reads (``name=value``, items separated by ``;``); other text is free.
NOTE_KEYS = ("value_max", "hijri", "also", "tz", "day")

_YEAR = r"(?P<year>\d{4}|XXXX|BC\d{4})"
_MONTH = r"(?P<month>\d{2}|XX)"
_DAY = r"(?P<day>\d{2}|XX)"
_CLOCK = r"T(?:MO|AF|EV|NI|DT|(?P<hour>\d{2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?)"
_CALENDAR = re.compile(
    rf"^(?:\d{{2}}|\d{{3}}"                                  # century 19, decade 199
    rf"|{_YEAR}(?:-(?:SP|SU|FA|WI|Q[1-4]|H[12])"             # season, quarter, half
    rf"|-{_MONTH}(?:-{_DAY})?"                               # month, day
    rf"|-W(?P<week>\d{{2}}|XX)(?:-(?P<weekday>[1-7]))?)?)"   # ISO week, weekday
    rf"(?P<clock>{_CLOCK})?$")                               # time of day
_DOC = re.compile(rf"^DOC(?:(?P<sign>[+-])P(?P<n>\d+)(?P<unit>[DWMY]))?(?:{_CLOCK})?$")
_DURATION = re.compile(r"^P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?$")
_NUMBER = re.compile(r"^-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?$")
_HIJRI = re.compile(r"^(?:\d{4}|XXXX)(?:-\d{2}(?:-\d{2})?)?$")
_EVENT_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def duration_error(value: str) -> str | None:
    """Why ``value`` is not an ISO 8601 duration of whole units (None when it is one)."""
    if not _DURATION.match(value) or value in ("P", "PT") or value.endswith("T"):
        return f"{value!r} is not an ISO 8601 duration (PT2H5M, P3D, P2W, P6M, P2Y: whole units)"
    return None


def _clock_error(m: re.Match) -> str | None:
    hour, minute, second = m.group("hour"), m.group("minute"), m.group("second")
    if hour is not None and not (int(hour) <= 24 and int(minute or 0) <= 59 and int(second or 0) <= 59):
        return "no such time of day"
    return None


def time_error(value: str) -> str | None:
    """Why ``value`` is not a time value of the pinned format (None when it is one): a TIMEX3 date,
    partial date or date-time, a ``DOC`` offset, or (for a DATE or TIME span that states a length
    of time) an ISO duration."""
    if value.startswith("P"):
        return duration_error(value)
    m = _DOC.match(value)
    if m:
        if m.group("unit") not in (None, "D") and "T" in value:
            return f"{value!r}: a time of day only follows a day (DOC, DOC-P1D), not a week, month or year offset"
        return _clock_error(m) and f"{value!r}: {_clock_error(m)}"
    m = _CALENDAR.match(value)
    if not m:
        return (f"{value!r} is not a TIMEX3 value (2025-03-18, 2025-05, 2025, 2025-W12, 2025-03-18T19:00, "
                f"2025-03-18TEV, XXXX-03, XXXX-WXX-2, DOC-P1D, or a duration such as P3Y)")
    month, day, week = m.group("month"), m.group("day"), m.group("week")
    if month not in (None, "XX") and not 1 <= int(month) <= 12:
        return f"{value!r}: no month {month}"
    if day not in (None, "XX") and not 1 <= int(day) <= 31:
        return f"{value!r}: no day {day}"
    if week not in (None, "XX") and not 1 <= int(week) <= 53:
        return f"{value!r}: no ISO week {week}"
    year = m.group("year")
    if year and year.isdigit() and month not in (None, "XX") and day not in (None, "XX"):
        try:
            date(int(year), int(month), int(day))
        except ValueError:
            return f"{value!r}: no such date"
    if m.group("clock") and not (m.group("day") or m.group("weekday")):
        return f"{value!r}: a time of day follows a day (XXXX-XX-XXT10:00, 2025-03-18TEV, XXXX-WXX-2TEV)"
    error = _clock_error(m)
    return error and f"{value!r}: {error}"


def quantity_error(value: str) -> str | None:
    if not _NUMBER.match(value):
        return (f"{value!r} is not a number as JSON writes it (ASCII digits, a '.' for decimals, no group "
                f"separator, no trailing zeros: 1500, 2.5, 76.4)")
    return None


VALUE_CHECKS = {"time": time_error, "duration": duration_error, "quantity": quantity_error}


def note_items(note: str) -> dict[str, str]:
    """The ``name=value`` items of a note that the checker reads (``value_max``, ``hijri``, ``also``, ``tz``, ``day``)."""
    out = {}
    for item in note.split(";"):
        name, sep, value = item.strip().partition("=")
        if sep and name.strip() in NOTE_KEYS:
            out[name.strip()] = value.strip()
    return out


def value_problems(kind: str, value: str, mod: str, note: str) -> list[tuple[str, str]]:
    """``(column, what is wrong)`` for one values row; empty when the row follows the format."""
    out = []
    check = VALUE_CHECKS[kind]
    if value:
        error = check(value)
        if error:
            out.append(("value", error))
    if mod:
        allowed = AMOUNT_MODS if kind == "time" and value.startswith("P") else MODS[kind]
        if not value:
            out.append(("mod", f"mod {mod!r} on a span with no value (leave both empty)"))
        elif mod not in allowed:
            out.append(("mod", f"{mod!r} is not a {kind} mod ({', '.join(sorted(allowed))})"))
    items = note_items(note)
    for name in ("value_max", "also"):
        if name in items:
            error = check(items[name])
            if error:
                out.append(("note", f"{name}: {error}"))
    if (mod == "RANGE") != ("value_max" in items):
        out.append(("note", "a range takes mod RANGE and value_max=... in the note, both or neither"))
    if "hijri" in items:
        if kind != "time":
            out.append(("note", "hijri= belongs to time spans only"))
        elif not _HIJRI.match(items["hijri"]):
            out.append(("note", f"hijri={items['hijri']!r} is not a Hijri date as 1446, 1446-09 or 1446-09-18"))
    if "tz" in items and (kind != "time" or not items["tz"]):
        out.append(("note", "tz= names the time zone of a clock time (time spans only)"))
    if "day" in items and (kind != "time" or not items["day"].isdigit() or not 1 <= int(items["day"]) <= 31):
        out.append(("note", f"day={items['day']!r}: the day of month an offset leaves out, 1 to 31 (time spans only)"))
    return out


def event_id_problem(event_type: str, event_id: str) -> str | None:
    if not event_id:
        return "every event mention gets an event_id"
    if not _EVENT_ID.match(event_id):
        return f"{event_id!r}: an event id is lower-case ASCII letters and digits joined by single hyphens"
    if not event_id.startswith(event_type.lower() + "-"):
        return f"{event_id!r}: a {event_type} mention's id starts with '{event_type.lower()}-'"
    return None


# --- blank sheets -------------------------------------------------------------------------------

def _clean(text: str) -> str:
    return re.sub(r"[\t\r\n\u2028\u2029]", " ", text)


def read_documents(paths: Iterable[str | Path]) -> list[Document]:
    """The gold documents of brat ``.txt`` files (each with its ``.ann`` and the ``annotation.conf``
    of its folder), refused with every problem named when one does not validate."""
    documents, problems = [], []
    for path in map(Path, paths):
        if not path.is_file():
            raise AnnotationError(f"{path}: no such document")
        schema = load_schema(path.parent)
        ann = parse_ann(path)
        problems.extend(validate_file(ann, schema))
        documents.append(to_document(ann, schema))
    if problems:
        raise AnnotationError("\n".join(str(p) for p in problems))
    return documents


def _sentence_bounds(doc: Document, start: int, end: int) -> tuple[int, int]:
    sentence = doc.sentence_holding(start, end)
    if sentence is not None:
        return sentence.start, sentence.end
    overlapping = [s for s in doc.sentences if s.start < end and start < s.end]
    return (min(s.start for s in overlapping), max(s.end for s in overlapping)) if overlapping else (start, end)


def marked_context(doc: Document, start: int, end: int) -> str:
    """The sentence holding ``[start, end)``, the span marked «[[…]]»."""
    s, e = _sentence_bounds(doc, start, end)
    return _clean(f"{doc.text[s:start]}«[[{doc.text[start:end]}]]»{doc.text[end:e]}".strip())


def value_rows(documents: Sequence[Document]) -> list[dict]:
    rows = []
    for doc in documents:
        spans: dict[tuple[int, int, str], Span] = {}
        for entity in doc.entities:
            if entity.label in ENTITY_KINDS:
                spans.setdefault((entity.start, entity.end, ENTITY_KINDS[entity.label]), entity)
        for event in doc.events:
            for argument in event.arguments:
                if argument.label in ROLE_KINDS:
                    spans.setdefault((argument.start, argument.end, ROLE_KINDS[argument.label]), argument)
        for (start, end, kind), span in sorted(spans.items(), key=lambda kv: (kv[0][0], kv[0][1], KINDS.index(kv[0][2]))):
            rows.append({"document": doc.id, "start": str(start), "end": str(end), "kind": kind,
                         "text": _clean(span.text), "value": "", "mod": "", "note": "",
                         "context": marked_context(doc, start, end)})
    return rows


def coref_rows(documents: Sequence[Document]) -> list[dict]:
    rows = []
    for doc in documents:
        for event in doc.events:
            t = event.trigger
            arguments = "; ".join(f"{a.label}={a.text}" for a in event.arguments)
            context = marked_context(doc, t.start, t.end) + (f" ‖ {arguments}" if arguments else "")
            rows.append({"document": doc.id, "start": str(t.start), "end": str(t.end), "type": event.type,
                         "trigger_text": _clean(t.text), "event_id": "", "note": "", "context": _clean(context)})
    return rows


def date_rows(documents: Sequence[Document]) -> list[dict]:
    return [{"document": doc.id, "date": "", "evidence": ""} for doc in documents]


def format_sheet(columns: Sequence[str], rows: Iterable[dict]) -> str:
    lines = ["\t".join(columns)]
    lines += ["\t".join(_clean(str(row.get(c, ""))) for c in columns) for row in rows]
    return "\n".join(lines) + "\n"


def write_blank_sheets(output_dir: str | Path, value_documents: Sequence[str | Path] = VALUE_DOCUMENTS,
                       coref_documents: Sequence[str | Path] = COREF_DOCUMENTS, copy_texts: bool = True) -> dict[str, int]:
    """Write the three blank sheets (and, with ``copy_texts``, the documents' plain text under
    ``texts/``) into ``output_dir``; returns the row counts by kind and sheet."""
    from arabic_news_tagger.io import atomic_write_bytes, atomic_write_text

    output_dir = Path(output_dir)
    value_docs = read_documents(value_documents)
    coref_docs = read_documents(coref_documents)
    values, coref = value_rows(value_docs), coref_rows(coref_docs)
    atomic_write_text(output_dir / SHEETS["values"][0], format_sheet(VALUES_COLUMNS, values))
    atomic_write_text(output_dir / SHEETS["coref"][0], format_sheet(COREF_COLUMNS, coref))
    atomic_write_text(output_dir / SHEETS["dates"][0], format_sheet(DATES_COLUMNS, date_rows(value_docs)))
    if copy_texts:
        for doc in value_docs + [d for d in coref_docs if d.id not in {v.id for v in value_docs}]:
            # Bytes, as brat counts offsets in the text as read: "\r\n" stays two characters.
            atomic_write_bytes(output_dir / "texts" / f"{doc.id}.txt", doc.text.encode("utf-8"))
    counts = Counter(row["kind"] for row in values)
    counts.update({"event mentions": len(coref), "documents": len(value_docs)})
    return dict(counts)


# --- filled sheets: reading and checking ----------------------------------------------------------

@dataclass
class Sheet:
    """A sheet as read: which one it is (``values``, ``coref`` or ``dates``, from its header) and
    its rows with their line numbers."""

    path: Path
    name: str
    rows: list[tuple[int, dict]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def problem(self, line: int | None, message: str, column: str | None = None) -> None:
        where = f" column {column!r}:" if column else ""
        self.problems.append(f"{self.path}{'' if line is None else f':{line}'}:{where} {message}")

    def key(self, row: dict) -> tuple[str, ...]:
        return tuple(row[c] for c in SHEETS[self.name][2])


def sheet_name(header: Sequence[str]) -> str | None:
    """Which sheet a header row belongs to (its first columns are the sheet's, ``context`` optional)."""
    for name, (_, columns, _, _) in SHEETS.items():
        required = [c for c in columns if c != "context"]
        if list(header[:len(required)]) == required:
            return name
    return None


def read_sheet(path: str | Path) -> Sheet:
    """A filled or blank sheet; problems (a header no sheet has, a row with too many fields, a
    start or end that is no number) are collected in ``sheet.problems``, named ``file:line``."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8", newline="") as f:
            lines = f.read().splitlines()
    except UnicodeDecodeError as e:
        raise AnnotationError(f"{path}: not UTF-8 ({e.reason} at byte {e.start})", path) from None
    if not lines:
        raise AnnotationError(f"{path}:1: empty file, expected a header row", path)
    header = next(csv.reader([lines[0]], delimiter="\t", quoting=csv.QUOTE_NONE))
    name = sheet_name(header)
    if name is None:
        expected = " | ".join("\t".join(c for c in cols if c != "context").replace("\t", " ") for _, cols, _, _ in SHEETS.values())
        raise AnnotationError(f"{path}:1: the header is no sheet's; expected one of: {expected}", path)
    sheet = Sheet(path, name)
    for lineno, fields in enumerate(csv.reader(lines[1:], delimiter="\t", quoting=csv.QUOTE_NONE), 2):
        if not any(f.strip() for f in fields):
            continue
        if len(fields) > len(header):
            sheet.problem(lineno, f"{len(fields)} fields for {len(header)} columns (a tab inside a value?)")
            continue
        # Spreadsheets drop trailing empty fields: those are empty columns, not missing ones.
        row = {c: (fields[i].strip() if i < len(fields) else "") for i, c in enumerate(header)}
        bad = [c for c in ("start", "end") if c in row and not row[c].isdigit()]
        for c in bad:
            sheet.problem(lineno, f"{row[c]!r} is not an offset", c)
        if not bad:
            sheet.rows.append((lineno, row))
    return sheet


def check_rows(sheet: Sheet) -> None:
    """The format of each row's filled columns (values, mods, notes, event ids, dates)."""
    ids: defaultdict[str, list[int]] = defaultdict(list)
    for lineno, row in sheet.rows:
        if sheet.name == "values":
            kind = row["kind"]
            if kind not in KINDS:
                sheet.problem(lineno, f"{kind!r} is not a kind ({', '.join(KINDS)})", "kind")
                continue
            for column, message in value_problems(kind, row["value"], row["mod"], row["note"]):
                sheet.problem(lineno, message, column)
        elif sheet.name == "coref":
            message = event_id_problem(row["type"], row["event_id"])
            if message:
                sheet.problem(lineno, message, "event_id")
            elif "-generic" in row["event_id"]:
                ids[row["event_id"]].append(lineno)
        else:
            if row["date"]:
                if not _ISO_DATE.match(row["date"]):
                    sheet.problem(lineno, f"{row['date']!r}: a document date is YYYY-MM-DD (or empty: unknown)", "date")
                else:
                    try:
                        date.fromisoformat(row["date"])
                    except ValueError:
                        sheet.problem(lineno, f"{row['date']!r}: no such date", "date")
                if not row["evidence"]:
                    sheet.problem(lineno, "a date needs its evidence (the dateline as the text writes it)", "evidence")
            elif row["evidence"]:
                sheet.problem(lineno, "evidence without a date: fill the date, or leave both empty", "date")
    for event_id, lines in ids.items():
        if len(lines) > 1:
            sheet.problem(lines[1], f"{event_id!r}: a generic mention's id is its own (also at line {lines[0]})", "event_id")


def check_against_blank(sheet: Sheet, blank: Sheet, texts_dir: Path | None = None) -> None:
    """Every key of the blank sheet once, no other key, each span's text unchanged; a dates
    sheet's evidence found in its document (when ``texts_dir`` holds the texts)."""
    if blank.name != sheet.name:
        sheet.problem(1, f"this is a {sheet.name} sheet, checked against the {blank.name} sheet {blank.path}")
        return
    text_column = SHEETS[sheet.name][3]
    expected = {blank.key(row): (lineno, row) for lineno, row in blank.rows}
    seen: dict[tuple, int] = {}
    for lineno, row in sheet.rows:
        key = sheet.key(row)
        if key in seen:
            sheet.problem(lineno, f"row {' '.join(key)} again (first at line {seen[key]})")
            continue
        seen[key] = lineno
        if key not in expected:
            sheet.problem(lineno, f"row {' '.join(key)} is not in the blank sheet {blank.path}")
            continue
        if text_column and row[text_column] != expected[key][1][text_column]:
            sheet.problem(lineno, f"{row[text_column]!r} differs from the blank sheet's {expected[key][1][text_column]!r}", text_column)
        if sheet.name == "dates" and row["evidence"] and texts_dir is not None:
            text_file = texts_dir / f"{row['document']}.txt"
            if text_file.is_file() and row["evidence"] not in text_file.read_text(encoding="utf-8"):
                sheet.problem(lineno, f"{row['evidence']!r} is not in {text_file}", "evidence")
    for key, (blank_line, _) in expected.items():
        if key not in seen:
            sheet.problem(None, f"row {' '.join(key)} of the blank sheet (its line {blank_line}) is missing")


def check_files(paths: Sequence[str | Path], blank_dir: str | Path | None = None) -> list[str]:
    """Every problem of the filled sheets, as ``file:line: column 'name': what``."""
    problems: list[str] = []
    for path in paths:
        try:
            sheet = read_sheet(path)
        except (AnnotationError, FileNotFoundError) as e:
            problems.append(str(e))
            continue
        check_rows(sheet)
        if blank_dir is not None:
            blank_path = Path(blank_dir) / SHEETS[sheet.name][0]
            if not blank_path.is_file():
                problems.append(f"{path}: no blank {sheet.name} sheet {blank_path} to check the rows against")
            else:
                check_against_blank(sheet, read_sheet(blank_path), Path(blank_dir) / "texts")
        problems.extend(sheet.problems)
    return problems


# --- agreement -------------------------------------------------------------------------------------

def _sheets_of(path: str | Path) -> dict[str, Sheet]:
    """The sheets of a file, or of every ``.tsv`` of a folder, by sheet name."""
    path = Path(path)
    files = sorted(path.glob("*.tsv")) if path.is_dir() else [path]
    out: dict[str, Sheet] = {}
    for f in files:
        try:
            sheet = read_sheet(f)
        except AnnotationError:
            if path.is_dir():
                continue  # a folder may hold other tables
            raise
        if sheet.name in out:
            raise AnnotationError(f"{path}: two {sheet.name} sheets, {out[sheet.name].path.name} and {f.name}")
        out[sheet.name] = sheet
    if not out:
        raise AnnotationError(f"{path}: no values, coref or document-dates sheet here")
    return out


def _paired_rows(a: Sheet, b: Sheet) -> list[tuple[dict, dict]]:
    rows_a = {a.key(r): r for _, r in a.rows}
    rows_b = {b.key(r): r for _, r in b.rows}
    if set(rows_a) != set(rows_b):
        only = sorted(set(rows_a) ^ set(rows_b))
        raise AnnotationError(f"{a.path} and {b.path} hold different rows: {' | '.join(' '.join(k) for k in only[:10])}"
                              + (f" and {len(only) - 10} more" if len(only) > 10 else ""))
    return [(rows_a[k], rows_b[k]) for k in sorted(rows_a, key=lambda k: (k[0], *(int(x) if x.isdigit() else x for x in k[1:])))]


def _structured(row: dict) -> tuple:
    items = note_items(row["note"])
    return (row["value"], row["mod"], items.get("value_max", ""), items.get("hijri", ""))


def values_agreement(a: Sheet, b: Sheet) -> dict:
    """Per kind: rows, rows with the same value (both empty counts as the same), the same mod, and
    the disagreements (value, mod, value_max or hijri differ)."""
    out: dict = {"kinds": {}, "disagreements": []}
    for ra, rb in _paired_rows(a, b):
        k = out["kinds"].setdefault(ra["kind"], {"rows": 0, "value": 0, "mod": 0, "no_value_both": 0})
        k["rows"] += 1
        k["value"] += ra["value"] == rb["value"]
        k["mod"] += ra["mod"] == rb["mod"]
        k["no_value_both"] += not ra["value"] and not rb["value"]
        if _structured(ra) != _structured(rb):
            out["disagreements"].append((ra, rb))
    return out


def _mention(row: dict) -> tuple[str, int, int, str]:
    return (row["document"], int(row["start"]), int(row["end"]), row["type"])


def coref_agreement(a: Sheet, b: Sheet) -> dict:
    """Pairwise and B-cubed scores of B's clusters against A's, across documents and within each
    document, and how each side's clusters split the other's."""
    from arabic_news_tagger.evaluate.clustering import bcubed, clusters_from_labels, pairwise

    pairs = _paired_rows(a, b)
    # A mention left without an id is an event of its own, not one event with every other such mention.
    label_a = {_mention(ra): ra["event_id"] or f"(none) {ra['document']}:{ra['start']}" for ra, _ in pairs}
    label_b = {_mention(rb): rb["event_id"] or f"(none) {rb['document']}:{rb['start']}" for _, rb in pairs}
    out: dict = {"mentions": len(pairs)}
    for view, key in (("across documents", lambda m, i: i), ("within documents", lambda m, i: (m[0], i))):
        ca = clusters_from_labels({m: key(m, i) for m, i in label_a.items()})
        cb = clusters_from_labels({m: key(m, i) for m, i in label_b.items()})
        out[view] = {"pairwise": pairwise(ca, cb), "bcubed": bcubed(ca, cb), "events_a": len(ca), "events_b": len(cb)}
    out["splits"] = _splits(label_a, label_b, "A", "B") + _splits(label_b, label_a, "B", "A")
    out["text"] = {_mention(ra): ra["trigger_text"] for ra, _ in pairs}
    return out


def _splits(label_x: dict, label_y: dict, x: str, y: str) -> list[tuple[str, str, dict[str, list]]]:
    """``(side, id, {other side's id: mentions})`` for each of one side's clusters the other side
    does not have as it is."""
    clusters_x: defaultdict[str, list] = defaultdict(list)
    clusters_y: defaultdict[str, set] = defaultdict(set)
    for m, i in label_x.items():
        clusters_x[i].append(m)
    for m, i in label_y.items():
        clusters_y[i].add(m)
    out = []
    for i, members in sorted(clusters_x.items()):
        by_other: defaultdict[str, list] = defaultdict(list)
        for m in sorted(members):
            by_other[label_y[m]].append(m)
        if len(by_other) > 1 or clusters_y[next(iter(by_other))] != set(members):
            out.append((x, i, dict(by_other), y))
    return out


def dates_agreement(a: Sheet, b: Sheet) -> dict:
    pairs = _paired_rows(a, b)
    return {"documents": len(pairs), "same": sum(ra["date"] == rb["date"] for ra, rb in pairs),
            "disagreements": [(ra, rb) for ra, rb in pairs if ra["date"] != rb["date"]]}


def _fraction(n: int, d: int) -> str:
    return f"{n / d:.3f} ({n}/{d})" if d else "- (0/0)"


def format_agreement(a_path: str | Path, b_path: str | Path) -> str:
    sheets_a, sheets_b = _sheets_of(a_path), _sheets_of(b_path)
    common = [n for n in SHEETS if n in sheets_a and n in sheets_b]
    if not common:
        raise AnnotationError(f"{a_path} and {b_path} have no sheet in common "
                              f"({', '.join(sheets_a)} against {', '.join(sheets_b)})")
    out: list[str] = []
    for name in common:
        a, b = sheets_a[name], sheets_b[name]
        for sheet in (a, b):
            check_rows(sheet)
        malformed = a.problems + b.problems
        out.append(f"## {name}: A = {a.path}, B = {b.path}")
        if malformed:
            out.append(f"({len(malformed)} rows break the format; run check first. The first: {malformed[0]})")
        if name == "values":
            agreement = values_agreement(a, b)
            out.append("kind\trows\tvalue agreement\tmod agreement\tno value on both sides")
            total = Counter()
            for kind in KINDS:
                k = agreement["kinds"].get(kind)
                if k:
                    total.update(k)
                    out.append(f"{kind}\t{k['rows']}\t{_fraction(k['value'], k['rows'])}\t{_fraction(k['mod'], k['rows'])}\t{k['no_value_both']}")
            out.append(f"all\t{total['rows']}\t{_fraction(total['value'], total['rows'])}\t{_fraction(total['mod'], total['rows'])}\t{total['no_value_both']}")
            out.append(f"\ndisagreements ({len(agreement['disagreements'])}; value, mod, value_max or hijri):")
            out.append("document\tstart\tend\tkind\ttext\tA value\tA mod\tA note\tB value\tB mod\tB note")
            for ra, rb in agreement["disagreements"]:
                out.append("\t".join([ra["document"], ra["start"], ra["end"], ra["kind"], ra["text"],
                                      ra["value"], ra["mod"], ra["note"], rb["value"], rb["mod"], rb["note"]]))
        elif name == "coref":
            agreement = coref_agreement(a, b)
            out.append(f"{agreement['mentions']} event mentions; B's clusters scored against A's")
            out.append("view\tevents A\tevents B\tpairwise P\tR\tF1\tB-cubed P\tR\tF1")
            for view in ("across documents", "within documents"):
                v = agreement[view]
                pw, b3 = v["pairwise"], v["bcubed"]
                out.append(f"{view}\t{v['events_a']}\t{v['events_b']}\t{pw.precision:.3f}\t{pw.recall:.3f}\t{pw.f1:.3f}"
                           f"\t{b3.precision:.3f}\t{b3.recall:.3f}\t{b3.f1:.3f}")
            out.append(f"\ndisagreements ({len(agreement['splits'])} clusters one side has and the other has not as they are):")
            for side, event_id, by_other, other in agreement["splits"]:
                out.append(f"{side} {event_id}: {other} has")
                for other_id, mentions in by_other.items():
                    shown = ", ".join(f"{d}:{s}-{e} «{agreement['text'][(d, s, e, t)]}»" for d, s, e, t in mentions)
                    out.append(f"    {other_id} ({len(mentions)}): {shown}")
        else:
            agreement = dates_agreement(a, b)
            out.append(f"same date: {_fraction(agreement['same'], agreement['documents'])}")
            for ra, rb in agreement["disagreements"]:
                out.append(f"{ra['document']}\tA {ra['date'] or '(unknown)'} {ra['evidence']!r}\tB {rb['date'] or '(unknown)'} {rb['evidence']!r}")
        out.append("")
    return "\n".join(out)


# --- command line ----------------------------------------------------------------------------------

def _add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="sheets_command", required=True)
    p = sub.add_parser("blank", help="write the blank sheets (and the documents' texts) from the brat gold")
    p.add_argument("--output-dir", required=True, metavar="DIR")
    p.add_argument("--values-documents", nargs="+", default=list(VALUE_DOCUMENTS), metavar="TXT",
                   help="brat .txt files whose spans take values (default: the five articles, anercorp-019 and -020)")
    p.add_argument("--coref-documents", nargs="+", default=list(COREF_DOCUMENTS), metavar="TXT",
                   help="brat .txt files whose event mentions are clustered (default: the five articles)")
    p.add_argument("--no-texts", action="store_true", help="do not copy the documents' texts into DIR/texts/")
    p = sub.add_parser("check", help="check filled sheets: the value format, mods, event ids, and the rows against the blank sheets")
    p.add_argument("files", nargs="+", metavar="SHEET")
    p.add_argument("--blank-dir", metavar="DIR", help="the folder of the blank sheets (without it only the format is checked)")
    p = sub.add_parser("agree", help="agreement of two annotators' sheets (files, or folders holding them), with every disagreement")
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")


def add_parser(subparsers) -> argparse.ArgumentParser:
    """The ``value-sheets`` subcommand, for ``cli.build_parser``."""
    p = subparsers.add_parser("value-sheets", help="blank sheets for the values and event-coreference gold, their checker and agreement")
    _add_arguments(p)
    p.set_defaults(func=main)
    return p


def main(args) -> int:
    if args.sheets_command == "blank":
        counts = write_blank_sheets(args.output_dir, args.values_documents, args.coref_documents, not args.no_texts)
        print(f"{args.output_dir}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        return 0
    if args.sheets_command == "check":
        problems = check_files(args.files, args.blank_dir)
        for p in problems:
            print(p)
        if problems:
            print(f"{len(problems)} problem(s)", file=sys.stderr)
            return 1
        print(f"{len(args.files)} sheet(s): no problem")
        return 0
    print(format_agreement(args.a, args.b))
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m arabic_news_tagger.data.value_sheets", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(parser)
    arguments = parser.parse_args()
    try:
        sys.exit(main(arguments))
    except (AnnotationError, ValueError, OSError) as e:
        print(f"value_sheets: error: {e}", file=sys.stderr)
        sys.exit(2)
