"""Check brat corpora against their text and schema; report every problem as ``file:line: what``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .brat import AnnFile, AnnotationError, Problem, corpus_files, parse_ann, role_name
from .schema import Schema, SchemaError, load_schema
from .document import Document


def validate_file(ann: AnnFile, schema: Schema) -> list[Problem]:
    """Every problem of one parsed .ann file: its parse problems and the schema checks."""
    text = ann.text
    document = Document(str(ann.ann_path), text)
    word_spans = document.words
    starts = {s for s, _ in word_spans}
    ends = {e for _, e in word_spans}
    tb = ann.textbounds
    problems = list(ann.problems)

    def problem(line: int, message: str) -> None:
        problems.append(Problem(ann.ann_path, line, message))

    for t in tb.values():
        if not (schema.is_entity(t.label) or schema.is_event_layer_span(t.label)):
            problem(t.line, f"{t.id}: unknown type {t.label!r} (not in {schema.path.name})")
        if t.start not in starts or t.end not in ends:
            problem(t.line, f"{t.id}: span {t.text!r} at {t.start}-{t.end} does not start and end on word boundaries")
        if "\n" in t.text:
            problem(t.line, f"{t.id}: span crosses a line break")

    entities = sorted((t for t in tb.values() if schema.is_entity(t.label)), key=lambda t: (t.start, -t.end))
    open_spans: list = []  # earlier spans that may still overlap later ones
    for b in entities:
        open_spans = [a for a in open_spans if a.end > b.start]
        for a in open_spans:
            first, later = sorted((a, b), key=lambda t: t.line)  # reported where the clash was written
            problem(later.line, f"{later.id}: {later.label} span {later.text!r} overlaps {first.id} {first.label} {first.text!r} (line {first.line}) in the flat entity layer")
        open_spans.append(b)

    used_triggers: Counter[str] = Counter()
    used_args: set[str] = set()
    for ev in ann.events.values():
        roles = schema.event_types.get(ev.label)
        if roles is None:
            problem(ev.line, f"{ev.id}: unknown event type {ev.label!r}")
        trig = tb.get(ev.trigger)
        if trig is None:
            problem(ev.line, f"{ev.id}: trigger {ev.trigger} is not defined")
            continue
        used_triggers[ev.trigger] += 1
        if trig.label != ev.label:
            problem(ev.line, f"{ev.id}: event type {ev.label} but its trigger {trig.id} is typed {trig.label}")
        sent = document.sentence_holding(trig.start, trig.end)
        counts: Counter[str] = Counter()
        for written, target in ev.arguments:
            role = role_name(written)
            arg = tb.get(target)
            if arg is None:
                problem(ev.line, f"{ev.id}: argument {written}:{target} points to an undefined annotation")
                continue
            used_args.add(target)
            counts[role] += 1
            if roles is not None and role not in roles:
                problem(ev.line, f"{ev.id}: role {role} is not admitted by {ev.label} (admits {', '.join(roles) or 'none'})")
            elif roles is not None and arg.label not in roles[role].types:
                problem(ev.line, f"{ev.id}: {role} cannot be a {arg.label} span ({target} {arg.text!r})")
            if sent is None or document.sentence_holding(arg.start, arg.end) is not sent:
                problem(ev.line, f"{ev.id}: argument {written}:{target} {arg.text!r} lies outside its trigger's sentence")
        for role, spec in (roles or {}).items():
            n = counts[role]
            if (spec.cardinality in ("", "?") and n > 1) or (spec.cardinality in ("", "+") and n == 0):
                want = {"": "exactly one", "?": "at most one", "+": "at least one"}[spec.cardinality]
                problem(ev.line, f"{ev.id}: {ev.label} takes {want} {role}, found {n}")

    for t in tb.values():
        if t.label in schema.event_types and used_triggers[t.id] == 0:
            problem(t.line, f"{t.id}: trigger {t.label} {t.text!r} is used by no event")
        elif used_triggers[t.id] > 1:
            problem(t.line, f"{t.id}: trigger is shared by {used_triggers[t.id]} events; give each its own")
        if t.label in schema.argument_span_types and t.id not in used_args:
            problem(t.line, f"{t.id}: argument-only span {t.label} {t.text!r} is an argument of no event")
    return problems


def validate_directory(directory: str | Path, schema: Schema | None = None) -> list[Problem]:
    """All problems of a brat corpus directory (every ``.txt`` needs its ``.ann`` and vice versa)."""
    directory = Path(directory)
    try:
        schema = schema or load_schema(directory)
        txts = corpus_files(directory)
    except (SchemaError, AnnotationError) as e:
        return [Problem(directory, 0, str(e))]
    problems: list[Problem] = []
    if not txts:
        problems.append(Problem(directory, 0, "no .txt documents in this directory"))
    for ann_path in sorted(directory.glob("*.ann")):
        if not ann_path.with_suffix(".txt").is_file():
            problems.append(Problem(ann_path, 0, f"no text file {ann_path.with_suffix('.txt').name} beside it"))
    for txt in txts:
        try:
            problems.extend(validate_file(parse_ann(txt), schema))
        except AnnotationError as e:
            path = e.path or txt
            problems.append(Problem(path, 0, str(e).removeprefix(f"{path}: ")))
    return sorted(problems, key=lambda p: (str(p.path), p.line))
