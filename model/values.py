"""Values for the spans that have one: times, durations and quantities, read from the span's text.

    >>> from arabic_news_tagger.model.values import value_of
    >>> value_of("duration", "أكثر من ساعة ونصف")
    {'value': 'PT1H30M', 'mod': 'MORE_THAN'}
    >>> value_of("time", "اليوم الثلاثاء", document_date="2025-03-18")
    {'value': '2025-03-18'}
    >>> value_of("time", "اليوم الثلاثاء")
    {'value': 'XXXX-WXX-2'}
    >>> value_of("quantity", "175 أسيرا")
    {'value': 175}

The format is pinned in docs/values.md: ISO 8601 / TimeML TIMEX3 strings for times, ISO 8601
durations, JSON numbers for quantities, each with an optional ``mod`` (and ``hijri``, ``value_max``).
Nothing here needs a model: the functions read words and digits, and return None where the text
says nothing a value could carry. They never raise on text, whatever it holds.

How it reads: the text is normalised (Arabic-Indic and Eastern digits to ASCII, diacritics and
tatweel dropped, the alef/ya/ta-marbuta spellings folded), cut into words and numbers, and each
word is looked up with its clitics peeled off in turn («وبالأمس» → «أمس»). Multi-word names («كانون
الثاني», «ربيع الأول», «أمس الأول», «ما لا يقل عن») are merged first. Then one reader per kind looks
for what it needs (a year, a month, a day, a weekday, a count and its unit, ...) and writes the
value at the precision the text gives.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction

from ..data.letters import EASTERN_DIGITS, MATCHING
from ..data.segment import INVISIBLE_MARKS

__all__ = ["time_value", "duration_value", "quantity_value", "value_of", "find_dateline", "add_values",
           "parse_document_date", "document_dates", "stream_dates", "KIND_OF_ENTITY", "KIND_OF_ROLE"]

#: Which spans get a value, and of what kind: entity types and argument roles.
KIND_OF_ENTITY = {"DATE": "time", "TIME": "time", "CARDINAL": "quantity"}
KIND_OF_ROLE = {"Time": "time", "Duration": "duration", "Quantity": "quantity"}

# --- normalisation ----------------------------------------------------------------------------------

_DIGITS = {**EASTERN_DIGITS, **str.maketrans("٫٬٪", ".,%")}  # and the Arabic decimal, thousands and percent signs
# Diacritics and tatweel beside the one class of invisible marks the segmenter strips.
_MARKS = re.compile(f"[\u064b-\u065f\u0670\u0640{INVISIBLE_MARKS}]")
_TOKEN = re.compile(r"\d+(?:[.:]\d+)?|[^\W\d_]+|[%/()\-–—]")


def _norm(s: str) -> str:
    return _MARKS.sub("", s.translate(_DIGITS)).translate(MATCHING).lower()


def _prepare(text: str, kind: str) -> str:
    s = _norm(text)
    # Older news-wire typesetting writes «94ر6» for 6.94 (the Arabic decimal sign, digits in visual
    # order): the fraction first. In a time, «30ر8» is 8:30.
    def ra(m):
        frac, whole = m[1], m[2]
        if kind == "time" and len(frac) == 2 and int(frac) < 60 and int(whole) <= 24:
            return f"{whole}:{frac}"
        return f"{whole}.{frac}"

    s = re.sub(r"(\d+)ر(\d+)", ra, s)
    # Digit groups: «1,500», «10 ، 000», «1.500.000».
    s = re.sub(r"(?<=\d)\s*[،,]\s*(?=\d{3}(?!\d))", "", s)
    s = re.sub(r"(?<![\d.])\d{1,3}(?:\.\d{3})+(?![\d.])", lambda m: m[0].replace(".", ""), s)  # «1.500»
    s = re.sub(r"(?<=\d),(?=\d{1,2}(?!\d))", ".", s)  # «2,5»: a decimal comma
    # Letters and digits written together: «العام1980», «5مليون», «في16».
    s = re.sub(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)", " ", s)
    return s


# --- the lexicon ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    cat: str            # what the word is: num, ord, month, hmonth, weekday, unit, rel, dir, pod, mod, ...
    value: object = None
    form: str = ""      # sing / dual / plural for units and scales; fem for ordinals


_LEX: dict[str, list[Entry]] = {}
_PHRASES: dict[tuple[str, ...], list[Entry]] = {}


def _add(words, entry: Entry) -> None:
    for w in words.split():
        if "_" in w:
            _PHRASES.setdefault(tuple(_norm(p) for p in w.split("_")), []).append(entry)
        else:
            _LEX.setdefault(_norm(w), []).append(entry)


def _build_lexicon() -> None:
    units = {
        0: "صفر",
        1: "واحد واحدة واحدا واحده أحد احد إحدى احدى",
        2: "اثنان اثنين اثنتان اثنتين اثنا اثنتا ثنتين ثنتان",
        3: "ثلاث ثلاثة", 4: "أربع أربعة", 5: "خمس خمسة", 6: "ست ستة", 7: "سبع سبعة",
        8: "ثمان ثماني ثمانية", 9: "تسع تسعة",
    }
    for v, words in units.items():
        _add(words, Entry("num", v, "unit"))
    _add("عشر عشرة", Entry("num", 10, "ten"))
    tens = {20: "عشرون عشرين", 30: "ثلاثون ثلاثين", 40: "أربعون أربعين", 50: "خمسون خمسين", 60: "ستون ستين",
            70: "سبعون سبعين", 80: "ثمانون ثمانين", 90: "تسعون تسعين"}
    for v, words in tens.items():
        _add(words, Entry("num", v, "tens"))
    _add("مائة مئة ماية مائه مئه", Entry("num", 100, "hundred"))
    _add("مئتان مئتين مائتان مائتين مائتا مئتا مائتي مئتي", Entry("num", 200, "hundreds"))
    for v, stem in {3: "ثلاث", 4: "أربع", 5: "خمس", 6: "ست", 7: "سبع", 8: "ثمان ثماني", 9: "تسع"}.items():
        for s in stem.split():
            _add(f"{s}مائة {s}مئة", Entry("num", v * 100, "hundreds"))
    for scale, sing, dual, plural in ((1000, "ألف ألفا", "ألفين ألفان ألفي", "آلاف ألوف"),
                                      (10 ** 6, "مليون مليونا", "مليونين مليونان مليوني", "ملايين"),
                                      (10 ** 9, "مليار مليارا بليون", "مليارين ملياران", "مليارات")):
        _add(sing, Entry("scale", scale, "sing"))
        _add(dual, Entry("scale", scale, "dual"))
        _add(plural, Entry("scale", scale, "plural"))
    _add("نصف", Entry("frac", Fraction(1, 2), "sing"))
    _add("ربع ربعا", Entry("frac", Fraction(1, 4), "sing"))
    _add("ثلث", Entry("frac", Fraction(1, 3), "sing"))
    _add("أعشار", Entry("frac", Fraction(1, 10), "plural"))
    _add("أرباع", Entry("frac", Fraction(1, 4), "plural"))
    _add("أثلاث", Entry("frac", Fraction(1, 3), "plural"))
    # Counts a number cannot be given for: «عشرات», «مئات», «بضعة», «عدة».
    _add("عشرات مئات مئآت بضع بضعة عدة عده بعض", Entry("vague"))

    ordinals = {1: "أول أولى حادي حادية", 2: "ثاني ثانية ثان", 3: "ثالث ثالثة", 4: "رابع رابعة", 5: "خامس خامسة",
                6: "سادس سادسة", 7: "سابع سابعة", 8: "ثامن ثامنة", 9: "تاسع تاسعة", 10: "عاشر عاشرة"}
    for v, words in ordinals.items():
        for w in words.split():
            _add(w, Entry("ord", v, "fem" if w.endswith(("ة", "ى")) else "masc"))

    months = {
        1: "يناير جانفي جانفييه ينير كانون_الثاني كانون_ثاني كانون_ثان",
        2: "فبراير فيفري فبرير شباط",
        3: "مارس آذار",
        4: "أبريل إبريل ابريل أفريل نيسان",
        5: "مايو ماي أيار",
        6: "يونيو يونيه جوان حزيران",
        7: "يوليو يوليه يوليوز جويلية تموز",
        8: "أغسطس اغسطس أغسطش أوت غشت آب",
        9: "سبتمبر شتنبر أيلول",
        10: "أكتوبر اكتوبر تشرين_الأول تشرين_أول",
        11: "نوفمبر نونبر تشرين_الثاني تشرين_ثاني تشرين_ثان",
        12: "ديسمبر دسمبر دجنبر كانون_الأول كانون_أول",
    }
    for m, words in months.items():
        _add(words, Entry("month", m))
    hijri = {
        1: "محرم", 2: "صفر", 3: "ربيع_الأول ربيع_أول", 4: "ربيع_الثاني ربيع_الآخر ربيع_الاخر ربيع_ثاني",
        5: "جمادى_الأولى جمادى_الأول جمادي_الاولى", 6: "جمادى_الآخرة جمادى_الثانية جمادى_الآخر جمادى_الثاني",
        7: "رجب", 8: "شعبان", 9: "رمضان", 10: "شوال", 11: "ذو_القعدة ذي_القعدة", 12: "ذو_الحجة ذي_الحجة",
    }
    for m, words in hijri.items():
        _add(words, Entry("hmonth", m))
    weekdays = {1: "اثنين إثنين", 2: "ثلاثاء", 3: "أربعاء", 4: "خميس", 5: "جمعة", 6: "سبت", 7: "أحد"}
    for n, words in weekdays.items():
        _add(words, Entry("weekday", n))

    unit_words = {
        "S": ("ثانية", "ثانيتين ثانيتان", "ثوان ثواني ثوان"),
        "MIN": ("دقيقة", "دقيقتين دقيقتان", "دقائق"),
        "H": ("ساعة", "ساعتين ساعتان", "ساعات"),
        "D": ("يوم يوما", "يومين يومان", "أيام"),
        "W": ("أسبوع أسبوعا", "أسبوعين أسبوعان", "أسابيع"),
        "MO": ("شهر شهرا", "شهرين شهران", "أشهر شهور"),
        "Y": ("سنة عام عاما سنه", "سنتين سنتان عامين عامان عامي سنتي", "سنوات سنين سنون أعوام"),
        "DE": ("عقد", "عقدين عقدان", "عقود"),
        "CE": ("قرن", "قرنين قرنان", "قرون"),
    }
    for unit, (sing, dual, plural) in unit_words.items():
        _add(sing, Entry("unit", unit, "sing"))
        _add(dual, Entry("unit", unit, "dual"))
        _add(plural, Entry("unit", unit, "plural"))

    _add("اليوم", Entry("rel", 0))
    _add("الليلة_الماضية ليلة_أمس ليلة_امس البارحة_ليلا", Entry("rel", -1, "lastnight"))
    _add("الآن", Entry("rel", 0, "now"))
    _add("أمس البارحة بارحة", Entry("rel", -1))
    _add("غدا غد الغد", Entry("rel", 1))
    _add("أمس_الأول أمس_الاول أول_أمس أول_من_أمس اول_امس امس_الاول", Entry("rel", -2))
    _add("بعد_غد بعد_الغد", Entry("rel", 2))
    _add("الليلة", Entry("rel", 0, "tonight"))

    _add("الماضي الماضية الفائت الفائتة المنصرم المنصرمة السابق المنقضي الماضيين الماضيتين المنصرمين",
         Entry("dir", -1))
    _add("المقبل المقبلة القادم القادمة الآتي الآتية المقبلين القادمين المقبلتين القادمتين", Entry("dir", 1))
    _add("الجاري الجارية الحالي الحالية هذا هذه الحاضر", Entry("dir", 0))

    pods = {"MO": "صباح صباحا الصباح صبيحة صباحي فجر فجرا الفجر ضحى الضحى",
            "AF": "عصر عصرا العصر بعد_الظهر بعد_ظهر عصرية", "EV": "مساء مساءا المساء مسائي عشية مغرب المغرب",
            "NI": "ليل ليلا الليل ليلة ليال", "DT": "نهار نهارا النهار"}
    for code, words in pods.items():
        _add(words, Entry("pod", code))
    _add("منتصف_الليل منتصف_ليل", Entry("pod", "NI", "midnight"))
    _add("ظهر ظهرا الظهر ظهيرة الظهيرة", Entry("pod", "MI", "noon"))

    # Qualifiers of a time (TIMEX3 mod) and of a count or duration.
    _add("مطلع أوائل بداية بدايات مستهل مطالع أول_أيام", Entry("tmod", "START"))
    _add("منتصف أواسط", Entry("tmod", "MID"))
    _add("أواخر نهاية نهايات ختام أواخر", Entry("tmod", "END"))
    _add("نحو حوالي حوالى قرابة زهاء تقريبا نحوا ما_يقارب ما_يناهز يقارب يناهز", Entry("mod", "APPROX"))
    _add("أكثر_من ما_يزيد_عن ما_يزيد_على يزيد_عن يزيد_على أزيد_من ما_يربو_على يربو_على ما_يفوق يفوق",
         Entry("mod", "MORE_THAN"))
    _add("أقل_من ما_يقل_عن يقل_عن دون", Entry("mod", "LESS_THAN"))
    _add("ما_لا_يقل_عن ما_لا_يقل_على لا_يقل_عن لا_تقل_عن على_الأقل", Entry("mod", "EQUAL_OR_MORE"))
    _add("ما_لا_يزيد_عن ما_لا_يزيد_على لا_يزيد_عن لا_يزيد_على لا_تزيد_عن على_الأكثر", Entry("mod", "EQUAL_OR_LESS"))
    _add("قبل", Entry("before"))
    _add("بعد", Entry("after"))
    _add("منذ", Entry("since"))
    _add("حتى لغاية", Entry("until"))
    _add("اعتبارا_من ابتداء_من بدءا_من", Entry("from"))
    _add("إلى الى -", Entry("to"))
    _add("بين", Entry("between"))
    _add("مقابل", Entry("versus"))

    _add("هـ هجري هجرية الهجري الهجرية للهجرة هجرة", Entry("hijri"))
    _add("م ميلادي ميلادية الميلادي الميلادية للميلاد", Entry("ad"))
    _add("ق_م قبل_الميلاد", Entry("bc"))
    _add("في_المائة في_المئة بالمائة بالمئة في_المية %", Entry("percent"))
    decades = {2: "عشرينيات عشرينات", 3: "ثلاثينيات ثلاثينات", 4: "أربعينيات أربعينات", 5: "خمسينيات خمسينات",
               6: "ستينيات ستينات", 7: "سبعينيات سبعينات", 8: "ثمانينيات ثمانينات", 9: "تسعينيات تسعينات"}
    for d, words in decades.items():
        _add(words, Entry("decade", d))
    _add("قرن", Entry("century"))
    _add("ربيع", Entry("season", "SP"))
    _add("صيف", Entry("season", "SU"))
    _add("خريف", Entry("season", "FA"))
    _add("شتاء", Entry("season", "WI"))
    _add("ربع", Entry("quarter"))
    _add("يوم يومي", Entry("dayword"))
    _add("ساعة", Entry("clock"))
    _add("دقيقة", Entry("minute"))
    _add("عام سنة", Entry("yearword"))
    _add("شهر", Entry("monthword"))
    _add("ذلك تلك التالي التالية اللاحق الموالي نفس", Entry("anaphor"))
    # Words that carry nothing for a value, so they do not count as unknown content.
    _add("في من على عن خلال مدة لمدة طوال طيلة و ف ال ما", Entry("filler"))


_build_lexicon()
_LONGEST_PHRASE = max(len(k) for k in _PHRASES)
_CLITICS = ("", "و", "ف")
_PREPS = ("", "ب", "ل", "ك")


@dataclass
class Tok:
    raw: str
    stem: str
    entries: list[Entry] = field(default_factory=list)
    al: bool = False       # «ال» was peeled off
    conj: bool = False     # «و» or «ف» was peeled off
    num: Fraction | None = None   # digits
    clock: tuple[int, int] | None = None

    def get(self, cat: str) -> Entry | None:
        return next((e for e in self.entries if e.cat == cat), None)

    def has(self, *cats: str) -> bool:
        return any(e.cat in cats for e in self.entries)


def _lookup(word: str) -> Tok:
    """The word with the first peeling of its clitics that the lexicon knows."""
    if word in _LEX:
        return Tok(word, word, list(_LEX[word]))
    for c in _CLITICS:
        for p in _PREPS:
            for art in ("", "ال"):
                if not (c or p or art):
                    continue
                prefix = c + p + art
                rest = None
                if word.startswith(prefix) and len(word) - len(prefix) >= 2:
                    rest = word[len(prefix):]
                elif p == "ل" and art and word.startswith(c + "لل") and len(word) - len(c) - 2 >= 2:
                    rest = word[len(c) + 2:]  # ل + ال is written «لل»
                if rest and rest in _LEX:
                    return Tok(word, rest, list(_LEX[rest]), al=bool(art), conj=bool(c))
    return Tok(word, word)


#: Longer text is no span of a time, a length or a count: it gets no value (and costs nothing).
MAX_SPAN_CHARACTERS = 200


def _tokens(text: str, kind: str) -> list[Tok]:
    if len(text) > MAX_SPAN_CHARACTERS:
        return []
    words = _TOKEN.findall(_prepare(text, kind))
    toks: list[Tok] = []
    conj = False
    for w in words:
        if w in ("و", "ف"):
            conj = True  # «و2003», «17و 18»: the conjunction cut from its digits
            continue
        before = len(toks)
        if w[0].isdigit():
            if ":" in w:
                h, m = w.split(":")
                t = Tok(w, w)
                if int(h) <= 24 and int(m) < 60:
                    t.clock = (int(h), int(m))
                toks.append(t)
            elif len(w) <= 20:
                toks.append(Tok(w, w, num=Fraction(w)))
            else:
                toks.append(Tok(w, w))  # a digit run no count or date has
        elif w in "()/":
            continue  # month pairings «مارس/آذار», «سبتمبر ( أيلول )»
        elif w in "-–—":
            toks.append(Tok("-", "-", [Entry("to")]))
        else:
            toks.append(_lookup(w))
        if conj and len(toks) > before:
            toks[-1].conj = True
            conj = False
    return _merge_phrases(toks)


def _merge_phrases(toks: list[Tok]) -> list[Tok]:
    out: list[Tok] = []
    i = 0
    longest = _LONGEST_PHRASE
    while i < len(toks):
        for n in range(min(longest, len(toks) - i), 1, -1):
            window = toks[i:i + n]
            keys = [tuple(t.raw for t in window), tuple(t.stem for t in window),
                    (window[0].stem, *(t.raw for t in window[1:])), (window[0].stem, *(t.stem if not t.al else "ال" + t.stem for t in window[1:]))]
            hit = next((_PHRASES[k] for k in keys if k in _PHRASES), None)
            if hit:
                first = window[0]
                out.append(Tok(" ".join(t.raw for t in window), " ".join(k for k in keys[1]), list(hit),
                               al=first.al, conj=first.conj))
                i += n
                break
        else:
            out.append(toks[i])
            i += 1
    return out


# --- numbers ----------------------------------------------------------------------------------------

def _number_entry(t: Tok, ordinals: bool) -> Entry | None:
    if t.num is not None:
        return Entry("digits", t.num)
    for e in t.entries:
        if e.cat in ("num", "scale", "frac", "vague") or (ordinals and e.cat == "ord"):
            return e
    return None


def _read_number(toks: list[Tok], i: int, ordinals: bool = False) -> tuple[Fraction | None, int, bool]:
    """The number that starts at ``toks[i]``: ``(value or None, index after it, vague)``.

    «خمسة وعشرين» 25, «ثلاثمائة» 300, «ثلاثة آلاف» 3000, «نصف مليون» 500000, «خمسة ملايين ونصف
    مليون» 5500000, «100 ألف», «الحادي عشر» 11, «تسعة أعشار» 0.9; «عشرات» and a bare «آلاف» are vague.
    """
    total = Fraction(0)
    cur: Fraction | None = None
    last_scale = None
    prev = None       # the previous entry's form
    started = vague = False
    j = i
    while j < len(toks):
        t = toks[j]
        e = _number_entry(t, ordinals)
        if e is None:
            break
        conj = t.conj and started
        kind = "unit" if e.cat == "ord" else (e.form if e.cat == "num" else e.cat)
        if e.cat == "vague":
            vague = True
        elif e.cat == "digits":
            if started and not (conj and prev == "scale"):
                break
            cur = e.value
        elif kind == "unit":
            if started and not (conj and prev in ("tens", "hundred", "hundreds", "scale")):
                break
            cur = (cur or 0) + e.value
        elif kind == "ten":
            if started and prev == "unit" and not conj:
                cur += 10
            elif started:
                break
            else:
                cur = Fraction(10)
        elif kind == "tens":
            if started and not (conj and prev in ("unit", "hundred", "hundreds", "scale")):
                break
            cur = (cur or 0) + e.value
        elif kind in ("hundred", "hundreds"):
            if started and prev in ("unit", "digits") and not conj and kind == "hundred" and cur is not None:
                cur *= 100
            elif started and not (conj and prev == "scale"):
                break
            else:
                cur = (cur or 0) + e.value
        elif e.cat == "scale":
            if e.form == "plural":
                if cur is None:
                    vague = True
                    j += 1
                    prev, started = "scale", True
                    continue
                total += cur * e.value
            elif e.form == "dual":
                total += (cur if cur is not None else 2) * e.value
            else:
                total += (cur if cur is not None else 1) * e.value
            cur, last_scale = None, e.value
        elif e.cat == "frac":
            if e.form == "plural":
                if cur is None:
                    break
                cur *= e.value
            else:
                nxt = _number_entry(toks[j + 1], ordinals) if j + 1 < len(toks) else None
                if nxt is not None and nxt.cat == "scale":
                    if started and not conj and prev != "scale":
                        break
                    cur = e.value
                elif conj and prev == "scale" and last_scale:
                    total += e.value * last_scale
                elif started and conj and cur is not None:
                    cur += e.value
                elif started and not conj and prev in ("unit", "digits") and cur is not None:
                    break
                elif not started:
                    cur = e.value
                else:
                    break
        prev = "digits" if e.cat == "digits" else (kind if e.cat in ("num", "ord") else e.cat)
        started = True
        j += 1
    if not started:
        return None, i, False
    value = total + (cur or 0)
    if vague or (value == 0 and cur is None and total == 0 and not any(_number_entry(t, ordinals) and
                                                                       _number_entry(t, ordinals).value == 0
                                                                       for t in toks[i:j])):
        return None, j, True
    return value, j, False


def _json_number(x: Fraction) -> int | float:
    return int(x) if x.denominator == 1 else round(float(x), 10)


# --- mods -------------------------------------------------------------------------------------------

def _leading_mod(toks: list[Tok]) -> tuple[str | None, list[Tok]]:
    """A qualifier at the start («أكثر من», «نحو», «ما لا يقل عن»), and the tokens after it."""
    rest = list(toks)
    mod = None
    while rest and (rest[0].get("filler") and not rest[0].has("num", "unit", "mod")):
        rest.pop(0)
    if rest and rest[0].get("mod"):
        mod = rest[0].get("mod").value
        rest.pop(0)
    elif rest and rest[0].get("until") and len(rest) > 1:
        mod = "EQUAL_OR_LESS"  # «حتى ثلاث ساعات», «حتى 500»
        rest.pop(0)
    if mod is None and len(rest) > 1 and rest[-1].get("mod"):
        mod = rest.pop().get("mod").value  # «ساعتين تقريبا», «ثلاثة أيام على الأقل»
    return mod, rest


# --- durations --------------------------------------------------------------------------------------

_UNIT_ORDER = ("CE", "DE", "Y", "MO", "W", "D", "H", "MIN", "S")
_SMALLER = {"Y": ("MO", 12), "MO": ("D", 30), "D": ("H", 24), "H": ("MIN", 60), "MIN": ("S", 60), "W": ("D", 7),
            "DE": ("Y", 10), "CE": ("Y", 100)}


def _read_durations(toks: list[Tok]) -> tuple[dict[str, Fraction], bool, int]:
    """Counts per unit («ساعتين وخمس دقائق» → H 2, MIN 5): ``(parts, vague, units seen)``."""
    parts: dict[str, Fraction] = {}
    vague = False
    seen = 0
    i = 0
    pending: Fraction | None = None
    last_unit = None
    while i < len(toks):
        t = toks[i]
        unit = t.get("unit")
        if unit and not (t.get("ord") and t.al and pending is None):
            seen += 1
            if pending is not None:
                count = pending
            elif unit.form == "dual":
                count = Fraction(2)
            elif unit.form == "sing":
                count = Fraction(1)
                # «يوما واحدا», «الشهور الثلاثة»: the number after its noun.
                n, j, v = _read_number(toks, i + 1) if i + 1 < len(toks) and not toks[i + 1].conj else (None, i, False)
                if n is not None and j > i + 1:
                    count, i = n, j - 1
            else:
                n, j, v = _read_number(toks, i + 1) if i + 1 < len(toks) and not toks[i + 1].conj else (None, i, False)
                if n is not None and j > i + 1:
                    count, i = n, j - 1
                else:
                    count = None
                    vague = True
            if count is not None:
                parts[unit.value] = parts.get(unit.value, 0) + count
                last_unit = unit.value
            pending = None
            i += 1
            continue
        n, j, v = _read_number(toks, i)
        if j > i:
            if v:
                vague = True
            nxt = toks[j] if j < len(toks) else None
            if n is not None and (nxt is None or not nxt.get("unit")) and last_unit and t.conj and n < 1:
                parts[last_unit] += n  # «ساعة ونصف»
            elif n is not None and nxt is not None and nxt.get("unit"):
                pending = n
            elif n is not None and nxt is not None and nxt.conj and nxt.num is not None and j + 1 < len(toks) \
                    and toks[j + 1].get("unit"):
                pending = n  # «17 و18 سنة»: two counts, the first kept
                j += 1
            elif n is not None and nxt is not None and nxt.get("filler") and j + 1 < len(toks) and toks[j + 1].get("unit"):
                pending = n
                j += 1
            i = j
            continue
        i += 1
    return parts, vague, seen


def _iso_duration(parts: Mapping[str, Fraction]) -> str | None:
    parts = {u: Fraction(c) for u, c in parts.items() if c}
    if not parts:
        return None
    # A fraction is written in the next smaller unit where that is exact: «ساعة ونصف» is PT1H30M.
    for unit in _UNIT_ORDER:
        c = parts.get(unit)
        if c is not None and c.denominator != 1 and unit in _SMALLER:
            small, factor = _SMALLER[unit]
            whole = Fraction(int(c))
            rest = (c - whole) * factor
            if rest.denominator == 1:
                parts[unit] = whole
                parts[small] = parts.get(small, 0) + rest
    if "DE" in parts:
        parts["Y"] = parts.get("Y", 0) + parts.pop("DE") * 10
    if "CE" in parts:
        parts["Y"] = parts.get("Y", 0) + parts.pop("CE") * 100
    if "W" in parts and len([u for u, c in parts.items() if c]) > 1:
        parts["D"] = parts.get("D", 0) + parts.pop("W") * 7

    def num(c):
        return str(int(c)) if c.denominator == 1 else f"{float(c):g}"

    date = "".join(f"{num(parts[u])}{s}" for u, s in (("Y", "Y"), ("MO", "M"), ("W", "W"), ("D", "D")) if parts.get(u))
    time = "".join(f"{num(parts[u])}{s}" for u, s in (("H", "H"), ("MIN", "M"), ("S", "S")) if parts.get(u))
    if not date and not time:
        return None
    return "P" + date + ("T" + time if time else "")


def duration_value(text: str) -> dict | None:
    """An ISO 8601 duration and its qualifier: «ساعتين وخمس دقائق» → ``{"value": "PT2H5M"}``,
    «أكثر من ساعة ونصف» → ``{"value": "PT1H30M", "mod": "MORE_THAN"}``; «ثلاث الى خمس سنوات» →
    ``{"value": "P3Y", "value_max": "P5Y", "mod": "RANGE"}``; None where no count can be read."""
    try:
        return _duration(_tokens(text, "duration")) if isinstance(text, str) else None
    except (ValueError, ZeroDivisionError, OverflowError, IndexError):
        return None


def _duration(toks: list[Tok]) -> dict | None:
    mod, toks = _leading_mod(toks)
    if not toks:
        return None
    left, right = _split_range(toks)
    if right is not None:
        lp, lv, _ = _read_durations(left)
        rp, rv, _ = _read_durations(right)
        if rp and not lp:
            # «ثلاث الى خمس سنوات»: the unit is said once, after the second count.
            n, j, _ = _read_number(left, 0)
            if n is not None and len(rp) == 1:
                lp = {next(iter(rp)): n}
        low, high = _iso_duration(lp), _iso_duration(rp)
        if low and high and not lv and not rv:
            return {"value": low, "value_max": high, "mod": "RANGE"}
    parts, vague, seen = _read_durations(toks)
    if vague or not parts or not _counted(toks):
        return None
    value = _iso_duration(parts)
    if value is None:
        return None
    out = {"value": value}
    if mod:
        out["mod"] = mod
    return out


_WHOLE = {_norm(w) for w in "كامل كاملا كاملة كاملين واحد واحدا واحدة آخر آخرين أخرى اخرى آخرى إضافي إضافية".split()}


def _counted(toks: list[Tok]) -> bool:
    """Whether a lone unit word is a count of one: «عام», «عام كامل», «ليوم واحد», but not «الشهر
    الجديد», «العام الأخير» or «رأس السنة», which name a time and say nothing of its length."""
    if any(t.num is not None or t.has("num", "frac", "scale") for t in toks):
        return True
    units = [t for t in toks if t.get("unit")]
    if any(u.get("unit").form != "sing" for u in units):
        return True
    others = [t for t in toks if not t.get("unit") and not t.get("filler") and t.get("mod") is None]
    if any(u.al for u in units):
        return False
    return all(_norm(t.raw) in _WHOLE or _norm(t.stem) in _WHOLE for t in others)


def _split_range(toks: list[Tok]) -> tuple[list[Tok], list[Tok] | None]:
    """«بين 10 و20», «من 10 إلى 20», «10-20», «ثلاث الى خمس»: the two ends, or (toks, None). Two counts
    joined by «و» alone («12 و15») are no range."""
    start = 1 if toks and toks[0].get("between") else 0
    for k in range(start + 1, len(toks)):
        t = toks[k]
        if t.get("to") and k + 1 < len(toks):
            return toks[start:k], toks[k + 1:]
        if start and t.conj and k > start and (t.num is not None or t.has("num", "unit")):
            return toks[start:k], toks[k:]
    return toks, None


# --- quantities -------------------------------------------------------------------------------------

def quantity_value(text: str) -> dict | None:
    """A number: «175 أسيرا» → ``{"value": 175}``, «نصف مليون» → 500000, «ما لا يقل عن 20» → 20 with
    ``mod`` EQUAL_OR_MORE, «بين 10 و20» → 10 with ``value_max`` 20 and ``mod`` RANGE; «عشرات» → None."""
    try:
        return _quantity(_tokens(text, "quantity")) if isinstance(text, str) else None
    except (ValueError, ZeroDivisionError, OverflowError, IndexError):
        return None


def _numbers_in(toks: list[Tok], ordinals: bool = True) -> tuple[list[Fraction], bool]:
    found: list[Fraction] = []
    vague = False
    i = 0
    while i < len(toks):
        n, j, v = _read_number(toks, i, ordinals=ordinals)
        if j > i:
            vague = vague or v
            if n is not None:
                found.append(n)
            i = j
        else:
            i += 1
    return found, vague


def _is_dual_noun(t: Tok) -> bool:
    # «أسيرين», «دولتين», «الطرفين»: a dual noun alone counts two. Sound masculine plurals share the
    # ending «ين»; a span tagged as a quantity with no number in it is far likelier a dual.
    w = t.stem if t.entries else re.sub(r"^(و|ف)?(ب|ل|ك)?(ال)?", "", t.raw)
    return len(w) >= 4 and w.endswith(("ين", "ان", "تين", "تان")) and not w.endswith(("يين", "ئين"))


def _quantity(toks: list[Tok]) -> dict | None:
    mod, toks = _leading_mod(toks)
    toks = [t for t in toks if not t.get("percent")]
    if not toks:
        return None
    left, right = _split_range(toks)
    if right is not None:
        lo, lv = _numbers_in(left)
        hi, hv = _numbers_in(right)
        if len(lo) == 1 and len(hi) == 1 and not lv and not hv:
            return {"value": _json_number(lo[0]), "value_max": _json_number(hi[0]), "mod": "RANGE"}
    found, vague = _numbers_in(toks, ordinals=False)
    if not found and not vague:
        found, vague = _numbers_in(toks, ordinals=True)  # «العاشرة», «الرابعة والثمانين» in a CARDINAL span
    if vague:
        return None
    # Two counts side by side («12 جنديا و15 مدنيا», «9 مقابل 9»): the first, never their sum.
    if not found:
        words = [t for t in toks if not t.get("filler")]
        if len(words) == 1 and (words[0].get("unit") and words[0].get("unit").form == "dual" or
                                not words[0].entries and _is_dual_noun(words[0])):
            found = [Fraction(2)]
        else:
            return None
    if not _terminates(found[0]):
        return None  # «ثلث»: a fraction no decimal writes
    out: dict = {"value": _json_number(found[0])}
    if mod:
        out["mod"] = mod
    return out


def _terminates(x: Fraction) -> bool:
    d = x.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


# --- times ------------------------------------------------------------------------------------------

_SEASON_MONTHS = {"SP": (3, 5), "SU": (6, 8), "FA": (9, 11), "WI": (12, 2)}


@dataclass
class _When:
    """What a time expression states, before it is written as a value."""
    year: int | None = None
    month: int | None = None
    day: int | None = None
    hijri: bool = False
    bc: bool = False
    weekday: int | None = None
    rel_day: int | None = None          # days from the document date
    rel_unit: tuple[str, int] | None = None   # ("W", -1): last week
    month_dir: int | None = None         # «يوليو الماضي»
    weekday_dir: int | None = None
    pod: str | None = None
    clock: tuple[int, int] | None = None
    decade: int | None = None
    century: int | None = None
    season: str | None = None
    quarter: int | None = None
    half: int | None = None
    week: int | None = None
    mod: str | None = None
    anaphor: bool = False

    def anchored(self) -> bool:
        return any(v is not None for v in (self.year, self.month, self.day, self.weekday, self.rel_day, self.rel_unit,
                                           self.decade, self.century, self.season, self.quarter))


def _as_date(d) -> dt.date | None:
    if d is None:
        return None
    if isinstance(d, dt.datetime):
        return d.date()
    if isinstance(d, dt.date):
        return d
    return parse_document_date(d)


def time_value(text: str, document_date: dt.date | str | None = None) -> dict | None:
    """A TIMEX3 value: «اليوم الثلاثاء» → ``2025-03-18`` given that document date, ``XXXX-WXX-2``
    without one; «يوليو / تموز الماضي», «21 رمضان 1446», «مساء أمس», «الساعة الثانية ليلا»;
    a duration («ساعتين») gets its ISO duration, as TIMEX3 does. None where the text carries no time."""
    try:
        return _time(_tokens(text, "time"), _as_date(document_date)) if isinstance(text, str) else None
    except (ValueError, ZeroDivisionError, OverflowError, IndexError):
        return None


def _time(toks: list[Tok], doc: dt.date | None) -> dict | None:
    if not toks:
        return None
    # A range of times: «عامي 1914 إلى 1918», «أغسطس / آب الى أكتوبر», «12 يوليو و14 اغسطس».
    left, right = _time_range_split(toks)
    if right is not None:
        joined_by_and = right[0].conj and not (toks[0].get("between"))
        a, b = _read_when(left), _read_when(right)
        day, used = _read_number(left, 0, ordinals=True)[:2]
        if not a.anchored() and b.day is not None and day is not None and used == len(left) and 1 <= day <= 31 \
                and day.denominator == 1:
            # «3-5 آذار 2016», «بين 3 و5 آذار»: the first end is a day of the second's month.
            a = replace(b, day=int(day))
        if a.anchored() and b.anchored():
            if doc is not None and not a.hijri and a.month and a.year is None and b.year is None:
                # One year for both ends, the second after the first: «أغسطس الى أكتوبر».
                a.year = _month_year(doc, a.month, a.month_dir, a.day)
                if b.month and b.month > 0:
                    b.year = a.year + (1 if b.month < a.month else 0)
            # What the second end says once for both: «ابريل ومايو 1916», «10 و12 مارس», «الاثنين والثلاثاء الماضيين».
            if a.year is None and b.year is not None and (a.month is not None or a.day is not None):
                a.year, a.hijri = b.year, a.hijri or b.hijri
            if a.month is None and a.day is not None and b.month is not None:
                a.month, a.hijri = b.month, a.hijri or b.hijri
            if a.month_dir is None and b.month_dir is not None:
                a.month_dir = b.month_dir
            if a.weekday_dir is None and b.weekday_dir is not None:
                a.weekday_dir = b.weekday_dir
            lo, hi = _write_when(a, doc), _write_when(b, doc)
            if doc is not None and a.weekday and lo and hi and re.fullmatch(r"\d{4}-\d\d-\d\d", lo.get("value", "")) \
                    and re.fullmatch(r"\d{4}-\d\d-\d\d", hi.get("value", "")) and lo["value"] > hi["value"]:
                lo["value"] = (dt.date.fromisoformat(lo["value"]) - dt.timedelta(days=7)).isoformat()
            if lo and hi and "value" in lo and "value" in hi and joined_by_and and not _adjacent(lo["value"], hi["value"]):
                return lo  # «12 يوليو و14 اغسطس»: two times, not a range; the first
            if lo and hi and "value" in lo and "value" in hi:
                out = {"value": lo["value"], "value_max": hi["value"], "mod": "RANGE"}
                if "hijri" in lo:
                    out["hijri"] = lo["hijri"]
                return out
    when = _read_when(toks)
    if when.anaphor and not (when.year or when.month):
        return None
    if when.anchored() or when.pod or when.clock:
        return _write_when(when, doc)
    # A count of units with nothing anchoring it is a duration (TIMEX3 type DURATION), or an offset
    # when the text says «قبل»/«منذ» (ago) or «بعد» (in).
    direction = 0
    rest = toks
    while rest and rest[0].has("before", "since", "after", "filler", "mod") and not rest[0].has("num", "unit"):
        if rest[0].has("before", "since"):
            direction = -1
        elif rest[0].has("after"):
            direction = 1
        rest = rest[1:]
    parts, vague, seen = _read_durations(rest)
    if vague or not parts:
        return None
    if direction:
        if len(parts) != 1:
            return None
        unit, n = next(iter(parts.items()))
        if n.denominator != 1 or unit not in ("D", "W", "MO", "Y"):
            return None
        return {"value": _offset(doc, unit, direction * int(n))}
    return _duration(toks)


def _adjacent(lo: str, hi: str) -> bool:
    """Two values one step apart («عامي 2002 و2003», «يومي 4 و5 آذار», «الاثنين والثلاثاء»)."""
    try:
        if re.fullmatch(r"\d{4}", lo) and re.fullmatch(r"\d{4}", hi):
            return int(hi) - int(lo) == 1
        if re.fullmatch(r"\d{4}-\d\d-\d\d", lo) and re.fullmatch(r"\d{4}-\d\d-\d\d", hi):
            return (dt.date.fromisoformat(hi) - dt.date.fromisoformat(lo)).days == 1
        m1, m2 = re.fullmatch(r"(\d{4}|XXXX)-(\d\d)", lo), re.fullmatch(r"(\d{4}|XXXX)-(\d\d)", hi)
        if m1 and m2 and m1[1] == m2[1]:
            return int(m2[2]) - int(m1[2]) == 1
        d1, d2 = re.fullmatch(r"(XXXX-\d\d)-(\d\d)", lo), re.fullmatch(r"(XXXX-\d\d)-(\d\d)", hi)
        if d1 and d2 and d1[1] == d2[1]:
            return int(d2[2]) - int(d1[2]) == 1
        w1, w2 = re.fullmatch(r"XXXX-WXX-(\d)", lo), re.fullmatch(r"XXXX-WXX-(\d)", hi)
        if w1 and w2:
            return int(w2[1]) - int(w1[1]) == 1
    except ValueError:
        return False
    return False


def _time_range_split(toks: list[Tok]) -> tuple[list[Tok], list[Tok] | None]:
    start = 1 if toks and toks[0].get("between") else 0
    for k in range(start + 1, len(toks)):
        t = toks[k]
        if t.get("to") and k + 1 < len(toks):
            return toks[start:k], toks[k + 1:]
        if t.conj and (t.num is not None or t.has("month", "hmonth")) and (start or _read_when(toks[start:k]).anchored()):
            return toks[start:k], toks[k:]
        if t.conj and t.has("weekday") and t.al and toks[k - 1].get("weekday"):
            return toks[start:k], toks[k:]
    return toks, None


def _ordinal_at(toks: list[Tok], i: int) -> tuple[int | None, int]:
    """An ordinal number at i («التاسع والعشرين» 29), or (None, i)."""
    if i >= len(toks) or not toks[i].get("ord"):
        return None, i
    n, j, v = _read_number(toks, i, ordinals=True)
    return (int(n) if n is not None and n.denominator == 1 else None), j


def _clock_minutes(toks: list[Tok], hour: Fraction, j: int) -> tuple[int, int, int]:
    """The hour and minutes of a clock time whose hour (with any «والنصف») was read up to ``j``."""
    h = int(hour)
    minutes = int((hour - h) * 60)
    n = len(toks)
    if j < n and toks[j].stem == "الا":
        q, k, _ = _read_number(toks, j + 1)
        if q is not None and q < 1:
            return (h - 1) % 24, int(60 - q * 60), k
        if q is not None and k < n and toks[k].has("minute") or (k < n and toks[k].get("unit") and toks[k].get("unit").value == "MIN"):
            return (h - 1) % 24, int(60 - q), k + 1
    if j < n and toks[j].conj:
        q, k, _ = _read_number(toks, j)
        if q is not None and k < n and toks[k].get("unit") and toks[k].get("unit").value == "MIN":
            return h, minutes + int(q), k + 1
    return h, minutes, j


def _read_when(toks: list[Tok]) -> _When:
    w = _When()
    n = len(toks)
    i = 0
    unknown = 0
    while i < n:
        t = toks[i]
        prev = toks[i - 1] if i else None
        nxt = toks[i + 1] if i + 1 < n else None
        if t.clock:
            w.clock = t.clock
            i += 1
            continue
        if t.num is not None:
            v = t.num
            after = nxt
            if after is not None and after.get("filler") and i + 2 < n and toks[i + 2].has("month", "hmonth", "monthword"):
                after = toks[i + 2]
            if prev is not None and prev.get("minute"):
                w.anaphor = True  # «الدقيقة 38» of a match: no time of day
            elif prev is not None and prev.get("clock") and prev.al and v.denominator == 1 and v <= 24:
                h, extra, j = _clock_minutes(toks, v, i + 1)
                w.clock = (h, extra) if extra < 60 else (h, 0)
                i = j
                continue
            elif after is not None and after.has("month", "hmonth") and v.denominator == 1 and 1 <= v <= 31:
                w.day = int(v)
            elif after is not None and after.get("monthword") and v.denominator == 1 and 1 <= v <= 31:
                w.day = int(v)
            elif after is not None and after.get("unit") and not (prev is not None and prev.get("yearword")):
                pass  # a count, read as a duration or an offset
            elif after is not None and after.has("hijri", "bc") or (prev is not None and prev.get("yearword")) \
                    or (v.denominator == 1 and 1000 <= v <= 2200):
                if v.denominator == 1:
                    if w.year is None:
                        w.year = int(v)
                    if after is not None and after.get("hijri"):
                        w.hijri = True
            elif prev is not None and prev.get("dayword") and v.denominator == 1 and 1 <= v <= 31:
                w.day = int(v)
            elif w.month is not None and w.day is None and v <= 31:
                w.day = int(v)
            elif w.month is not None and w.year is None and v.denominator == 1:
                w.year = int(v)
            i += 1
            continue
        if t.get("hijri"):
            w.hijri = True
            i += 1
            continue
        if t.get("bc"):
            w.bc = True
            i += 1
            continue
        if t.get("month") and not (t.stem in ("مارس", "ماي") and w.month):
            if w.month is None:
                w.month = t.get("month").value
            i += 1
            if i < n and toks[i].get("dir") and w.year is None:
                w.month_dir = toks[i].get("dir").value
                i += 1
            continue
        if t.get("hmonth") and (t.stem != "صفر" or (prev is not None and (prev.num is not None or prev.get("ord") or prev.has("filler", "monthword")))):
            w.month = t.get("hmonth").value
            w.hijri = True
            i += 1
            continue
        if t.get("rel") and not (t.stem == "اليوم" and nxt is not None and (nxt.get("ord") or nxt.get("anaphor"))):
            rel = t.get("rel")
            if rel.form == "lastnight":
                w.rel_day, w.pod = -1, "NI"
                i += 1
                continue
            if rel.form == "tonight":
                w.rel_day, w.pod = 0, "NI"
            elif rel.form == "now":
                w.rel_day = 0
            else:
                w.rel_day = rel.value if w.rel_day is None else w.rel_day
            i += 1
            continue
        if t.stem == "اليوم" or (t.get("dayword") and nxt is not None and nxt.get("ord")):
            i += 1  # «اليوم التاسع عشر من شهر رمضان»: the day's number follows
            continue
        if t.get("weekday") and (t.al or (prev is not None and prev.get("dayword")) or t.stem in ("ثلاثاء", "اربعاء", "خميس")
                                  or (prev is not None and prev.has("rel", "pod"))) and not (nxt is not None and nxt.get("ten")):
            if t.get("num") and not t.al and not (prev is not None and prev.has("dayword", "rel", "pod")):
                pass
            else:
                w.weekday = t.get("weekday").value if w.weekday is None else w.weekday
                i += 1
                if i < n and toks[i].get("dir"):
                    w.weekday_dir = toks[i].get("dir").value
                    i += 1
                continue
        if t.stem == "نصف" and t.al and nxt is not None and nxt.get("ord") and nxt.get("ord").value in (1, 2):
            w.half = nxt.get("ord").value  # «النصف الثاني من 2016»
            i += 2
            continue
        if t.stem == "اول" and not t.al and nxt is not None and nxt.has("unit", "month", "hmonth", "season"):
            w.mod = w.mod or "START"  # «أول الشهر المقبل»
            i += 1
            continue
        if t.get("ord") and not t.get("unit") or (t.get("ord") and t.al and t.get("unit") and
                                                  (prev is None or prev.num is None)):
            v, j = _ordinal_at(toks, i)
            after = toks[j] if j < n else None
            after2 = toks[j + 1] if j + 1 < n else None
            if v is not None and after is not None and after.get("filler") and after2 is not None and \
                    after2.has("month", "hmonth", "monthword"):
                w.day = v if 1 <= v <= 31 else None
                i = j + 1
                continue
            if v is not None and after is not None and after.has("month", "hmonth"):
                w.day = v if 1 <= v <= 31 else None
                i = j
                continue
            fv = _read_number(toks, i, ordinals=True)[0]
            if fv is not None and fv < 13 and (prev is not None and prev.get("clock") and prev.al or
                                               (after is not None and after.has("pod", "minute", "clock"))
                                               or (after is not None and after.stem == "الا")):
                # «الساعة الثامنة والنصف صباحا», «الثالثة صباحا», «السابعة و10 دقائق», «التاسعة إلا ربعا»
                h, extra, j = _clock_minutes(toks, fv, j)
                w.clock = (h, extra) if 0 <= extra < 60 else w.clock
                i = j
                continue
            if v is not None and prev is not None and (prev.stem == "اليوم" or prev.get("dayword")):
                w.day = v if 1 <= v <= 31 else None
                i = j
                continue
            if v is not None and prev is not None and prev.get("century"):
                w.century = v
                i = j
                continue
            if v is not None and prev is not None and prev.get("quarter"):
                w.quarter = 4 if v > 4 else v
                i = j
                continue
            if prev is not None and prev.get("unit") and prev.get("unit").value == "W" and prev.get("unit").form == "sing" \
                    and v is not None:
                w.week, w.anaphor = v, True  # «الأسبوع العاشر من عام 2016»: a week only with its year
            elif prev is not None and prev.get("unit") and prev.get("unit").form == "plural" and v == 1:
                w.mod = w.mod or "START"  # «الساعات الأولى من صباح أمس»
            elif prev is not None and (prev.get("unit") or prev.get("quarter")):
                w.anaphor = True  # «الأسبوع الأول»: the first week of what the text does not say
            i = max(j, i + 1)
            continue
        if t.stem in ("اخير", "الاخير", "اخيره") and prev is not None and prev.get("quarter"):
            w.quarter = 4
            i += 1
            continue
        if t.get("num") and t.get("num").value == 1 and t.stem.startswith(("واحد",)):
            i += 1
            continue
        if t.get("pod"):
            pod = t.get("pod")
            if pod.form == "midnight":
                w.clock = w.clock or (24, 0)  # «منتصف الليل»: T24:00 of the day it ends
            elif pod.form == "noon" and w.clock is None:
                w.clock = (12, 0)
                w.pod = "MI"
            elif not (t.stem in ("عصر", "العصر") and nxt is not None and not nxt.has("rel", "weekday", "dir")
                      and nxt.entries == [] and nxt.num is None):
                w.pod = pod.value if w.pod is None else w.pod
            i += 1
            continue
        if t.get("tmod") and w.mod is None and not w.anchored():
            w.mod = t.get("tmod").value
            i += 1
            continue
        if t.get("mod") and w.mod is None and not w.anchored() and t.get("mod").value == "APPROX":
            w.mod = "APPROX"
            i += 1
            continue
        if t.has("before", "after", "since") and nxt is not None and _read_when(toks[i + 1:]).anchored():
            # «قبل عام 2000», «بعد 2020», «منذ مارس»; before a count they mean ago or in («قبل يومين»).
            w.mod = w.mod or {"before": "BEFORE", "after": "AFTER", "since": "ON_OR_AFTER"}[t.entries[0].cat]
            i += 1
            continue
        if t.get("from"):
            w.mod = w.mod or "ON_OR_AFTER"
            i += 1
            continue
        if t.get("until"):
            w.mod = w.mod or "ON_OR_BEFORE"
            i += 1
            continue
        if t.get("decade"):
            w.decade = t.get("decade").value
            i += 1
            continue
        if t.get("century") and t.al:
            v, j = _ordinal_at(toks, i + 1)
            if v is None and nxt is not None and nxt.num is not None:
                v, j = int(nxt.num), i + 2
            if v is not None:
                if j < n and toks[j].get("conj") is None and j < n and toks[j].get("num") and toks[j].get("num").form == "tens":
                    v += toks[j].get("num").value
                    j += 1
                w.century = v
                i = j
                continue
            if nxt is not None and nxt.get("dir"):
                w.century = ("dir", nxt.get("dir").value)  # «القرن الماضي»
                i += 2
                continue
            i += 1
            continue
        if t.get("season") and (t.al or (nxt is not None and nxt.num is not None)):
            w.season = t.get("season").value
            i += 1
            if i < n and toks[i].get("dir"):
                w.rel_unit = ("SEASON", toks[i].get("dir").value)
                i += 1
            continue
        if t.get("quarter") and t.al:
            i += 1
            continue
        if t.get("unit") and t.get("unit").form == "sing":
            unit = t.get("unit").value
            if unit == "Y" and nxt is not None and nxt.num is not None:
                i += 1  # «عام 1936»: the year follows
                continue
            if unit == "MO" and nxt is not None and nxt.has("month", "hmonth"):
                i += 1  # «شهر رمضان», «شهر مايو الماضي»
                continue
            this = prev is not None and prev.stem in ("هذا", "هذه")
            d, step = None, 1
            if nxt is not None and nxt.get("dir"):
                d, step = nxt.get("dir").value, 2
            elif this:
                d = 0
            elif t.al and unit in ("W", "MO", "Y") and (nxt is None or nxt.has("filler", "pod", "rel", "weekday")) \
                    and not (prev is not None and (prev.num is not None or prev.has("num"))):
                d = 0  # «خلال الأسبوع», «في بداية الشهر»: a bare unit with the article is the current one
            if d is not None and unit in ("D", "W", "MO", "Y") and (t.al or this):
                if unit == "MO" and w.day is not None:
                    w.month_dir = d
                    w.month = w.month or -1
                elif unit == "D":
                    w.rel_day = d if w.rel_day is None else w.rel_day
                elif w.rel_unit is None:
                    w.rel_unit = (unit, d)
                i += step
                continue
            i += 1
            continue
        if t.get("anaphor"):
            w.anaphor = True
        if not t.entries and t.num is None:
            unknown += 1
        i += 1
    if unknown and not (w.year or w.month or w.rel_day is not None or w.weekday or w.rel_unit or w.clock):
        # «العصر الجليدي», «الحرب العالمية الثانية»: words of something else around a weak cue.
        w.pod = None
        w.season = None if unknown > 0 and w.season and not w.rel_unit else w.season
    return w


def _offset(doc: dt.date | None, unit: str, n: int) -> str:
    if doc is None:
        if unit == "D" and n == 0:
            return "DOC"
        return f"DOC{'+' if n >= 0 else '-'}P{abs(n)}{ {'MO': 'M'}.get(unit, unit) }"
    if unit == "D":
        return (doc + dt.timedelta(days=n)).isoformat()
    if unit == "W":
        y, wk, _ = (doc + dt.timedelta(weeks=n)).isocalendar()
        return f"{y}-W{wk:02d}"
    if unit == "MO":
        m = doc.year * 12 + doc.month - 1 + n
        return f"{m // 12:04d}-{m % 12 + 1:02d}"
    if unit == "Y":
        return f"{doc.year + n:04d}"
    raise ValueError(unit)


def _month_year(doc: dt.date, month: int, direction: int | None, day: int | None = None) -> int:
    if direction == 0:
        return doc.year
    if direction == -1:
        return doc.year if (month, day or 0) < (doc.month, doc.day if day else 0) and month < doc.month or \
            (month == doc.month and day is not None and day < doc.day) else doc.year - 1
    if direction == 1:
        return doc.year if month > doc.month or (month == doc.month and day is not None and day > doc.day) else doc.year + 1
    # No direction: the year that puts the date nearest the document's.
    best = None
    for y in (doc.year - 1, doc.year, doc.year + 1):
        try:
            d = dt.date(y, month, min(day or 15, 28 if month == 2 else 30))
        except ValueError:
            continue
        gap = abs((d - doc).days)
        if best is None or gap < best[0]:
            best = (gap, y)
    return best[1]


def _hijri_to_gregorian(y: int, m: int, d: int) -> dt.date | None:
    try:
        from hijridate import Hijri
    except ImportError:  # pragma: no cover - a dependency of the package
        return None
    try:
        g = Hijri(y, m, d).to_gregorian()
    except (OverflowError, ValueError):
        return None  # outside the Umm al-Qura tables (1343-1500 AH): the Hijri date is kept alone
    return dt.date(g.year, g.month, g.day)


def _hijri_last_day(y: int, m: int) -> dt.date | None:
    try:
        from hijridate import Hijri

        return _hijri_to_gregorian(y, m, Hijri(y, m, 1).month_length())
    except (ImportError, OverflowError, ValueError):
        return None


def _gregorian_to_hijri(d: dt.date) -> tuple[int, int, int] | None:
    try:
        from hijridate import Gregorian

        h = Gregorian(d.year, d.month, d.day).to_hijri()
        return h.year, h.month, h.day
    except (ImportError, OverflowError, ValueError):
        return None


def _write_hijri(w: _When, doc: dt.date | None) -> dict | None:
    y, m, d = w.year, w.month, w.day
    if y is None and m is not None and doc is not None:
        today = _gregorian_to_hijri(doc)
        if today is not None:
            # The Hijri year that puts the month nearest the document's date.
            ty, tm, _ = today
            y = min((ty - 1, ty, ty + 1), key=lambda yy: abs((yy * 12 + m) - (ty * 12 + tm)))
    if y is None and m is None:
        return None
    hijri = ("XXXX" if y is None else f"{y:04d}") + (f"-{m:02d}" if m else "") + (f"-{d:02d}" if m and d else "")
    out: dict = {}
    if y is not None:
        if m and d:
            g = _hijri_to_gregorian(y, m, d)
            if g is not None:
                out["value"] = g.isoformat()
        else:
            # A Hijri month or year covers parts of two Gregorian ones: its first and last days.
            first = _hijri_to_gregorian(y, m or 1, 1)
            last = _hijri_last_day(y, m or 12)
            if first is not None and last is not None:
                out.update(value=first.isoformat(), value_max=last.isoformat(), mod="RANGE")
    out["hijri"] = hijri
    if w.mod and "mod" not in out:
        out["mod"] = w.mod
    return out


def _part_of_day(w: _When) -> str:
    if w.clock is not None:
        h, m = w.clock
        if w.pod in ("AF", "EV") and 1 <= h < 12:
            h += 12
        elif w.pod == "NI" and 6 <= h < 12:
            h += 12
        elif w.pod == "MI" and 1 <= h <= 4:
            h += 12
        return f"T{h:02d}:{m:02d}"
    if w.pod:
        return f"T{w.pod}"
    return ""


def _write_when(w: _When, doc: dt.date | None) -> dict | None:
    if w.hijri and (w.month is not None or w.year is not None):
        return _write_hijri(w, doc)
    if w.hijri and w.century is not None:
        return None  # a Hijri century has no Gregorian one
    value = None
    day_level = False
    if w.month is not None and w.month > 0:
        year = w.year
        if year is None and doc is not None and (w.month_dir is not None or True):
            year = _month_year(doc, w.month, w.month_dir, w.day)
        if year is not None and not 0 < year <= 9999 or w.month > 12:
            return None
        if w.day is not None:
            try:
                dt.date(year if year is not None and not w.bc else 2024, w.month, w.day)  # 2024: 29 February exists
            except ValueError:
                return None  # «32 مارس», «29 فبراير 2023»: no such day
        ys = "XXXX" if year is None else (f"BC{year:04d}" if w.bc else f"{year:04d}")
        value = f"{ys}-{w.month:02d}"
        if w.day is not None:
            value += f"-{w.day:02d}"
            day_level = True
    elif w.month == -1 and w.day is not None:
        # «29 من الشهر الجاري», «السادس من الشهر القادم»
        if doc is not None:
            m = doc.year * 12 + doc.month - 1 + (w.month_dir or 0)
            value = f"{m // 12:04d}-{m % 12 + 1:02d}-{w.day:02d}"
        else:
            value = _offset(None, "MO", w.month_dir or 0)  # the month is what the text fixes; the day is lost
        day_level = doc is not None
    elif w.rel_day is not None:
        value = _offset(doc, "D", w.rel_day)
        if doc is None and w.weekday is not None:
            value = f"XXXX-WXX-{w.weekday}"
        day_level = True
    elif w.weekday is not None:
        if doc is None:
            value = f"XXXX-WXX-{w.weekday}"
        else:
            gap = w.weekday - doc.isoweekday()
            if w.weekday_dir == -1:
                gap = gap - 7 if gap >= 0 else gap
            elif w.weekday_dir == 1:
                gap = gap + 7 if gap <= 0 else gap
            elif w.weekday_dir == 0:
                pass
            else:
                gap = (gap + 3) % 7 - 3
            value = (doc + dt.timedelta(days=gap)).isoformat()
        day_level = True
    elif w.year is not None:
        if not 0 < w.year <= 9999:
            return None
        value = f"BC{w.year:04d}" if w.bc else f"{w.year:04d}"
        if w.week:
            value += f"-W{w.week:02d}"
        elif w.quarter:
            value += f"-Q{w.quarter}"
        elif w.half:
            value += f"-H{w.half}"
        elif w.season:
            value += f"-{w.season}"
    elif w.rel_unit is not None:
        unit, d = w.rel_unit
        if unit == "SEASON":
            if doc is None:
                value = f"XXXX-{w.season}"
            else:
                start, end = _SEASON_MONTHS[w.season]
                y = doc.year
                if d == 1 and doc.month >= start:
                    y += 1
                elif d == -1 and doc.month <= (end if end > start else 12):
                    y -= 1
                value = f"{y:04d}-{w.season}"
        else:
            value = _offset(doc, unit, d)
            if w.quarter and unit == "Y":
                value = f"{value}-Q{w.quarter}"
            elif w.half and unit == "Y":
                value = f"{value}-H{w.half}"
    elif w.decade is not None:
        century = w.century
        if isinstance(century, tuple):
            # «القرن الماضي» of a news text without a date: the twentieth, as the guidelines read it.
            century = (doc.year // 100 + century[1] + 1) if doc is not None else 20 + century[1] + 1
        if century is not None:
            value = f"{century - 1:02d}{w.decade}"
        elif doc is not None:
            c = doc.year // 100 if doc.year % 100 >= w.decade * 10 + 10 else doc.year // 100 - 1
            value = f"{c:02d}{w.decade}"
        else:
            value = f"19{w.decade}"  # «الثمانينيات»: the 1980s, as the guidelines read a bare decade
    elif w.century is not None:
        century = w.century
        if isinstance(century, tuple):
            if doc is None:
                return None
            century = doc.year // 100 + century[1] + 1
        value = f"{century - 1:02d}"
    elif w.season is not None:
        value = f"{doc.year:04d}-{w.season}" if doc is not None else f"XXXX-{w.season}"
    elif w.clock is not None or w.pod is not None:
        value = "XXXX-XX-XX"
        day_level = True
    if value is None:
        return None
    if day_level:
        value += _part_of_day(w)
    out = {"value": value}
    if w.mod:
        out["mod"] = w.mod
    return out


# --- the kinds together -----------------------------------------------------------------------------

def value_of(kind: str, text: str, document_date=None) -> dict | None:
    """The value of a span of ``kind`` ("time", "duration" or "quantity"), or None."""
    if kind == "time":
        return time_value(text, document_date)
    if kind == "duration":
        return duration_value(text)
    if kind == "quantity":
        return quantity_value(text)
    raise ValueError(f"kind: expected 'time', 'duration' or 'quantity', got {kind!r}")


# --- the document's date ----------------------------------------------------------------------------

def parse_document_date(value, where: str = "document_date") -> dt.date | None:
    """A ``datetime.date`` from a date, a datetime or an ISO string (``2025-05-18``); None stays None.
    Anything else raises ``ValueError`` naming ``where``."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        s = value.strip()
        try:
            return dt.date.fromisoformat(s[:10]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ].*)?", s) else _bad(where, value)
        except ValueError:
            _bad(where, value)
    raise ValueError(f"{where}: expected a date (datetime.date or 'YYYY-MM-DD'), got {type(value).__name__}")


def _bad(where: str, value) -> None:
    raise ValueError(f"{where}: {value!r} is not a date (expected YYYY-MM-DD)")


def document_dates(document_date, n: int, where: str = "document_date") -> list[dt.date | None]:
    """One date (or None) per text: a single date applies to all ``n`` texts, a list gives one each."""
    if isinstance(document_date, (list, tuple)):
        if len(document_date) != n:
            raise ValueError(f"{where}: {len(document_date)} dates for {n} texts (give one date, or one per text)")
        return [parse_document_date(d, f"{where}[{i}]") for i, d in enumerate(document_date)]
    d = parse_document_date(document_date, where)
    return [d] * n


def stream_dates(document_date, where: str = "document_date") -> Iterator[dt.date | None]:
    """The dates of a stream of texts, in order: one date repeated, or a list's dates (each checked
    now, before any text is read) and a ``ValueError`` when the texts outnumber them."""
    if isinstance(document_date, (list, tuple)):
        dates = [parse_document_date(d, f"{where}[{i}]") for i, d in enumerate(document_date)]

        def each():
            yield from dates
            raise ValueError(f"{where}: {len(dates)} dates for more texts than that (give one per text)")

        return each()
    return itertools.repeat(parse_document_date(document_date, where))


_EN_MONTHS = {m.lower(): i for i, m in enumerate(
    "January February March April May June July August September October November December".split(), 1)}
_EN_MONTHS.update({k[:3]: v for k, v in list(_EN_MONTHS.items())})
_EN_MONTHS["sept"] = 9
_EN_MONTH = "|".join(sorted(_EN_MONTHS, key=len, reverse=True))
_DATELINE_CUE = re.compile(r"تاريخ النشر|نشر في|نُشر في|تاريخ الخبر|published|updated|آخر تحديث|اخر تحديث", re.I)
_EN_DATES = [
    re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?,?\s+({_EN_MONTH})\.?,?\s+(\d{{4}})\b", re.I),          # 18th, May 2025
    re.compile(rf"\b({_EN_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I),            # May 18, 2025
]
_NUMERIC_DATES = [
    re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b"),     # 2025-05-18
    re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b"),     # 18/05/2025 (day first, as Arabic news writes it)
]


def _date_in(s: str) -> dt.date | None:
    """The first full date (day, month, year) in ``s``: English, numeric or Arabic words."""
    for k, rx in enumerate(_EN_DATES):
        m = rx.search(s)
        if m:
            day, month, year = (m[1], m[2], m[3]) if k == 0 else (m[2], m[1], m[3])
            try:
                return dt.date(int(year), _EN_MONTHS[month.lower().rstrip(".")], int(day))
            except (ValueError, KeyError):
                pass
    for k, rx in enumerate(_NUMERIC_DATES):
        m = rx.search(s.translate(_DIGITS))
        if m:
            y, mo, d = (m[1], m[2], m[3]) if k == 0 else (m[3], m[2], m[1])
            try:
                return dt.date(int(y), int(mo), int(d))
            except ValueError:
                pass
    return _arabic_date_in(s)


_ARABIC_FULL_DATE = re.compile(r"(\d{1,2})\s*(?:من\s+)?([^\W\d_]+(?:\s*[/(]\s*[^\W\d_]+(?:\s+[^\W\d_]+)?\s*\)?)?"
                               r"(?:\s+[^\W\d_]+)?)\s*(?:عام\s+|سنة\s+)?(\d{4})")


def _arabic_date_in(s: str) -> dt.date | None:
    for m in _ARABIC_FULL_DATE.finditer(_norm(s)):
        when = _read_when(_tokens(m[0], "time"))
        if when.year and when.month and when.day:
            if when.hijri:
                g = _hijri_to_gregorian(when.year, when.month, when.day)
                if g is not None:
                    return g
                continue
            try:
                return dt.date(when.year, when.month, when.day)
            except ValueError:
                continue
    return None


def find_dateline(text: str) -> dt.date | None:
    """The publication date a text states: after a cue such as «تاريخ النشر:» or «Published», or a
    dateline at the head of a line near the top («موسكو 18 مارس/آذار 2025 (رويترز)»). None if none."""
    if not isinstance(text, str) or not text:
        return None
    try:
        for m in _DATELINE_CUE.finditer(text[:5000]):
            d = _date_in(text[m.end():m.end() + 80])
            if d is not None:
                return d
        # A dateline: a full date within the first few words of one of the first lines, followed by a
        # news agency in brackets, a dash, a colon or the end of the line.
        for line in text[:1500].splitlines()[:6]:
            head = line[:120]
            m = re.match(r"^\s*(?:[^\W\d_]+[\s/،,-]*){0,4}?\(?\s*(\d.{4,50}?\d{4})\s*(?:م|هـ)?\s*\)?\s*(?:\(|-|–|—|:|/|$)",
                         head.translate(_DIGITS))
            if m:
                d = _date_in(m[1])
                if d is not None:
                    return d
    except (ValueError, OverflowError, IndexError):
        return None
    return None


# --- a predict() result -----------------------------------------------------------------------------

def add_values(result: dict, document_date=None, *, text: str | None = None) -> dict:
    """``result`` (one ``predict()`` result) with a value on every span of a kind that has one, and
    ``document_date``: ``{"value": ISO or None, "source": "caller" | "dateline" | "unknown"}``.

    ``document_date`` is the caller's (a date or an ISO string); without it the dateline of ``text``
    (the result's input text, where given) is used. Spans keep their keys; ``value`` and, where they
    apply, ``mod``, ``hijri`` and ``value_max`` are added (absent when nothing can be said). The
    result is changed in place and returned.
    """
    doc = parse_document_date(document_date)
    source = "caller" if doc is not None else "unknown"
    if doc is None and text is not None:
        doc = find_dateline(text)
        source = "dateline" if doc is not None else "unknown"
    for span in result.get("entities") or ():
        kind = KIND_OF_ENTITY.get(span.get("type")) if isinstance(span, dict) else None
        if kind:
            _set_value(span, kind, doc, text)
    for event in result.get("events") or ():
        for arg in (event.get("arguments") or ()) if isinstance(event, dict) else ():
            kind = KIND_OF_ROLE.get(arg.get("role")) if isinstance(arg, dict) else None
            if kind:
                _set_value(arg, kind, doc, text)
    result["document_date"] = {"value": doc.isoformat() if doc else None, "source": source}
    return result


def _set_value(span: dict, kind: str, doc: dt.date | None, text: str | None) -> None:
    for key in ("value", "mod", "hijri", "value_max"):
        span.pop(key, None)
    found = value_of(kind, span.get("text") or "", doc)
    if found and "value" in found and "mod" not in found and text is not None:
        mod = _mod_around(text, span.get("start"), span.get("end"), kind, found["value"])
        if mod:
            found["mod"] = mod
    if found:
        span.update(found)


# The corpus keeps qualifiers outside the spans («استمر أكثر من [ساعة ونصف]»): the mod is read from
# the words right before the span, or right after it («[ساعتين] تقريبا»).
_COUNT_BEFORE = [(tuple(_norm(p).split()), mod) for p, mod in (
    ("ما لا يقل عن", "EQUAL_OR_MORE"), ("ما لا يقل على", "EQUAL_OR_MORE"), ("لا يقل عن", "EQUAL_OR_MORE"),
    ("ما لا يزيد عن", "EQUAL_OR_LESS"), ("ما لا يزيد على", "EQUAL_OR_LESS"), ("لا يزيد عن", "EQUAL_OR_LESS"),
    ("ما يزيد عن", "MORE_THAN"), ("ما يزيد على", "MORE_THAN"), ("أكثر من", "MORE_THAN"), ("أزيد من", "MORE_THAN"),
    ("ما يفوق", "MORE_THAN"), ("ما يربو على", "MORE_THAN"), ("يزيد عن", "MORE_THAN"), ("يزيد على", "MORE_THAN"),
    ("أقل من", "LESS_THAN"), ("ما يقل عن", "LESS_THAN"),
    ("ما يقارب", "APPROX"), ("ما يناهز", "APPROX"), ("نحو", "APPROX"), ("حوالي", "APPROX"), ("حوالى", "APPROX"),
    ("قرابة", "APPROX"), ("زهاء", "APPROX"), ("حتى", "EQUAL_OR_LESS"))]
_COUNT_AFTER = [(tuple(_norm(p).split()), mod) for p, mod in (
    ("تقريبا", "APPROX"), ("على الأقل", "EQUAL_OR_MORE"), ("على الأكثر", "EQUAL_OR_LESS"))]
_TIME_BEFORE = [(tuple(_norm(p).split()), mod) for p, mod in (
    ("في موعد أقصاه", "ON_OR_BEFORE"), ("اعتبارا من", "ON_OR_AFTER"), ("ابتداء من", "ON_OR_AFTER"),
    ("بدءا من", "ON_OR_AFTER"), ("منذ", "ON_OR_AFTER"), ("حتى", "ON_OR_BEFORE"), ("لغاية", "ON_OR_BEFORE"),
    ("قبل", "BEFORE"), ("بعد", "AFTER"), ("نحو", "APPROX"), ("حوالي", "APPROX"), ("حوالى", "APPROX"))]
_TIME_AFTER = [(tuple(_norm(p).split()), mod) for p, mod in (("تقريبا", "APPROX"),)]


def _mod_around(text: str, start, end, kind: str, value) -> str | None:
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text)):
        return None
    before = re.findall(r"[^\W\d_]+", _norm(text[max(0, start - 40):start]))
    after = re.findall(r"[^\W\d_]+", _norm(text[end:end + 30]))
    if before and start > 0 and text[start - 1].isalnum():
        before = before[:-1]  # the span starts inside a word: the letters before it are no qualifier
    is_length = kind != "time" or (isinstance(value, str) and value.startswith("P"))
    lists = (_COUNT_BEFORE, _COUNT_AFTER) if is_length else (_TIME_BEFORE, _TIME_AFTER)
    for words, mod in lists[0]:
        n = len(words)
        tail = tuple(before[-n:]) if len(before) >= n else ()
        # «وأكثر من», «بنحو»: a clitic on the qualifier's first word.
        if tail and tail[1:] == words[1:] and (tail[0] == words[0] or re.fullmatch(r"(و|ف)?(ب|ل)?" + words[0], tail[0])):
            return mod
    for words, mod in lists[1]:
        if tuple(after[:len(words)]) == words:
            return mod
    return None
