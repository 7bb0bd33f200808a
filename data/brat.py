"""brat standoff (``NAME.txt`` + ``NAME.ann``) to and from the document model.

Reading is tolerant: it returns the document and the problems it met, each with its line number,
so that the validator can report every problem of a file in one run, and the loader can refuse a
corpus naming them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .document import Document, Event, Span
from .schema import Schema


class AnnotationError(ValueError):
    """A corpus file is broken; the message lists ``file:line: what is wrong`` for each problem."""

    def __init__(self, message: str, path: Path | None = None):
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class TextBound:
    id: str
    label: str
    start: int
    end: int
    text: str
    line: int


@dataclass
class EventLine:
    id: str
    label: str
    trigger: str
    arguments: list[tuple[str, str]]  # (role as written, e.g. "Participant2", target id)
    line: int


@dataclass
class AnnFile:
    """An .ann file as written: its text-bound annotations and event lines, with line numbers."""

    txt_path: Path
    ann_path: Path
    text: str
    textbounds: dict[str, TextBound] = field(default_factory=dict)
    events: dict[str, EventLine] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.ann_path, line, message))


_TB = re.compile(r"^(T\d+)\t(\S+) (\d+) (\d+)\t(.*)$")
_TB_LOOSE = re.compile(r"^(T\d+)\t(\S+) ([\d; ]+)\t?(.*)$")
_EV = re.compile(r"^(E\d+)\t(\S+)$")
_ROLE_NUMBER = re.compile(r"\d+$")


def role_name(written: str) -> str:
    """brat numbers repeated roles (Participant2); the role is the name without the number."""
    return _ROLE_NUMBER.sub("", written)


def read_text(path: Path) -> str:
    try:
        # newline="" keeps "\r\n" as two characters: brat's offsets count them both.
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()
    except UnicodeDecodeError as e:
        raise AnnotationError(f"{path}: not UTF-8 ({e.reason} at byte {e.start})", path) from None


def parse_ann(txt_path: Path, ann_path: Path | None = None) -> AnnFile:
    txt_path = Path(txt_path)
    ann_path = Path(ann_path) if ann_path else txt_path.with_suffix(".ann")
    ann = AnnFile(txt_path, ann_path, read_text(txt_path))
    try:
        raw = read_text(ann_path)
    except FileNotFoundError:
        ann.problem(0, f"no annotation file beside {txt_path.name}")
        return ann
    for lineno, line in enumerate(raw.split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip() or line[0] in "#AMN":
            continue  # notes, attributes and normalisations carry nothing this schema uses
        if line.startswith("T"):
            _parse_textbound(ann, line, lineno)
        elif line.startswith("E"):
            _parse_event(ann, line, lineno)
        else:
            ann.problem(lineno, f"unsupported annotation line (relations are not in this schema): {line[:40]!r}")
    return ann


def _parse_textbound(ann: AnnFile, line: str, lineno: int) -> None:
    m = _TB.match(line)
    if not m:
        loose = _TB_LOOSE.match(line)
        if loose and ";" in loose.group(3):
            ann.problem(lineno, f"{loose.group(1)}: discontinuous spans are not supported")
        else:
            ann.problem(lineno, f"malformed text-bound line, expected 'T<n>\\tTYPE START END\\tTEXT': {line[:60]!r}")
        return
    tid, label, start, end, surface = m.group(1), m.group(2), int(m.group(3)), int(m.group(4)), m.group(5)
    if tid in ann.textbounds:
        ann.problem(lineno, f"{tid} is defined twice (first at line {ann.textbounds[tid].line})")
        return
    if not (0 <= start < end <= len(ann.text)):
        ann.problem(lineno, f"{tid}: offsets {start}-{end} outside the text (length {len(ann.text)}) or empty")
        return
    if ann.text[start:end] != surface:
        ann.problem(lineno, f"{tid}: recorded text {surface!r} differs from the text at {start}-{end}: {ann.text[start:end]!r}")
    ann.textbounds[tid] = TextBound(tid, label, start, end, ann.text[start:end], lineno)


def _parse_event(ann: AnnFile, line: str, lineno: int) -> None:
    eid, _, rest = line.partition("\t")
    parts = rest.split()
    if not re.fullmatch(r"E\d+", eid) or not parts or ":" not in parts[0]:
        ann.problem(lineno, f"malformed event line, expected 'E<n>\\tTYPE:T<n> Role:T<n> ...': {line[:60]!r}")
        return
    label, _, trigger = parts[0].partition(":")
    args = []
    for part in parts[1:]:
        role, sep, target = part.partition(":")
        if not sep or not role or not target:
            ann.problem(lineno, f"{eid}: malformed argument {part!r}, expected Role:T<n>")
            continue
        args.append((role, target))
    if eid in ann.events:
        ann.problem(lineno, f"{eid} is defined twice (first at line {ann.events[eid].line})")
        return
    ann.events[eid] = EventLine(eid, label, trigger, args, lineno)


def to_document(ann: AnnFile, schema: Schema) -> Document:
    """The document model of a parsed .ann file (what it can resolve; problems are in ``ann``)."""
    tb = ann.textbounds
    entities = sorted(
        (Span(t.start, t.end, t.label, t.text) for t in tb.values() if schema.is_entity(t.label)),
        key=lambda s: (s.start, s.end),
    )
    events = []
    for ev in ann.events.values():
        trig = tb.get(ev.trigger)
        if trig is None:
            continue
        arguments = tuple(
            sorted(
                (
                    Span(tb[t].start, tb[t].end, role_name(r), tb[t].text)
                    for r, t in ev.arguments
                    if t in tb
                ),
                key=lambda s: (s.start, s.end),
            )
        )
        events.append(Event(Span(trig.start, trig.end, ev.label, trig.text), arguments))
    events.sort(key=lambda e: (e.trigger.start, e.trigger.end, e.type))
    return Document(ann.txt_path.stem, ann.text, entities, events)


def corpus_files(directory: str | Path) -> list[Path]:
    """The ``.txt`` files of a corpus directory, in name order (not recursive)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise AnnotationError(f"{directory}: no such corpus directory (a relative path is read from the working "
                              f"directory, {Path.cwd()}; name the corpus with --corpus-dir DIR)")
    return sorted(p for p in directory.glob("*.txt") if p.is_file())


def write_ann(document: Document, path: str | Path) -> None:
    """Write a document's annotations as brat standoff (atomically)."""
    from arabic_news_tagger.io import atomic_write_text

    atomic_write_text(Path(path), format_ann(document))


def format_ann(document: Document, argument_type: str = "ARG") -> str:
    """A document's annotations as the text of a brat ``.ann`` file.

    Argument spans that coincide with an entity point to it; others become ``argument_type`` spans.
    """
    lines: list[str] = []
    ids: dict[tuple[int, int, str], str] = {}

    def textbound(span: Span, label: str) -> str:
        key = (span.start, span.end, label)
        if key not in ids:
            ids[key] = f"T{len(ids) + 1}"
            lines.append(f"{ids[key]}\t{label} {span.start} {span.end}\t{span.text}")
        return ids[key]

    for ent in document.entities:
        textbound(ent, ent.label)
    entity_keys = {(e.start, e.end): e.label for e in document.entities}
    for n, event in enumerate(document.events, 1):
        # Each event gets its own trigger line, as brat's editor writes them.
        tid = f"T{len(ids) + 1}"
        ids[(event.trigger.start, event.trigger.end, f"trigger{n}")] = tid
        lines.append(f"{tid}\t{event.type} {event.trigger.start} {event.trigger.end}\t{event.trigger.text}")
        parts = [f"{event.type}:{tid}"]
        seen: dict[str, int] = {}
        for arg in event.arguments:
            label = entity_keys.get((arg.start, arg.end), argument_type)
            target = textbound(arg, label)
            seen[arg.label] = seen.get(arg.label, 0) + 1
            suffix = str(seen[arg.label]) if seen[arg.label] > 1 else ""
            parts.append(f"{arg.label}{suffix}:{target}")
        lines.append(f"E{n}\t" + " ".join(parts))
    return "".join(line + "\n" for line in lines)
