"""Consistency of a gold corpus across its documents: what ``validate`` cannot see in one file.

``validate`` checks each ``.ann`` against its text and the schema. This check reads every document of
the directories given together and lists the places where the gold contradicts itself or a rule of
``GUIDELINES.md`` that can be tested without reading the sentence. Each finding is printed as
``file:line: [kind] what`` (the ``.ann`` file and the line of the annotation; for text nobody marked,
the ``.txt`` file and its line). The kinds, and the rule each one checks mechanically:

- ``type-conflict`` (§1): one entity string typed differently in different places. Strings are
  compared after removing diacritics and tatweel and unifying the alef forms. Every occurrence whose
  type is not the string's most frequent type is listed; where two types tie, every occurrence is.
- ``unmarked`` (§0 every mention): a string of a name type (PERS, GPE, ORG, LOC, FAC, NORP, EVENT)
  marked at least ``UNMARKED_MIN_MARKED`` times, always with the same type, that appears elsewhere as
  whole words that no entity span touches, in fewer places than it is marked (a string left unmarked
  more often than not is a common word as often as a name: «علي» the name and the spelling of «على»).
  Common nouns and titles are left out: whether they are an entity depends on their context (§10
  bare institution nouns), not on the string. The names of religions (``RELIGIONS``, §11.1) are
  NORP wherever they stand: each one no entity span touches is listed, however often it is marked.
- ``compass-region`` (§10 Places): a compass noun in construct (شمال، جنوب، شرق، غرب، وسط; not the
  adjective شمالي، شرقي …) left outside the GPE or LOC right after it. With a country or a large
  territory the two are one LOC; with a city only the city is marked, which is adjudicated.
- ``occ-not-office`` (§10/§11.5 OCC): an OCC span that starts with an honorific (``HONORIFICS``:
  جلالة، سمو، فخامة، السيد، الشيخ، الدكتور, …) or a candidate noun (مرشح…): honorifics stay out of the
  title, and a candidacy is no office.
- ``agent-without-target`` (§10 ATTACK): a war or conflict (the trigger's first word is one of
  ``WAR_STEMS``: حرب، نزاع، صراع، قتال، معارك، مواجهات، اشتباكات) with an Agent but no Theme. Against
  a stated target the side waging it is the Agent; without one, the sides are Participants.
  (A one-sided attack, a raid or a bombing, keeps its attacker as Agent with or without a target.)
- ``quantifier-in-argument`` (§10 Arguments): an argument whose first word is a quantifier or an
  approximator (``QUANTIFIERS``: نحو، حوالي، أكثر من، الكثير من، …); they stay outside the span.
- ``topic-cut-short`` (§9/§10 Topic): a Topic that stops before the relative clause that completes
  it (the next word is ``الذي``/``التي``/…), or that starts after its purpose word (the word before
  it is a ``ل`` + verbal noun such as ``لمناقشة``, ``لبحث``, outside the span and not the trigger):
  the whole purpose clause, its ``ل`` included, is the Topic.
- ``coordinated-party`` (§2 one argument per mention): a Participant, Agent or Mediator that is an
  ARG span holding two or more named parties (PERS, GPE, ORG) joined by ``و``: each party is its
  own argument. (Coordinated adjectives of one group, «جماعات ماركسية وإسلامية», are one party.)
- ``region-not-linked`` (§11.4 city and region): a Place followed at once (after a space, ``في`` or a
  comma) by a GPE, LOC or FAC that is not a Place of the same event: the region or country that
  locates a place is a second Place.
- ``clause-in-argument`` (§12.4): an argument that runs on into a clause about part of the group
  or restating it (a word of ``GROUP_CLAUSE``: بينهم، من بينهم، هم، وهم, after its first word): the
  argument stops before it.
- ``ceasefire-war`` (§10/§12.2 CEASEFIRE): an ATTACK trigger right after ``وقف`` (with its glued
  ل، و، ب، ف) or inside a CEASEFIRE trigger: stopping an armed event is one CEASEFIRE trigger.
- ``not-a-trigger`` (§10/§12.2): a trigger on a word the guidelines exclude: MEET on an interview,
  a ceremony, a festival or a demonstration (``NOT_MEET``), or an ATTACK whose war noun only
  classifies the noun before it (``CLASSIFIER_HEADS``: زعماء الحرب، آلة الحرب، جرائم الحرب …).
- ``attack-verb`` (§12.1): a targeting verb (استهدف، يستهدف …) as ATTACK within three words after
  another ATTACK trigger (``غارة استهدفت``، ``التفجيرات التي تستهدف``): what an attack did is no
  second trigger, its object is the attack's Theme. A verb with its own subject in between is
  adjudicated.
- ``relative-time-in-date`` (§12.5): a DATE or TIME that starts with قبل، بعد، منذ، خلال or حتى;
  the relative word stays outside (the parts of day بعد الظهر، قبل الظهر excepted).
- ``multiword-trigger`` (§10 trigger extent): a trigger of more than one word. The head word is the
  trigger; an adjective or complement joins only where the head alone does not name the event type,
  which is a judgement: the accepted multiword triggers are adjudicated (for the whole corpus with
  document ``*``).

What needs the sentence read (a Theme left out although the target is named, a Place cut from its
name) is not checked here: those are found by reading, as in an agreement study.

Findings judged correct as they are go into the directory's ``consistency.tsv``, one row each:
``kind, document, item, rule`` where ``item`` is the key the finding prints in brackets at its end.
A row with document ``*`` accepts a pattern everywhere: its ``item`` is a regular expression that
must match the whole of the finding's ``LABEL string`` (normalised as above; for ``compass-region``
the label of the place, and the compass word with the place), e.g. ``CEASEFIRE [وفلب]?وقف .*``.
The check fails only for findings with no such row, and for rows that match no finding (an
adjudication that no longer applies is removed, not kept).
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from .brat import AnnFile, AnnotationError, corpus_files, parse_ann, role_name
from .letters import ALEF_FORMS
from .schema import load_schema
from .segment import words as segment_words

EXCEPTIONS_FILE = "consistency.tsv"
EXCEPTION_FIELDS = ("kind", "document", "item", "rule")
KINDS = ("type-conflict", "unmarked", "compass-region", "occ-not-office", "agent-without-target", "quantifier-in-argument",
         "topic-cut-short", "coordinated-party", "region-not-linked", "multiword-trigger", "clause-in-argument",
         "ceasefire-war", "not-a-trigger", "attack-verb", "relative-time-in-date")

NAME_TYPES = frozenset({"PERS", "GPE", "ORG", "LOC", "FAC", "NORP", "EVENT"})
PARTY_TYPES = frozenset({"PERS", "GPE", "ORG"})
WAR_STEMS = ("حرب", "نزاع", "صراع", "قتال", "معارك", "مواجهات", "اشتباكات")
_COMPASS = re.compile(r"(?:^|\s)([وبلف]?(?:ال)?(?:شمال|جنوب|شرق|غرب|وسط))\s+$")
UNMARKED_MIN_MARKED = 3
RELIGIONS = frozenset({"الاسلام", "المسيحية", "اليهودية", "البوذية", "الهندوسية"})
# First words (one or two) that quantify or approximate a counted phrase; §10 keeps them outside.
QUANTIFIERS = ("نحو", "حوالي", "حوالى", "قرابة", "زهاء", "قرابه", "ما يقرب من", "ما يزيد على", "ما يزيد عن",
               "أكثر من", "اكثر من", "أقل من", "اقل من", "الكثير من", "العديد من", "عدد من", "عشرات", "مئات",
               "آلاف", "الاف", "بعض", "معظم", "غالبية", "كل", "مزيد من", "المزيد من", "مزيدا من", "عددا من",
               "مختلف", "جميع", "شتى", "كافة")
# Words that open a clause about part of a group or restating it (§12.4): an argument stops before them.
GROUP_CLAUSE = frozenset({"بينهم", "بينهن", "هم", "وهم"})
# MEET triggers the guidelines exclude (§10/§12.2): interviews, ceremonies, festivals, demonstrations.
NOT_MEET = re.compile(r"^[وبلف]?(ال)?(مقابل(ة|ات)|حفل|حفلات|احتفال|احتفالات|مهرجان|مظاهر(ة|ات)|تظاهر(ة|ات)|مسير(ة|ات)|تجمع|تجمعات)$")
# Nouns whose war genitive only classifies them (§12.2): «زعماء الحرب» names people, not a war.
CLASSIFIER_HEADS = frozenset({"زعماء", "امراء", "اسرى", "اسري", "دعاة", "الة", "جرائم", "مجرمي", "مجرمو", "دار", "سياحة"})
_TARGETING = re.compile(r"^[وف]?(استهدف|يستهدف|تستهدف|استهدفت|يستهدفون|استهدفوا)$")
_STOP = re.compile(r"^[وبلف]?ل?وقف$")
RELATIVE_TIME = frozenset({"قبل", "بعد", "منذ", "خلال", "حتى"})
HONORIFICS = frozenset({"جلالة", "جلالته", "سمو", "سموه", "فخامة", "فخامته", "سعادة", "معالي", "السيد", "السيدة",
                        "الشيخ", "الدكتور", "د"})
_CANDIDATE = re.compile(r"^[وبلف]?(ال|لل)?مرشح")
RELATIVES = frozenset({"الذي", "التي", "الذين", "اللذين", "اللتين", "اللذان", "اللتان", "اللواتي", "اللاتي"})
# Verbal nouns of purpose that open a Topic clause after ل (لمناقشة، لبحث، …).
PURPOSE_NOUNS = ("مناقشة", "بحث", "دراسة", "تشجيع", "تعزيز", "تطوير", "حل", "وقف", "إنهاء", "انهاء", "التوصل",
                 "توقيع", "تسوية", "متابعة", "تنسيق", "تقييم", "مراجعة", "إجراء", "اجراء", "إحلال", "احلال", "دعم")

_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u0640]")


def normalise(surface: str) -> str:
    """The form strings are compared in: no diacritics or tatweel, one alef, single spaces."""
    return " ".join(_DIACRITICS.sub("", surface).translate(ALEF_FORMS).split())


@dataclass(frozen=True)
class Finding:
    kind: str
    path: Path
    line: int
    document: str
    item: str
    message: str
    surface: str = ""  # "LABEL string", what a document-wide row's pattern is matched against

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.kind}] {self.message} [{self.item}]"


@dataclass
class _Doc:
    ann: AnnFile
    directory: Path

    @property
    def id(self) -> str:
        return self.ann.txt_path.stem

    def text_line(self, offset: int) -> int:
        return self.ann.text.count("\n", 0, offset) + 1


def _load(directories) -> tuple[list[_Doc], list[str]]:
    docs, problems = [], []
    for directory in map(Path, directories):
        try:
            load_schema(directory)
            for txt in corpus_files(directory):
                ann = parse_ann(txt)
                problems.extend(str(p) for p in ann.problems)
                docs.append(_Doc(ann, directory))
        except AnnotationError as e:
            problems.append(str(e))
        except ValueError as e:  # a broken annotation.conf
            problems.append(f"{directory}: {e}")
    return docs, problems


def _trigger_ids(doc: _Doc) -> set[str]:
    return {ev.trigger for ev in doc.ann.events.values()}


def _word_at_or_after(text: str, offset: int, limit: int) -> tuple[int, int] | None:
    ws = segment_words(text, offset, limit)
    return ws[0] if ws else None


def find_inconsistencies(directories) -> tuple[list[Finding], list[str]]:
    """Every finding over the documents of ``directories`` (read together), and the problems met
    reading them (a corpus ``validate`` rejects is not checked further)."""
    docs, problems = _load(directories)
    if problems:
        return [], problems
    findings: list[Finding] = []
    entity_spans: dict[str, list] = {}
    for doc in docs:
        triggers = _trigger_ids(doc)
        entity_spans[doc.id] = sorted((t for t in doc.ann.textbounds.values() if t.label != "ARG" and t.id not in triggers),
                                      key=lambda t: (t.start, t.end))
    findings += _type_conflicts(docs, entity_spans)
    findings += _unmarked(docs, entity_spans)
    for doc in docs:
        findings += _compass_regions(doc, entity_spans[doc.id])
        findings += _not_offices(doc, entity_spans[doc.id])
        findings += _role_rules(doc, entity_spans[doc.id])
        findings += _multiword_triggers(doc)
        findings += _trigger_rules(doc, entity_spans[doc.id])
    return sorted(findings, key=lambda f: (str(f.path), f.line, f.kind, f.item)), []


def _type_conflicts(docs, entity_spans) -> list[Finding]:
    by_string: dict[str, list] = defaultdict(list)
    for doc in docs:
        for t in entity_spans[doc.id]:
            by_string[normalise(t.text)].append((doc, t))
    out = []
    for string, occurrences in by_string.items():
        counts = Counter(t.label for _, t in occurrences)
        if len(counts) < 2:
            continue
        ranked = counts.most_common()
        tie = ranked[0][1] == ranked[1][1]
        summary = ", ".join(f"{label} {n}" for label, n in ranked)
        for doc, t in occurrences:
            if tie or t.label != ranked[0][0]:
                out.append(Finding("type-conflict", doc.ann.ann_path, t.line, doc.id, f"{t.label} {t.start} {t.end} {t.text}",
                                   f"{t.id} {t.label} {t.text!r} (text line {doc.text_line(t.start)}) is typed {summary} across the corpus",
                                   f"{t.label} {string}"))
    return out


def _unmarked(docs, entity_spans) -> list[Finding]:
    types: dict[str, Counter] = defaultdict(Counter)
    for doc in docs:
        for t in entity_spans[doc.id]:
            types[normalise(t.text)][t.label] += 1
    candidates = {s: next(iter(c)) for s, c in types.items()
                  if len(c) == 1 and next(iter(c)) in NAME_TYPES and sum(c.values()) >= UNMARKED_MIN_MARKED}
    religions = {f"{p}{r}" for r in RELIGIONS for p in ("", "و", "ب", "ل", "ف")}
    candidates.update({r: "NORP" for r in religions})
    if not candidates:
        return []
    longest = max(len(s.split()) for s in candidates)
    found: dict[str, list[Finding]] = defaultdict(list)
    for doc in docs:
        text = doc.ann.text
        covered = [(t.start, t.end) for t in entity_spans[doc.id]]
        words = segment_words(text, 0, len(text))
        norm_words = [normalise(text[s:e]) for s, e in words]
        for i in range(len(words)):
            for n in range(longest, 0, -1):
                if i + n > len(words):
                    continue
                s, e = words[i][0], words[i + n - 1][1]
                if "\n" in text[s:e]:
                    continue
                string = " ".join(norm_words[i:i + n])
                if string not in candidates or normalise(text[s:e]) != string:
                    continue
                if any(cs < e and s < ce for cs, ce in covered):
                    continue
                label = candidates[string]
                why = ("a religion's name is NORP (§11.1)" if string in religions else
                       f"it is {label} all {sum(types[string].values())} times it is marked")
                found[string].append(Finding("unmarked", doc.ann.txt_path, doc.text_line(s), doc.id, f"{s} {e} {text[s:e]}",
                                             f"{text[s:e]!r} at {s}-{e} is unmarked; {why}", f"{label} {string}"))
                break
    return [f for string, fs in found.items() if string in religions or len(fs) < sum(types[string].values()) for f in fs]


def _compass_regions(doc: _Doc, entities) -> list[Finding]:
    text = doc.ann.text
    out = []
    for t in entities:
        if t.label not in ("GPE", "LOC"):
            continue
        line_start = text.rfind("\n", 0, t.start) + 1
        m = _COMPASS.search(text[max(line_start, t.start - 16):t.start])
        if not m:
            continue
        cs = t.start - len(m.group(0)) + m.group(0).index(m.group(1))
        if any(o.start < t.start and o.end > cs for o in entities if o is not t):
            continue
        out.append(Finding("compass-region", doc.ann.ann_path, t.line, doc.id, f"{t.label} {t.start} {t.end} {t.text}",
                           f"{t.id} {t.label} {t.text!r} (text line {doc.text_line(t.start)}) after the compass noun {m.group(1)!r} left unmarked; "
                           "with a country or large territory the two are one LOC",
                           f"{t.label} {normalise(text[cs:t.end])}"))
    return out


def _not_offices(doc: _Doc, entities) -> list[Finding]:
    out = []
    for t in entities:
        if t.label != "OCC":
            continue
        first = normalise(t.text).split()[0]
        bare = first[1:] if first[:1] in "وبلف" and first[1:] in {normalise(h) for h in HONORIFICS} else first
        if bare in {normalise(h) for h in HONORIFICS} or _CANDIDATE.match(first):
            what = "an honorific, which stays out" if not _CANDIDATE.match(first) else "a candidate noun: a candidacy is no office"
            out.append(Finding("occ-not-office", doc.ann.ann_path, t.line, doc.id, f"{t.label} {t.start} {t.end} {t.text}",
                               f"{t.id} OCC {t.text!r} (text line {doc.text_line(t.start)}) starts with {what}",
                               f"{t.label} {normalise(t.text)}"))
    return out


def _starts_with_quantifier(surface: str) -> str | None:
    words = normalise(surface).split()
    for q in QUANTIFIERS:
        qw = normalise(q).split()
        if words[:len(qw)] == qw and len(words) > len(qw):
            return q
        # glued conjunction or preposition before the quantifier: وحوالي، بنحو
        if len(words) > len(qw) and words[0][:1] in "وب" and [words[0][1:], *words[1:len(qw)]] == qw:
            return q
    return None


def _role_rules(doc: _Doc, entities) -> list[Finding]:
    tb = doc.ann.textbounds
    text = doc.ann.text
    out = []
    for ev in doc.ann.events.values():
        trig = tb.get(ev.trigger)
        if trig is None:
            continue
        args = [(role_name(r), tb[t]) for r, t in ev.arguments if t in tb]
        roles = Counter(r for r, _ in args)
        where = f"{ev.id} {ev.label} {trig.text!r} (text line {doc.text_line(trig.start)})"
        first = normalise(trig.text).split()[0]
        if ev.label == "ATTACK" and roles["Agent"] and not roles["Theme"] and any(w in first for w in WAR_STEMS):
            for role, a in args:
                if role == "Agent":
                    out.append(Finding("agent-without-target", doc.ann.ann_path, ev.line, doc.id,
                                       f"{ev.label} {trig.start} {trig.end} Agent {a.start} {a.end} {a.text}",
                                       f"{where}: Agent {a.text!r} with no Theme; without a stated target the sides are Participants",
                                       f"{ev.label} {normalise(a.text)}"))
        for role, a in args:
            key = f"{ev.label} {trig.start} {trig.end} {role} {a.start} {a.end} {a.text}"
            surface = f"{ev.label} {normalise(a.text)}"
            q = _starts_with_quantifier(a.text)
            if q:
                out.append(Finding("quantifier-in-argument", doc.ann.ann_path, ev.line, doc.id, key,
                                   f"{where}: {role} {a.text!r} starts with the quantifier {q!r}, which stays outside", surface))
            if role == "Topic":
                line_end = text.find("\n", a.end)
                nxt = _word_at_or_after(text, a.end, line_end if line_end >= 0 else len(text))
                if nxt and nxt[0] - a.end <= 1 and normalise(text[nxt[0]:nxt[1]]) in RELATIVES:
                    out.append(Finding("topic-cut-short", doc.ann.ann_path, ev.line, doc.id, key,
                                       f"{where}: Topic {a.text!r} stops before its relative clause {text[nxt[0]:nxt[1]]!r}", surface))
                line_start = text.rfind("\n", 0, a.start) + 1
                before = segment_words(text, line_start, a.start)
                if before and a.start - before[-1][1] <= 1 and before[-1] != (trig.start, trig.end):
                    prev = normalise(text[before[-1][0]:before[-1][1]])
                    if prev.startswith("ل") and prev[1:].removeprefix("ل") in {normalise(p) for p in PURPOSE_NOUNS}:
                        out.append(Finding("topic-cut-short", doc.ann.ann_path, ev.line, doc.id, key,
                                           f"{where}: Topic {a.text!r} starts after its purpose word {text[before[-1][0]:before[-1][1]]!r}", surface))
            if role == "Place":
                places = {(p.start, p.end) for r, p in args if r == "Place"}
                line_end = text.find("\n", a.end)
                line_end = len(text) if line_end < 0 else line_end
                for o in entities:
                    if o.start < a.end or o.start > line_end or o.label not in ("GPE", "LOC", "FAC"):
                        continue
                    gap = text[a.end:o.start].replace("،", " ").replace(",", " ").split()
                    if gap in ([], ["في"]) and (o.start, o.end) not in places:
                        out.append(Finding("region-not-linked", doc.ann.ann_path, ev.line, doc.id, key,
                                           f"{where}: Place {a.text!r} is followed by {o.label} {o.text!r}, not a Place of this event; "
                                           "the region that locates a place is a second Place", f"{ev.label} {normalise(text[a.start:o.end])}"))
                    break
            inner = normalise(a.text).split()[1:]
            if any(w in GROUP_CLAUSE for w in inner):
                w = next(w for w in inner if w in GROUP_CLAUSE)
                out.append(Finding("clause-in-argument", doc.ann.ann_path, ev.line, doc.id, key,
                                   f"{where}: {role} {a.text!r} runs on into the clause {w!r}; the argument stops before it", surface))
            if role in ("Participant", "Agent", "Mediator") and a.label == "ARG":
                inside = [e for e in entities if a.start <= e.start and e.end <= a.end and e.label in PARTY_TYPES]
                joined = [e for e in inside[1:] if normalise(e.text).startswith("و") or normalise(text[e.start - 2:e.start]).endswith("و ")]
                if len(inside) >= 2 and joined:
                    names = " + ".join(repr(e.text) for e in inside)
                    out.append(Finding("coordinated-party", doc.ann.ann_path, ev.line, doc.id, key,
                                       f"{where}: {role} {a.text!r} holds {names}; each party is its own argument", surface))
    return out


def _multiword_triggers(doc: _Doc) -> list[Finding]:
    tb = doc.ann.textbounds
    out = []
    for ev in doc.ann.events.values():
        trig = tb.get(ev.trigger)
        if trig is None or len(segment_words(doc.ann.text, trig.start, trig.end)) < 2:
            continue
        out.append(Finding("multiword-trigger", doc.ann.ann_path, trig.line, doc.id, f"{ev.label} {trig.start} {trig.end} {trig.text}",
                           f"{trig.id} {ev.label} trigger {trig.text!r} (text line {doc.text_line(trig.start)}) is {len(segment_words(doc.ann.text, trig.start, trig.end))} words; the head word is the trigger",
                           f"{ev.label} {normalise(trig.text)}"))
    return out


def _trigger_rules(doc: _Doc, entities) -> list[Finding]:
    tb = doc.ann.textbounds
    text = doc.ann.text
    out = []
    events = [(ev, tb[ev.trigger]) for ev in doc.ann.events.values() if ev.trigger in tb]
    ceasefires = [t for ev, t in events if ev.label == "CEASEFIRE"]
    attacks = sorted((t for ev, t in events if ev.label == "ATTACK"), key=lambda t: t.start)
    for ev, trig in events:
        key = f"{ev.label} {trig.start} {trig.end} {trig.text}"
        surface = f"{ev.label} {normalise(trig.text)}"
        where = f"{trig.id} {ev.label} trigger {trig.text!r} (text line {doc.text_line(trig.start)})"
        line_start = text.rfind("\n", 0, trig.start) + 1
        before = [normalise(text[s:e]) for s, e in segment_words(text, line_start, trig.start)]
        if ev.label == "ATTACK":
            inside = any(c.start <= trig.start and trig.end <= c.end for c in ceasefires)
            if inside or (before and _STOP.match(before[-1])):
                out.append(Finding("ceasefire-war", doc.ann.ann_path, trig.line, doc.id, key,
                                   f"{where} {'lies inside a CEASEFIRE trigger' if inside else 'follows وقف'}; stopping an armed event is one CEASEFIRE trigger",
                                   surface))
            if before and before[-1] in CLASSIFIER_HEADS and "حرب" in normalise(trig.text):
                out.append(Finding("not-a-trigger", doc.ann.ann_path, trig.line, doc.id, key,
                                   f"{where}: the war noun only classifies {before[-1]!r}", surface))
            if _TARGETING.match(normalise(trig.text)):
                prev = [t for t in attacks if t.end <= trig.start and t.start >= line_start]
                if prev and len(segment_words(text, prev[-1].end, trig.start)) <= 3:
                    out.append(Finding("attack-verb", doc.ann.ann_path, trig.line, doc.id, key,
                                       f"{where} follows the attack {prev[-1].text!r}; what an attack did is no second trigger", surface))
        if ev.label == "MEET" and NOT_MEET.match(normalise(trig.text)):
            out.append(Finding("not-a-trigger", doc.ann.ann_path, trig.line, doc.id, key,
                               f"{where}: an interview, a ceremony, a festival or a demonstration is no MEET", surface))
    for t in entities:
        if t.label in ("DATE", "TIME"):
            words = normalise(t.text).split()
            first = words[0][1:] if words[0][:1] in "وف" and words[0][1:] in RELATIVE_TIME else words[0]
            if first in RELATIVE_TIME and len(words) > 1 and words[1:] != ["الظهر"]:
                out.append(Finding("relative-time-in-date", doc.ann.ann_path, t.line, doc.id, f"{t.label} {t.start} {t.end} {t.text}",
                                   f"{t.id} {t.label} {t.text!r} (text line {doc.text_line(t.start)}) starts with {first!r}, which stays outside",
                                   f"{t.label} {normalise(t.text)}"))
    return out


@dataclass(frozen=True)
class Exception_:
    kind: str
    document: str
    item: str
    rule: str
    path: Path
    line: int


def read_exceptions(directory: str | Path) -> tuple[list[Exception_], list[str]]:
    """The adjudicated findings of a directory's ``consistency.tsv`` (none when it has no such file),
    and the problems of its rows as ``file:line: what``."""
    path = Path(directory) / EXCEPTIONS_FILE
    if not path.is_file():
        return [], []
    rows, problems = [], []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None or tuple(header) != EXCEPTION_FIELDS:
            return [], [f"{path}:1: header must be {' / '.join(EXCEPTION_FIELDS)} (tab-separated), not {header!r}"]
        for n, row in enumerate(reader, 2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(EXCEPTION_FIELDS):
                problems.append(f"{path}:{n}: expected {len(EXCEPTION_FIELDS)} tab-separated columns, found {len(row)}")
                continue
            kind, document, item, rule = row
            if kind not in KINDS:
                problems.append(f"{path}:{n}: unknown kind {kind!r} (one of {', '.join(KINDS)})")
            elif not rule.strip():
                problems.append(f"{path}:{n}: no rule given; say why the finding is correct as it is")
            elif document == "*" and not _compiles(item):
                problems.append(f"{path}:{n}: item {item!r} is not a regular expression (document * takes a pattern)")
            else:
                rows.append(Exception_(kind, document, item, rule, path, n))
    return rows, problems


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def _matches(exc: Exception_, finding: Finding) -> bool:
    if exc.kind != finding.kind:
        return False
    if exc.document == "*":
        return re.fullmatch(exc.item, finding.surface) is not None
    return exc.document == finding.document and exc.item == finding.item


def check(directories) -> tuple[list[Finding], list[str], int]:
    """Findings with no adjudication row, problems (reading the corpus, rows that are broken or match
    nothing), and how many findings the rows accepted."""
    findings, problems = find_inconsistencies(directories)
    if problems:
        return [], problems, 0
    exceptions: list[Exception_] = []
    for directory in dict.fromkeys(map(Path, directories)):
        rows, bad = read_exceptions(directory)
        exceptions += rows
        problems += bad
    used: set[int] = set()
    open_findings, accepted = [], 0
    for f in findings:
        hit = [i for i, e in enumerate(exceptions) if e.path.parent == f.path.parent and _matches(e, f)]
        if hit:
            used.update(hit)
            accepted += 1
        else:
            open_findings.append(f)
    for i, e in enumerate(exceptions):
        if i not in used:
            problems.append(f"{e.path}:{e.line}: {e.kind} {e.document} {e.item!r} matches no finding; remove the row")
    return open_findings, problems, accepted
