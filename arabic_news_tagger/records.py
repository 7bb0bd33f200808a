"""Event records: one record per real-world event, built from the event mentions of tagged documents.

    >>> from arabic_news_tagger.records import build_records, read_tagged
    >>> for record in build_records(read_tagged("tagged.jsonl")):
    ...     print(record["type"], record["date"], record["participants"])

The input is what ``arabic-news-tagger predict`` writes, one document per item: ``{"document": ID,
"entities": [...], "events": [{type, trigger: {text, start, end}, arguments: [{role, text, start, end,
value?, mod?}]}], "document_date"?: {"value", "source"}, "text"?: ...}``. The values (``value``,
``mod``) are read where the values module put them (docs/records.md); without them a record still
lists the spans' texts, and dates and durations simply constrain nothing. With the text, each
mention also carries its sentence.

How mentions become records (greedy agglomeration with a compatibility test)
---------------------------------------------------------------------------
1. Mentions are blocked: by event type and by the month of their document's date; a document whose
   date is unknown forms blocks of its own (``undated="alone"``, the default), or all undated
   documents share one block per type (``undated="together"``); war mentions (step 2) form one
   block per type over every date. Nothing is compared across blocks, so memory is bounded by the
   largest block.
2. Within each document, mentions that name participants (roles Participant and Agent) are taken
   in text order; each joins the existing record of its type it is *compatible* with that shares
   the most participants (ties: the newest), or starts a new record. Compatible means, against
   every mention already in the record:
   - dates (Time values) agree as far as both are known: ``2025-03`` fits ``2025-03-18``, a weekday
     ``XXXX-WXX-2`` fits a Tuesday, ``2025-03-18`` does not fit ``2025-03-19``; values relative to an
     unknown document date (``DOC-P1D``) are compared only within their own document; values with
     ``mod`` BEFORE/AFTER constrain nothing;
   - durations fit: each value is an interval (exact; APPROX ±20 %; MORE_THAN above; LESS_THAN
     below; ...), and the intervals must meet: «أكثر من ساعة ونصف» fits ``PT2H5M``, «نحو ساعة ونصف»
     does not;
   - participants overlap: at least min(2, the mention's names, the record's names) names match,
     one of them as a name or two through the countries their leaders lead (below);
   - named events apart: a trigger inside a longer EVENT entity («الحرب» in «الحرب العالمية
     الثانية») is that event; two differently named events never join;
   - wars and attacks apart: an ATTACK mention whose trigger names a war («الحرب», «للنزاع»,
     «الصراع») never joins one that names an attack («الضربات», «استهداف») (VALUES.md B.3);
   - places agree where both give one («البحر الأسود» is not «أوكرانيا»; a capital is its country).
   A war mention's places count as its participants («الحرب في أوكرانيا» names «أوكرانيا»).
3. Then the document's mentions without participants: each joins, among the compatible records of
   its type in the document, the one with the most mentions (the event the article is about), the
   nearest among equals (sentences apart; without the text, 200 characters a sentence), within
   ``window`` sentences where one is given; else the one record of its type with participants the
   document has, when there is exactly one; else it stands alone. A named event joins only a
   record that names it.
4. Across the documents of a block, each document's records with participants are linked in input
   order, by the same test applied to all their mentions, to the record sharing the most
   participants; a record never takes two records of one document (step 2 kept them apart), and
   records without participants never link documents. War mentions form one block per type over
   every date, dated and undated documents alike (a war lasts for years), kept until the input ends.

Names are matched across spellings and short forms: letters are normalised (alef forms, alef
maqsura, taa marbuta, diacritics, tatweel), leading titles and «ال» descriptors are dropped («الرئيس
الروسي فلاديمير بوتين» → «فلاديمير بوتين»), a glued proclitic (و ف ب ل ك) is tolerated («وترامب»),
and two names match when their last tokens match (and their first tokens too, when both have two or
more), or when the tokens of one are all among the other's. A name that is only a title, a nisba
or a collective («الرئيس», «رئيس أميركي», «الزعيمان», «البلدين») is no name; a capital is its country
(«موسكو» is «روسيا»). With the text, a participant the document introduces as a head of state or
government with a nisba («الرئيس الروسي فلاديمير بوتين») is one side with that country («روسيا»);
two leaders of one country stay two people.

Limits: two different events of one type with no date, duration or participant to tell them apart
merge; a family name alone («ترامب») matches every member of the family; an event reported in the
first days of a month and dated in the previous one falls in two blocks; quantities are reported,
never compared; a bare mention in an article about two events of its type joins the one mentioned
more often, right or not; the war block holds every war mention of the input.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import json
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from .data.letters import MATCHING
from .io import atomic_output

__all__ = ["build_records", "read_tagged", "normalize_name", "name_tokens", "same_name", "dates_compatible",
           "durations_compatible", "mention_clusters", "record_rows", "write_records", "ROLE_FIELDS"]

#: Which record field each argument role feeds (other roles are kept in ``arguments`` only).
ROLE_FIELDS = {"Participant": "participants", "Agent": "participants", "Topic": "topics", "Place": "place",
               "Mediator": "mediator", "Theme": "themes", "Time": "date", "Duration": "duration",
               "Quantity": "quantity"}
#: Sentences (either side) within which a mention without participants joins a record of its document;
#: None: at any distance (the nearest record). Measured on the event-coreference gold of the five
#: articles, the nearest record at any distance scored above a window of 2 or 5 sentences.
DEFAULT_WINDOW = None
_CHARS_PER_SENTENCE = 200  # the window in characters where the text (and so its sentences) is absent
# Triggers that name a war (a long-running event, VALUES.md B.5) rather than one attack in it (B.3).
# Compared on the normalised trigger, its «ال» and one proclitic (و ف ب ل ك) taken off.
# Plurals («النزاعات», «الحروب») are left out: they speak of wars in general (B.5), not of one war.
_WAR_NOUNS = frozenset(("حرب", "نزاع", "صراع"))
#: The block name of long-running events: compared across every date (a war lasts for years).
LONG_RUNNING = "long-running"

# --- names -----------------------------------------------------------------------------------------

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # harakat, Quranic marks, tatweel
_LETTERS = MATCHING  # alef forms, ى/ي, ة/ه, hamza seats, Persian forms (data/letters.py)
_NON_WORD = re.compile(r"[^\w\s]")
_PROCLITICS = ("و", "ف", "ب", "ل", "ك")
# Titles, offices and the words of title phrases («الناطق باسم الكرملين»), normalised.
_TITLES = frozenset(_w.translate(_LETTERS) for _w in """
    الرئيس رئيس الرئيسين نظيره نظيرة نظيرهما الزعيم زعيم الملك ملك الأمير أمير الشيخ الشيخة السيد السيدة
    وزير الوزير وزيرة رئيسة المستشار مستشار مستشارة الناطق ناطق المتحدث متحدث باسم المبعوث مبعوث
    السفير سفير الجنرال جنرال اللواء العميد العقيد المشير القائد قائد الدكتور د الأستاذ مدير المدير
    نائب النائب الأمين أمين العام المرشد السلطان سلطان الإمام رئيسه زعيمه
    الزعيمان الزعيمين الرئيسان الرئيسين الجانبان الجانبين الطرفان الطرفين البلدان البلدين الدولتين الدولتان
    كلانا كلاهما كلا فرقنا الوفدين الوفدان
    """.split())
# A capital stands for its country in news («موسكو» for «روسيا»): compared as the country.
_CAPITALS = {_k.translate(_LETTERS): tuple(_v.translate(_LETTERS).split()) for _k, _v in {
    "موسكو": "روسيا", "واشنطن": "الولايات المتحدة", "أمريكا": "الولايات المتحدة", "أميركا": "الولايات المتحدة",
    "كييف": "أوكرانيا", "طهران": "إيران", "بكين": "الصين", "أنقرة": "تركيا", "باريس": "فرنسا", "لندن": "بريطانيا",
    "برلين": "ألمانيا", "دمشق": "سوريا", "القاهرة": "مصر", "الرياض": "السعودية", "الدوحة": "قطر", "مسقط": "عمان",
    "بغداد": "العراق", "بيروت": "لبنان", "أبوظبي": "الإمارات", "تل أبيب": "إسرائيل"}.items()}
_WAR_NOUN_FORMS = frozenset(_w.translate(_LETTERS) for _w in _WAR_NOUNS)
# A head of state or government stands for the country the text says they lead: «الرئيس الروسي
# فلاديمير بوتين» is a side called «روسيا» elsewhere (the war's, the agreement's). Only heads: a
# foreign minister's call is not the presidents' call.
_HEAD_TITLES = frozenset(_w.translate(_LETTERS) for _w in """
    الرئيس رئيس الرئيسة رئيسة نظيره نظيرته نظيرهما الزعيم زعيم الملك ملك الوزراء المستشار مستشار
    """.split())
# The nisba after such a title and the country it names (normalised; «ال» taken off before lookup).
_NISBA_COUNTRY = {_k.translate(_LETTERS): _v for _k, _v in {
    "روسي": "روسيا", "أميركي": "الولايات المتحدة", "أمريكي": "الولايات المتحدة", "أوكراني": "أوكرانيا",
    "صيني": "الصين", "إيراني": "إيران", "تركي": "تركيا", "فرنسي": "فرنسا", "بريطاني": "بريطانيا",
    "ألماني": "ألمانيا", "إسرائيلي": "إسرائيل", "فلسطيني": "فلسطين", "سوري": "سوريا", "قطري": "قطر",
    "مصري": "مصر", "سعودي": "السعودية", "إماراتي": "الإمارات", "عماني": "عمان", "لبناني": "لبنان",
    "عراقي": "العراق"}.items()}
_COUNTRY_TOKENS = frozenset(tuple(_c.translate(_LETTERS).split()) for _c in _NISBA_COUNTRY.values())
# Words that cannot be a first name between a nisba and a family name («لنظيره الأمريكي أن روسيا»).
_PARTICLES = frozenset(_w.translate(_LETTERS) for _w in """
    أن إن ان أنه إنه التي الذي التى على إلى الى عن مع من في منذ بعد قبل عند لدى حول خلال بين كما لكن ثم
    """.split())
# Nisbas that describe rather than name («رئيس أميركي»): the countries' above, and those of no country.
_NISBAS = frozenset(_NISBA_COUNTRY) | frozenset(_w.translate(_LETTERS) for _w in "عربي أوروبي غربي".split())


def _light(text: str) -> str:
    """Marks, tatweel and punctuation dropped, letters kept: «أل» (a name's first letters) is not «ال»."""
    text = _DIACRITICS.sub("", unicodedata.normalize("NFKC", text))
    return " ".join(_NON_WORD.sub(" ", text).split())


def normalize_name(text: str) -> str:
    """``text`` in the form names are compared in: letters unified, marks and punctuation dropped."""
    return _light(text).translate(_LETTERS)


@functools.lru_cache(maxsize=65536)
def _bare(token: str) -> str:
    """The token without one glued proclitic where what remains is a word (وترامب → ترامب)."""
    for p in ("وال", "فال", "بال", "كال"):
        if token.startswith(p) and len(token) > len(p) + 2:
            return token[len(p) - 2:]
    if token.startswith("لل") and len(token) > 4:
        return "ا" + token[1:]
    if token[:1] in _PROCLITICS and len(token) >= 4:
        return token[1:]
    return token


def _tok_eq(a: str, b: str) -> bool:
    # Not _bare(a) == _bare(b): «بوتين» and «فوتين» would both lose a letter they do not glue.
    return a == b or _bare(a) == b or a == _bare(b)


def _is_title(light: str) -> bool:
    norm = light.translate(_LETTERS)
    return norm in _TITLES or _bare(norm) in _TITLES


def _is_nisba(light: str) -> bool:
    norm = light.translate(_LETTERS)
    return norm in _NISBAS or _bare(norm) in _NISBAS


def _is_descriptor(light: str) -> bool:
    """An «ال» word, or a nisba: what precedes a name without being one («الروسي», «الولايات»)."""
    return light.startswith("ال") or _bare(light).startswith("ال") or _is_nisba(light)


def _name_start(tokens: list[str]) -> int | None:
    """Index of the first token of the proper name among ``tokens`` (:func:`_light` forms), or None
    where they name nobody."""
    for i, t in enumerate(tokens):
        if not _is_title(t) and not _is_descriptor(t):
            return i
    # Only titles and «ال» words: a name of its own («الكرملين», «الولايات المتحدة») unless it
    # opens with a title («الرئيس الروسي», «رئيس الولايات المتحدة»).
    i = 0
    while i < len(tokens) and _is_title(tokens[i]):
        i += 1
    rest = tokens[i:]
    if not rest or (len(rest) == 1 and (_is_nisba(rest[0]) or (i and _bare(rest[0]).endswith("ي")))):
        return None
    return i


def _name_parts(text: str) -> list[tuple[str, str]]:
    """(the text's own spelling, its light form) of each token that names, titles dropped."""
    pairs = [(raw, _light(raw)) for raw in text.split()]
    pairs = [(raw, light.split()[0]) for raw, light in pairs if light]  # a lone dash is no token
    start = _name_start([light for _, light in pairs])
    if start is None:
        return []
    rest = pairs[start:]
    if start and len(rest) == 1 and _is_nisba(rest[0][1]):
        return []
    return rest


def name_tokens(text: str) -> tuple[str, ...]:
    """The normalised tokens that name someone in ``text`` (titles and descriptors dropped; a capital
    as its country); () for none."""
    tokens = tuple(light.translate(_LETTERS) for _, light in _name_parts(text))
    if len(tokens) == 1:
        return _CAPITALS.get(tokens[0]) or _CAPITALS.get(_bare(tokens[0])) or tokens
    return _CAPITALS.get(" ".join(tokens), tokens)


def _display_name(text: str) -> str:
    """The span's own spelling with the leading titles and descriptors dropped."""
    parts = _name_parts(text)
    return " ".join(raw for raw, _ in parts).strip("«»\"'،,.:؛;()[]") if parts else text.strip()


def same_name(a: str | tuple, b: str | tuple) -> bool:
    """Whether two names (texts, or :func:`name_tokens`) name the same one: last tokens match (and
    the first ones too where both have two or more), or the tokens of one are all among the other's."""
    return _same_tokens(name_tokens(a) if isinstance(a, str) else tuple(a),
                        name_tokens(b) if isinstance(b, str) else tuple(b))


@functools.lru_cache(maxsize=65536)
def _same_tokens(ta: tuple, tb: tuple) -> bool:
    # Cached: an archive names the same few people over and over.
    if not ta or not tb:
        return False
    if _tok_eq(ta[-1], tb[-1]) and (len(ta) == 1 or len(tb) == 1 or _tok_eq(ta[0], tb[0])):
        return True
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return all(any(_tok_eq(s, t) for t in long_) for s in short)


# --- values ----------------------------------------------------------------------------------------

_WEEKDAY = re.compile(r"(\d{4}|XXXX)-W(\d{2}|XX)-(\d)")
_WEEK = re.compile(r"(\d{4}|XXXX)-W(\d{2})")
_CALENDAR = re.compile(r"(\d{4}|XXXX)(?:-(\d{2}|XX)(?:-(\d{2}|XX))?)?")
_UNCONSTRAINING_MODS = {"BEFORE", "AFTER", "ON_OR_BEFORE", "ON_OR_AFTER"}


def _known(part: str | None) -> int | None:
    return None if part is None or "X" in part else int(part)


def _strings(value, mod) -> tuple[str | None, str | None]:
    """A value and mod as the cached parsers take them: anything but a string is no value."""
    return (value if isinstance(value, str) else None, mod if isinstance(mod, str) else None)


@functools.lru_cache(maxsize=65536)
def _parse_date(value: str | None, mod: str | None = None):
    """("cal", y, m, d) | ("weekday", y, w, dow) | ("week", y, w) | ("doc", value) | None."""
    if not isinstance(value, str) or not value or mod in _UNCONSTRAINING_MODS:
        return None
    day = value.split("T", 1)[0]
    if day.startswith("DOC"):
        return ("doc", day)
    if m := _WEEKDAY.fullmatch(day):
        return ("weekday", _known(m[1]), _known(m[2]), int(m[3]))
    if m := _WEEK.fullmatch(day):
        return ("week", _known(m[1]), _known(m[2]))
    if m := _CALENDAR.fullmatch(day):
        return ("cal", _known(m[1]), _known(m[2]), _known(m[3]))
    return None


def _full_date(parsed) -> _dt.date | None:
    if parsed and parsed[0] == "cal" and None not in parsed[1:]:
        with contextlib.suppress(ValueError):
            return _dt.date(*parsed[1:])
    return None


def _agree(*pairs) -> bool:
    return all(a is None or b is None or a == b for a, b in pairs)


def dates_compatible(a: str | None, b: str | None, *, mod_a: str | None = None, mod_b: str | None = None,
                     same_document: bool = True) -> bool:
    """Whether two time values (values-format.md) can name the same day, as far as both are known."""
    pa, pb = _parse_date(*_strings(a, mod_a)), _parse_date(*_strings(b, mod_b))
    if pa is None or pb is None:
        return True
    if pa[0] == "doc" or pb[0] == "doc":
        # An offset from an unknown document date says nothing outside its document.
        return pa == pb if (pa[0] == pb[0] == "doc" and same_document) else True
    if pa[0] == "cal" and pb[0] == "cal":
        return _agree(*zip(pa[1:], pb[1:]))
    if pa[0] == "cal":
        pa, pb = pb, pa  # the calendar date, if any, second
    full = _full_date(pb)
    if pb[0] == "cal":
        if full is None:
            return _agree((pa[1], pb[1]))
        year, week, dow = full.isocalendar()
        return _agree((pa[1], year), (pa[2], week), *(((pa[3], dow),) if pa[0] == "weekday" else ()))
    if pa[0] == "weekday" and pb[0] == "weekday":
        return _agree(*zip(pa[1:], pb[1:]))
    return _agree((pa[1], pb[1]), (pa[2], pb[2]))  # weeks, or a week and a weekday


def _date_rank(value: str | None, mod: str | None) -> float:
    """How much a time value says, to pick a record's date: a full date above a month, ... ."""
    parsed = _parse_date(*_strings(value, mod))
    if parsed is None:
        return -1.0 if value else -2.0
    kind = parsed[0]
    if kind == "doc":
        return 1.0
    if kind == "weekday":
        return 2.0 + (parsed[1] is not None)
    if kind == "week":
        return 3.5
    y, m, d = parsed[1:]
    rank = {(1, 1, 1): 5.0, (1, 1, 0): 4.0, (1, 0, 0): 3.0, (0, 1, 1): 2.5, (0, 1, 0): 1.5}.get(
        (y is not None, m is not None, d is not None), 0.0)
    return rank + (0.5 if "T" in value else 0.0) - (0.25 if mod else 0.0)


_DURATION = re.compile(r"P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
                       r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?")
_MINUTES = (525600, 43200, 10080, 1440, 60, 1, 1 / 60)


def _duration_minutes(value: str | None) -> float | None:
    if not isinstance(value, str) or not (m := _DURATION.fullmatch(value)) or not any(m.groups()):
        return None
    return sum(float(g) * k for g, k in zip(m.groups(), _MINUTES) if g)


@functools.lru_cache(maxsize=65536)
def _interval(value: str | None, mod: str | None) -> tuple[float, float] | None:
    v = _duration_minutes(value)
    if v is None:
        return None
    return {"APPROX": (0.8 * v, 1.2 * v), "MORE_THAN": (v + 1e-9, float("inf")), "EQUAL_OR_MORE": (v, float("inf")),
            "LESS_THAN": (0.0, v - 1e-9), "EQUAL_OR_LESS": (0.0, v)}.get(mod or "", (v, v))


def durations_compatible(a: str | None, b: str | None, *, mod_a: str | None = None, mod_b: str | None = None) -> bool:
    """Whether two duration values can measure the same event: one is missing, or their intervals
    meet (an exact value is a point, APPROX ±20 %, MORE_THAN an open ray, ...)."""
    ia, ib = _interval(*_strings(a, mod_a)), _interval(*_strings(b, mod_b))
    if ia is None or ib is None:
        return True
    return max(ia[0], ib[0]) <= min(ia[1], ib[1]) + 1e-9


# --- reading tagged documents -----------------------------------------------------------------------


def _int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_span(span, where: str) -> None:
    if not isinstance(span, Mapping):
        raise ValueError(f"{where}: expected an object, got {type(span).__name__}")
    if not (_int(span.get("start")) and _int(span.get("end"))) or not 0 <= span["start"] < span["end"]:
        raise ValueError(f"{where}: 'start' and 'end' must be ints with 0 <= start < end, got "
                         f"{span.get('start')!r} and {span.get('end')!r}")
    if "text" in span and not isinstance(span["text"], str):
        raise ValueError(f"{where}.text: expected a string")


def check_document(doc, where: str) -> None:
    """Raise ``ValueError`` naming ``where`` and the key when ``doc`` is not a tagged document."""
    if not isinstance(doc, Mapping):
        raise ValueError(f"{where}: expected a JSON object (a tagged document), got {type(doc).__name__}")
    if "text" in doc and not isinstance(doc["text"], str):
        raise ValueError(f"{where}: 'text' must be a string")
    events = doc.get("events", [])
    if not isinstance(events, list):
        raise ValueError(f"{where}: 'events' must be a list")
    text = doc.get("text")
    for i, ev in enumerate(events):
        w = f"{where}: events[{i}]"
        if not isinstance(ev, Mapping) or not isinstance(ev.get("type"), str) or "trigger" not in ev:
            raise ValueError(f"{w}: expected an object with a string 'type' and a 'trigger'")
        _check_span(ev["trigger"], f"{w}.trigger")
        args = ev.get("arguments", [])
        if not isinstance(args, list):
            raise ValueError(f"{w}.arguments: must be a list")
        for j, a in enumerate(args):
            _check_span(a, f"{w}.arguments[{j}]")
            if not isinstance(a.get("role"), str):
                raise ValueError(f"{w}.arguments[{j}]: missing a string 'role'")
        if text is not None:
            for name, span in [("trigger", ev["trigger"]), *((f"arguments[{j}]", a) for j, a in enumerate(args))]:
                if span["end"] > len(text) or ("text" in span and text[span["start"]:span["end"]] != span["text"]):
                    raise ValueError(f"{w}.{name}: offsets {span['start']}-{span['end']} do not hold its text "
                                     f"{span.get('text')!r} in the document's text")
    dd = doc.get("document_date")
    if dd is not None and not (isinstance(dd, Mapping) and (dd.get("value") is None or isinstance(dd.get("value"), str))):
        raise ValueError(f"{where}: 'document_date' must be an object with a string or null 'value'")


def read_tagged(path: str | Path, *, text_root: str | Path | None = None) -> Iterator[dict]:
    """Tagged documents from a JSON Lines file, one at a time; a broken line raises ``ValueError``
    naming ``path:line``. With ``text_root``, a line without ``"text"`` gets the text of the file
    ``text_root/DOCUMENT`` where there is one (``predict FILE...`` names documents by their paths)."""
    path = Path(path)
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file (a JSON Lines file that `arabic-news-tagger predict` wrote)") from None
    with f:
        for n, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ValueError(f"{path}:{n}: not UTF-8 ({e.reason} at byte {e.start} of the line)") from None
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{n}: not JSON ({e.msg} at column {e.colno})") from None
            if text_root is not None and isinstance(doc, dict) and "text" not in doc and isinstance(doc.get("document"), str):
                source = Path(text_root) / doc["document"]
                if source.is_file():
                    doc["text"] = source.read_text(encoding="utf-8")
            check_document(doc, f"{path}:{n}")
            yield doc


# --- mentions ----------------------------------------------------------------------------------------

_ISO_DAY = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def _document_date(doc: Mapping) -> str | None:
    dd = doc.get("document_date")
    value = dd.get("value") if isinstance(dd, Mapping) else None
    if value is None and isinstance(doc.get("date"), str):
        value = doc["date"]  # an archive row's own date
    return value if isinstance(value, str) and _ISO_DAY.match(value) else None


def _arg_record(a: Mapping, text: str | None) -> dict:
    surface = a.get("text", text[a["start"]:a["end"]] if isinstance(text, str) else "")
    # brat numbers repeated roles (Participant2); a record counts them as one role.
    out = {"role": re.sub(r"\d+$", "", a["role"]), "text": surface, "start": a["start"], "end": a["end"]}
    for key in ("value", "mod", "value_max", "hijri"):
        if a.get(key) is not None:
            out[key] = a[key]
    return out


def _conjoined(args: list[dict], text: str | None) -> list[dict]:
    """Name «وترامب» as «ترامب» where the «و» is «and» joining it to the argument before it
    («بوتين وترامب»): the span keeps its text, the record shows the name."""
    ends = sorted(a["end"] for a in args)
    for a in args:
        t = a["text"]
        if not (t.startswith("و") and len(t) >= 4):
            continue
        before = [e for e in ends if e <= a["start"]]
        if before and (text[before[-1]:a["start"]].strip() == "" if isinstance(text, str)
                       else a["start"] - before[-1] <= 1):
            a["name"] = t[1:]
    return args


def _with_values(doc: Mapping) -> Mapping:
    """``doc`` with values on its spans: as it is where it has them (a ``document_date`` says the
    values module has seen it), else a copy the values module filled in (output of a tagger that
    predates it), else as it is where that module is not installed."""
    if "document_date" in doc or not doc.get("events"):
        return doc
    try:
        from .model.values import add_values
    except ImportError:
        return doc
    copy = {**doc, "events": json.loads(json.dumps(doc["events"])), "entities": []}
    date = doc.get("date") if isinstance(doc.get("date"), str) and _ISO_DAY.fullmatch(doc["date"]) else None
    return add_values(copy, date, text=doc.get("text"))


def _mentions(doc: Mapping, position: int) -> list[dict]:
    """The event mentions of one document, in text order, as plain dicts (they may be spilled to disk)."""
    doc = _with_values(doc)
    doc_id = str(doc.get("document", doc.get("id", f"#{position}")))
    text = doc.get("text")
    sentences = None
    if isinstance(text, str):
        from .data.segment import sentences as segment

        sentences = segment(text)
    ddate = _document_date(doc)
    named = [e for e in doc.get("entities") or [] if isinstance(e, Mapping) and e.get("type") == "EVENT"
             and isinstance(e.get("start"), int) and isinstance(e.get("end"), int)]
    words = _Words(normalize_name(text).split()) if isinstance(text, str) else None
    out = []
    for k, ev in enumerate(doc.get("events") or []):
        trig = ev["trigger"]
        m = {"document": doc_id, "position": position, "event": k, "type": ev["type"],
             "start": trig["start"], "end": trig["end"],
             "text": trig.get("text", text[trig["start"]:trig["end"]] if isinstance(text, str) else ""),
             "arguments": _conjoined([_arg_record(a, text) for a in ev.get("arguments") or []], text)}
        # «الحرب» inside the named event «الحرب العالمية الثانية» is that event, not the article's war.
        name = next((e for e in named if e["start"] <= trig["start"] and trig["end"] <= e["end"]
                     and e["end"] - e["start"] > trig["end"] - trig["start"]), None)
        if name is not None:
            m["event_name"] = str(name.get("text") or (text[name["start"]:name["end"]] if isinstance(text, str) else ""))
        if words is not None and (leads := _leaders(words, m["arguments"])):
            m["leads"] = leads
        if ddate:
            m["document_date"] = ddate
        if sentences is not None:
            i = next((i for i, (s, e) in enumerate(sentences) if s <= trig["start"] < e), None)
            if i is not None:
                m["sentence_index"] = i
                m["sentence"] = text[sentences[i][0]:sentences[i][1]]
        out.append(m)
    out.sort(key=lambda m: (m["start"], m["end"]))
    return out


class _Words(list):
    """A document's :func:`normalize_name` tokens, with where each one (and its bare form) occurs
    and the countries already found for a name: each name is looked up once per document."""

    def __init__(self, words: list[str]):
        super().__init__(words)
        self.at: dict[str, list[int]] = {}
        for i, w in enumerate(words):
            for key in {w, _bare(w)}:
                self.at.setdefault(key, []).append(i)
        self.leads: dict[tuple, str | None] = {}

    def positions(self, token: str) -> list[int]:
        found = {i for key in {token, _bare(token)} for i in self.at.get(key, ())}
        return sorted(i for i in found if _tok_eq(self[i], token))


def _leaders(words: "_Words", arguments: list[dict]) -> list[list[str]]:
    """[name, country] for each participant the text introduces as a head of its country
    («الرئيس الروسي فلاديمير بوتين», «نظيره الأمريكي دونالد ترامب», «الرئيس (الأوكراني) زيلينسكي»),
    anywhere in the document; ``words`` are the text's :func:`normalize_name` tokens."""
    out = []
    for a in arguments:
        if ROLE_FIELDS.get(a["role"]) != "participants":
            continue
        name = a.get("name", a["text"])
        tokens = name_tokens(name)
        if not tokens or tokens in _COUNTRY_TOKENS:
            continue  # «روسيا» leads nothing: it is the country
        if tokens not in words.leads:
            words.leads[tokens] = _country_led(words, tokens)
        if words.leads[tokens]:
            out.append([name, words.leads[tokens]])
    return out


def _country_led(words: "_Words", tokens: tuple) -> str | None:
    """The one country the text says the bearer of the name ``tokens`` heads, else None."""
    countries = set()
    for i in words.positions(tokens[-1]):
        j = i - 1
        skipped = 0  # first names («فلاديمير», «دونالد») between the nisba and the family name
        while (j >= 1 and skipped < 2 and _nisba_country(words[j]) is None and not _is_title(words[j])
               and len(words[j]) > 2 and not words[j].startswith("ال") and words[j] not in _PARTICLES):
            j -= 1
            skipped += 1
        country = _nisba_country(words[j]) if j >= 1 else None
        if country and (words[j - 1] in _HEAD_TITLES or _bare(words[j - 1]) in _HEAD_TITLES):
            countries.add(country)
    return countries.pop() if len(countries) == 1 else None  # said to lead two countries: neither here


def _nisba_country(word: str) -> str | None:
    """The country a normalised nisba names («الروسي», «الروسيه» → «روسيا»), else None."""
    word = word[2:] if word.startswith("ال") else word
    return _NISBA_COUNTRY.get(word[:-1] if word.endswith("يه") else word)


def _names(m: dict) -> list[tuple[str, tuple]]:
    out = []
    for a in m["arguments"]:
        name = a.get("name", a["text"])
        if ROLE_FIELDS.get(a["role"]) == "participants" and (tokens := name_tokens(name)):
            out.append((name, tokens))
    return out


def _is_war(mention: Mapping) -> bool:
    """Whether an ATTACK mention names a war («الحرب», «للنزاع», «الصراع»), not one attack in it."""
    if mention.get("type") != "ATTACK":
        return False
    words = _light(str(mention.get("text", ""))).translate(_LETTERS).split()
    if len(words) != 1:
        return False
    w = words[0]
    for form in (w, w[1:] if w[:1] in "وفبلك" else w):
        for bare in (form, form[2:] if form.startswith("ال") else form, form[1:] if form.startswith("ل") else form):
            if bare in _WAR_NOUN_FORMS:
                return True
    return False


def _places(m: dict) -> list[tuple]:
    """The named places of a mention («أوكرانيا», «كييف» as «أوكرانيا»)."""
    return [t for a in m["arguments"] if a["role"] == "Place" and (t := name_tokens(a["text"]))]


def _best(m: dict, role: str) -> dict | None:
    """The argument of ``role`` that says most (time: the most specific; else the first with a value)."""
    args = [a for a in m["arguments"] if a["role"] == role]
    if not args:
        return None
    if role == "Time":
        return max(args, key=lambda a: _date_rank(a.get("value"), a.get("mod")))
    return next((a for a in args if a.get("value") is not None), args[0])


# --- clustering --------------------------------------------------------------------------------------


def _party_match(a: tuple, country_a: tuple | None, b: tuple, country_b: tuple | None) -> bool:
    """Whether two participant names are one side: the same name, or a leader and the country the
    text says they lead (never two leaders of one country: they are two people)."""
    if _same_tokens(a, b):
        return True
    return bool((country_a and country_b is None and _same_tokens(country_a, b))
                or (country_b and country_a is None and _same_tokens(a, country_b)))


def _fits(m: dict, x: dict) -> bool:
    """Whether two mentions' dates and durations can be one event's."""
    if m["_war"] != x["_war"]:
        return False  # a war and an attack in it are two events (VALUES.md B.3)
    if m["_event"] and x["_event"] and not _same_tokens(m["_event"], x["_event"]):
        return False  # two named events («الحرب العالمية الثانية», «حرب أوكرانيا»)
    if m["_places"] and x["_places"] and not any(same_name(a, b) for a in m["_places"] for b in x["_places"]):
        return False  # the same place where one is given (B.1)
    t, xt, d, xd = m["_time"], x["_time"], m["_duration"], x["_duration"]
    if t and xt and not dates_compatible(t.get("value"), xt.get("value"), mod_a=t.get("mod"), mod_b=xt.get("mod"),
                                         same_document=x["position"] == m["position"]):
        return False
    return not (d and xd and not durations_compatible(d.get("value"), xd.get("value"), mod_a=d.get("mod"),
                                                      mod_b=xd.get("mod")))


class _Record:
    __slots__ = ("type", "mentions", "names", "countries", "documents", "event_names")

    def __init__(self, mention: dict):
        self.type = mention["type"]
        self.mentions: list[dict] = []
        self.names: list[tuple] = []  # one per person, the first form seen
        self.countries: dict[tuple, tuple] = {}  # a name -> the country its bearer leads
        self.documents: set[int] = set()
        self.event_names: list[tuple] = []
        self.add(mention)

    def shared_names(self, names: list[tuple], countries: Mapping[tuple, tuple]) -> int | None:
        """How many of ``names`` (one per person) the record has, where that is enough to link:
        at least min(2, theirs, the record's), and at least one by name or two through the countries
        their leaders lead (one side alone, «ترامب» for «واشنطن», is too little); else None."""
        direct = sum(1 for n in names if any(_same_tokens(n, r) for r in self.names))
        shared = sum(1 for n in names if any(_party_match(n, countries.get(n), r, self.countries.get(r))
                                             for r in self.names))
        enough = shared >= min(2, len(names), len(self.names)) and (direct or shared >= 2)
        return shared if shared and enough else None

    def add(self, mention: dict) -> None:
        self.mentions.append(mention)
        countries = mention["_countries"]
        for n in mention["_names"]:
            same = next((g for g in self.names if _party_match(n, countries.get(n), g, self.countries.get(g))), None)
            if same is None:
                self.names.append(n)
                same = n
            if n in countries and same not in self.countries and _same_tokens(n, same):
                self.countries[same] = countries[n]
        if mention["_event"] and mention["_event"] not in self.event_names:
            self.event_names.append(mention["_event"])
        self.documents.add(mention["position"])

    def merge(self, other: "_Record") -> None:
        for m in other.mentions:
            self.add(m)

    def compatible(self, mentions: list[dict]) -> bool:
        return all(_fits(m, x) for m in mentions for x in self.mentions)


def _distinct(names: list[tuple], countries: Mapping[tuple, tuple] | None = None) -> list[tuple]:
    """One name per person («بوتين» and «فلاديمير بوتين» are one; a leader and their country too)."""
    countries = countries or {}
    groups: list[tuple] = []
    for n in names:
        if not any(_party_match(n, countries.get(n), g, countries.get(g)) for g in groups):
            groups.append(n)
    return groups


def _distance(a: dict, b: dict) -> float:
    """Sentences between two mentions of one document (characters / 200 without the text)."""
    if "sentence_index" in a and "sentence_index" in b:
        return abs(a["sentence_index"] - b["sentence_index"])
    return abs(a["start"] - b["start"]) / _CHARS_PER_SENTENCE


def _cluster_document(mentions: list[dict], window: int | None) -> list[_Record]:
    """The records of one document's mentions (module doc, steps 2 and 3)."""
    records: list[_Record] = []
    by_type: dict[str, list[_Record]] = {}

    def new(m):
        r = _Record(m)
        records.append(r)
        by_type.setdefault(m["type"], []).append(r)

    alone: list[dict] = []
    for m in mentions:
        if not m["_names"]:
            alone.append(m)
            continue
        names = _distinct(m["_names"], m["_countries"])
        candidates = [(shared, age, r) for age, r in enumerate(by_type.get(m["type"], ()))
                      if (shared := r.shared_names(names, m["_countries"])) and r.compatible([m])]
        if candidates:
            max(candidates, key=lambda c: c[:2])[2].add(m)
        else:
            new(m)
    for m in alone:
        # A named event («الحرب العالمية الثانية») joins only a record that names it.
        of_type = [r for r in by_type.get(m["type"], [])
                   if not m["_event"] or any(_same_tokens(m["_event"], e) for e in r.event_names)]
        near = [(d, -age, r) for age, r in enumerate(of_type)
                if (d := min(_distance(m, x) for x in r.mentions)) <= (float("inf") if window is None else window)
                and r.compatible([m])]
        named = [r for r in of_type if r.names]
        if near:
            # The event the article is about is the one a bare «المكالمة» or «الحرب» refers back to:
            # the record with the most mentions, the nearest among equals.
            min(near, key=lambda c: (-len(c[2].mentions), c[0], c[1]))[2].add(m)
        elif len(named) == 1 and named[0].compatible([m]):
            named[0].add(m)
        else:
            new(m)
    return records


def _cluster(mentions: list[dict], window: int | None) -> list[_Record]:
    """Records of one block (module doc, steps 2 to 4), in order of their first mention."""
    by_doc: dict[int, list[dict]] = {}
    for m in mentions:
        m["_war"] = _is_war(m)
        m["_places"] = _places(m)
        # A war is known by its sides and where it is fought: its places count as its participants.
        m["_names"] = [t for _, t in _names(m)] + (_distinct(m["_places"]) if m["_war"] else [])
        m["_countries"] = {t: c for name, country in m.get("leads", ()) if (t := name_tokens(name))
                           and (c := name_tokens(country))}
        m["_event"] = tuple(normalize_name(m["event_name"]).split()) if m.get("event_name") else ()
        m["_time"] = _best(m, "Time")
        m["_duration"] = _best(m, "Duration")
        by_doc.setdefault(m["position"], []).append(m)
    records: list[_Record] = []
    # Records with participants by (type, name token): a record shares a name with another only if
    # they share a token (or a token without its proclitic), so only those are compared.
    by_token: dict[tuple[str, str], list[int]] = {}

    def index(i: int, names: list[tuple]) -> None:
        for name in names:
            for t in name + records[i].countries.get(name, ()):
                for key in {t, _bare(t)}:
                    slot = by_token.setdefault((records[i].type, key), [])
                    if not slot or slot[-1] != i:
                        slot.append(i)

    for doc_mentions in by_doc.values():
        for r in _cluster_document(doc_mentions, window):
            hits: dict[int, int] = {}  # record -> how many of r's names share a token with it
            for name in r.names:
                tokens = name + r.countries.get(name, ())
                for i in {i for t in tokens for key in {t, _bare(t)} for i in by_token.get((r.type, key), ())}:
                    hits[i] = hits.get(i, 0) + 1
            candidates = [(shared, i) for i, n in hits.items()
                          if n >= min(2, len(r.names), len(records[i].names)) and not (records[i].documents & r.documents)
                          and (shared := records[i].shared_names(r.names, r.countries))
                          and records[i].compatible(r.mentions)]
            if candidates:
                i = max(candidates)[1]
                before = {n: records[i].countries.get(n) for n in records[i].names}
                records[i].merge(r)
                index(i, [n for n in records[i].names if n not in before or before[n] != records[i].countries.get(n)])
            else:
                records.append(r)
                index(len(records) - 1, r.names)
    return records


def _value_field(arg: dict | None, mention: dict) -> dict | None:
    if arg is None:
        return None
    out = {"value": arg.get("value")}
    for key in ("mod", "value_max", "hijri"):
        if key in arg:
            out[key] = arg[key]
    out.update(text=arg["text"], document=mention["document"], start=arg["start"], end=arg["end"])
    return out


def _texts(pairs: list[tuple[str, dict]]) -> list[str]:
    """Distinct texts (compared normalised), first spelling kept."""
    seen, out = set(), []
    for text, _ in pairs:
        key = normalize_name(text)
        if key and key not in seen:
            seen.add(key)
            out.append(text)
    return out


def _participants(mentions: list[dict]) -> list[str]:
    """One display name per person or body: the fullest form its mentions give."""
    groups: list[list[tuple[str, tuple]]] = []
    for m in mentions:
        for text, tokens in _names(m):
            for g in groups:
                if any(same_name(tokens, t) for _, t in g):
                    g.append((text, tokens))
                    break
            else:
                groups.append([(text, tokens)])
    out = []
    for g in groups:
        forms = [_display_name(text) for text, _ in g]
        # The fullest form; among equals, the one written most often, then the shortest (no clitic).
        out.append(max(forms, key=lambda f: (len(f.split()), forms.count(f), -len(f))))
    return out


def _record_dict(r: _Record, record_id: str) -> dict:
    mentions = sorted(r.mentions, key=lambda m: (m["position"], m["start"]))
    args_by_field: dict[str, list[tuple[str, dict]]] = {}
    arguments = []
    for i, m in enumerate(mentions):
        for a in m["arguments"]:
            arguments.append({**a, "document": m["document"], "mention": i})
            if (field := ROLE_FIELDS.get(a["role"])) is not None:
                args_by_field.setdefault(field, []).append((a.get("name", a["text"]), {**a, "_m": m}))

    def best(role, rank):
        pairs = args_by_field.get(ROLE_FIELDS[role], [])
        if not pairs:
            return None
        a = max((p[1] for p in pairs), key=rank)  # max keeps the first of equals
        return _value_field(a, a["_m"])

    date = best("Time", lambda a: _date_rank(a.get("value"), a.get("mod")))
    duration = best("Duration", lambda a: (a.get("value") is not None, a.get("mod") is None))
    quantity = best("Quantity", lambda a: (a.get("value") is not None, a.get("mod") is None))
    out_mentions = []
    for m in mentions:
        mm = {"document": m["document"], "event": m["event"], "start": m["start"], "end": m["end"], "text": m["text"]}
        if "sentence" in m:
            mm["sentence"] = m["sentence"]
        if "document_date" in m:
            mm["document_date"] = m["document_date"]
        out_mentions.append(mm)
    return {
        "record_id": record_id,
        "type": r.type,
        "date": date,
        "duration": duration,
        "participants": _participants(mentions),
        "place": _texts(args_by_field.get("place", [])),
        "topics": _texts(args_by_field.get("topics", [])),
        "mediator": _texts(args_by_field.get("mediator", [])),
        "themes": _texts(args_by_field.get("themes", [])),
        "quantity": quantity,
        "documents": list(dict.fromkeys(m["document"] for m in mentions)),
        "mentions": out_mentions,
        "arguments": arguments,
    }


def _emit(records: list[_Record], block: str) -> Iterator[dict]:
    counts: dict[str, int] = {}
    for r in records:
        counts[r.type] = counts.get(r.type, 0) + 1
        yield _record_dict(r, f"{r.type.lower()}-{block}-{counts[r.type]}")


# --- blocks ------------------------------------------------------------------------------------------


class _Spill:
    """Mentions of dated blocks, written to one JSON Lines file per block until the input ends."""

    MAX_OPEN = 64

    def __init__(self, directory: str):
        self.directory = Path(directory)
        self.files: dict[tuple[str, str], Path] = {}
        self.open: dict[tuple[str, str], object] = {}

    def add(self, key: tuple[str, str], mention: dict) -> None:
        handle = self.open.pop(key, None)
        if handle is None:
            path = self.files.setdefault(key, self.directory / f"block-{len(self.files):06d}.jsonl")
            if len(self.open) >= self.MAX_OPEN:
                self.open.pop(next(iter(self.open))).close()  # the least recently used
            handle = open(path, "a", encoding="utf-8")
        self.open[key] = handle  # most recently used last
        handle.write(json.dumps(mention, ensure_ascii=False) + "\n")

    def blocks(self) -> Iterator[tuple[tuple[str, str], list[dict]]]:
        for handle in self.open.values():
            handle.close()
        self.open.clear()
        for key in sorted(self.files, key=lambda k: (k[1] == LONG_RUNNING, k[1] == "undated", k[1], k[0])):
            with open(self.files[key], encoding="utf-8") as f:
                block = [json.loads(line) for line in f]
            self.files[key].unlink()
            yield key, block

    def close(self) -> None:
        for handle in self.open.values():
            handle.close()
        self.open.clear()


def build_records(documents: Iterable[Mapping], *, undated: str = "alone", window: int | None = DEFAULT_WINDOW,
                  spill_dir: str | Path | None = None, stats: dict | None = None) -> Iterator[dict]:
    """One record per real-world event of ``documents`` (tagged documents, module doc), streamed.

    ``documents`` is read once, in order. A document without a known date is clustered on its own
    and its records come out at once (``undated="alone"``); dated documents' mentions wait in
    temporary files under ``spill_dir`` (default: the system's), one per (type, month) block, and
    each block is clustered and written out after the input ends, months in order. ``undated=
    "together"`` puts the undated documents' mentions in one block per type instead (their records
    come last). ``stats``, if given, receives ``documents``, ``mentions``, ``records`` and
    ``largest_block`` (mentions held at once).
    """
    if undated not in ("alone", "together"):
        raise ValueError(f"undated: expected 'alone' or 'together', got {undated!r}")
    if window is not None and (not _int(window) or window < 0):
        raise ValueError(f"window: expected None or a non-negative int, got {window!r}")
    stats = stats if stats is not None else {}
    stats.update(documents=0, mentions=0, records=0, largest_block=0)
    with tempfile.TemporaryDirectory(prefix="records-", dir=spill_dir) as tmp:
        spill = _Spill(tmp)
        try:
            for position, doc in enumerate(documents, 1):
                where = f"document {doc.get('document', f'#{position}')!r}" if isinstance(doc, Mapping) else f"document #{position}"
                check_document(doc, where)
                stats["documents"] += 1
                mentions = _mentions(doc, position)
                stats["mentions"] += len(mentions)
                # The date the values module found (a dateline) where the line gave none.
                month = mentions[0].get("document_date", "")[:7] or None if mentions else None
                # Wars are compared across every date, in one block per type kept until the input ends.
                for m in [m for m in mentions if _is_war(m)]:
                    spill.add((m["type"], LONG_RUNNING), m)
                mentions = [m for m in mentions if not _is_war(m)]
                if month is None and undated == "alone":
                    stats["largest_block"] = max(stats["largest_block"], len(mentions))
                    for record in _emit(_cluster(mentions, window), f"doc{position}"):
                        stats["records"] += 1
                        yield record
                    continue
                for m in mentions:
                    spill.add((m["type"], month or "undated"), m)
            for (_, block), mentions in spill.blocks():
                stats["largest_block"] = max(stats["largest_block"], len(mentions))
                for record in _emit(_cluster(mentions, window), block):
                    stats["records"] += 1
                    yield record
        finally:
            spill.close()


def mention_clusters(records: Iterable[Mapping]) -> list[frozenset]:
    """The records as clusters of mention keys ``(document, start, end, type)``, the form
    ``evaluate.clustering.pairwise`` and ``bcubed`` score against the event-coreference gold."""
    return [frozenset((m["document"], m["start"], m["end"], r["type"]) for m in r["mentions"]) for r in records]


# --- writing -----------------------------------------------------------------------------------------

#: Columns of the CSV and Parquet forms, in order; list and object fields are JSON in the CSV.
FLAT_COLUMNS = ("record_id", "type", "date", "date_mod", "date_text", "duration", "duration_mod", "duration_text",
                "participants", "place", "topics", "mediator", "themes", "quantity", "quantity_text", "documents",
                "mentions", "arguments")
_LIST_COLUMNS = ("participants", "place", "topics", "mediator", "themes", "documents")


def record_rows(record: Mapping) -> dict:
    """A record as one flat row (FLAT_COLUMNS): values as strings, lists as lists, mentions and
    arguments as JSON text."""
    row: dict = {"record_id": record["record_id"], "type": record["type"]}
    for field in ("date", "duration", "quantity"):
        v = record.get(field) or {}
        value = v.get("value")
        row[field] = None if value is None else str(value)
        if field != "quantity":
            row[f"{field}_mod"] = v.get("mod")
        row[f"{field}_text"] = v.get("text")
    for field in _LIST_COLUMNS:
        row[field] = list(record.get(field) or [])
    row["mentions"] = json.dumps(record.get("mentions") or [], ensure_ascii=False)
    row["arguments"] = json.dumps(record.get("arguments") or [], ensure_ascii=False)
    return {c: row.get(c) for c in FLAT_COLUMNS}


def _output_kind(output: str | Path) -> str:
    kind = Path(output).suffix.lower()
    if kind not in (".jsonl", ".csv", ".parquet"):
        raise ValueError(f"{output}: name the output .jsonl, .csv or .parquet (the format follows the suffix)")
    return kind


def write_records(records: Iterable[Mapping], output: str | Path, *, batch: int = 1000) -> int:
    """Write ``records`` to ``output`` as it is named: ``.jsonl`` (one record per line, as built),
    ``.csv`` (FLAT_COLUMNS; lists and objects JSON-encoded) or ``.parquet`` (FLAT_COLUMNS; lists as
    list<string>), streaming, whole or not at all. Returns how many were written."""
    output = Path(output)
    kind = _output_kind(output)
    n = 0
    with atomic_output(output) as tmp:
        if kind == ".jsonl":
            with open(tmp, "w", encoding="utf-8") as f:
                for r in records:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
                    n += 1
        elif kind == ".csv":
            import csv

            with open(tmp, "w", encoding="utf-8", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(FLAT_COLUMNS)
                for r in records:
                    row = record_rows(r)
                    writer.writerow([json.dumps(row[c], ensure_ascii=False) if c in _LIST_COLUMNS
                                     else ("" if row[c] is None else row[c]) for c in FLAT_COLUMNS])
                    n += 1
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            schema = pa.schema([(c, pa.list_(pa.string()) if c in _LIST_COLUMNS else pa.string()) for c in FLAT_COLUMNS])
            with pq.ParquetWriter(tmp, schema) as writer:
                rows: list[dict] = []
                for r in records:
                    rows.append(record_rows(r))
                    n += 1
                    if len(rows) >= batch:
                        writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                        rows = []
                if rows or n == 0:
                    writer.write_table(pa.Table.from_pylist(rows, schema=schema))
    return n


# --- the command ---------------------------------------------------------------------------------------


def format_record(record: Mapping, sentence_chars: int = 110) -> str:
    """A record as a few lines to read: its id, type, date, duration and participants, then each
    mention (document, offsets, trigger, and its sentence where known)."""

    def value(field):
        v = record.get(field)
        if not v:
            return "-"
        shown = " ".join(str(x) for x in (v.get("value"), v.get("mod")) if x is not None)
        return f"{shown} «{v['text']}»" if shown else f"«{v['text']}»"

    head = (f"{record['record_id']}  {record['type']}  date: {value('date')}  duration: {value('duration')}  "
            f"participants: {'، '.join(record['participants']) or '-'}")
    extra = [f"{name}: {'، '.join(record[name])}" for name in ("topics", "place", "mediator", "themes") if record.get(name)]
    if record.get("quantity"):
        extra.append(f"quantity: {value('quantity')}")
    lines = [head] + ([f"    {'; '.join(extra)}"] if extra else [])
    for m in record["mentions"]:
        sentence = m.get("sentence")
        if sentence and len(sentence) > sentence_chars:
            sentence = sentence[:sentence_chars - 1] + "…"
        lines.append(f"    {m['document']} {m['start']}-{m['end']} «{m['text']}»" + (f": {sentence}" if sentence else ""))
    return "\n".join(lines)


def add_parser(subparsers):
    """The ``records`` subcommand, for ``cli.build_parser``."""
    p = subparsers.add_parser("records", help="group the event mentions of tagged documents into one record per "
                              "real-world event (docs/records.md)")
    p.add_argument("--input", required=True, metavar="TAGGED_JSONL", help="what `arabic-news-tagger predict` wrote")
    p.add_argument("--output", metavar="FILE",
                   help="records.jsonl, records.csv or records.parquet (the format follows the suffix); "
                        "without it the records are printed to read")
    p.add_argument("--type", action="append", default=[], metavar="TYPE", dest="types",
                   help="keep only records of this event type (repeatable): --type CALL --type MEET")
    p.add_argument("--undated", choices=("alone", "together"), default="alone",
                   help="documents without a known date: grouped each on its own (default) or all together, "
                        "per event type (held in memory at once)")
    p.add_argument("--text-root", metavar="DIR",
                   help="read each document's text from DIR/DOCUMENT where the line has none, so that every "
                        "mention carries its sentence (`predict FILE...` names documents by their paths: try .)")
    p.add_argument("--window", type=int, default=DEFAULT_WINDOW, metavar="N",
                   help="sentences either side within which a mention without participants joins a record "
                        "(default: any distance in its document, the nearest record)")
    p.set_defaults(func=main)
    return p


def main(args) -> int:
    import sys

    if args.output:
        _output_kind(args.output)  # a wrong suffix fails before any input is read
    stats: dict = {}
    records = build_records(read_tagged(args.input, text_root=args.text_root), undated=args.undated,
                            window=args.window, stats=stats)
    if args.types:
        records = (r for r in records if r["type"] in args.types)
    if args.output:
        written = write_records(records, args.output)
    else:
        written = 0
        for r in records:
            print(format_record(r) + "\n", flush=True)
            written += 1
    kept = f" of types {', '.join(args.types)}" if args.types else ""
    print(f"records: {stats['mentions']} event mentions in {stats['documents']} documents -> {stats['records']} records"
          f"{f'; {written} written' + kept if args.types else ''} ({args.output or 'standard output'}; "
          f"largest block {stats['largest_block']} mentions)", file=sys.stderr)
    return 0
