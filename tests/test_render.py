"""arabic_news_tagger/render.py: the HTML page, CoNLL columns and brat standoff of predict() results.

Hand-made results over a real sentence of data/001_a8ef45f57385f85c.txt; no model is needed.
"""
from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from arabic_news_tagger.data import brat
from arabic_news_tagger.data.segment import sentences, words
from arabic_news_tagger.data.tags import tags_to_spans
from arabic_news_tagger.data.validate import validate_directory
from arabic_news_tagger.data.document import Document
from arabic_news_tagger.render import to_brat, to_conll, to_html

DATA = Path(__file__).resolve().parent.parent / "data"
TEXT = (DATA / "001_a8ef45f57385f85c.txt").read_text(encoding="utf-8")
# «وأعلن الناطق باسم الكرملين دميتري بيسكوف أن بوتين بحث خلال المحادثة الهاتفية مع ترامب مسألة
# تبادل السجناء بين البلدين، وضمنت واشنطن ...»: a call (participants are entities, the topic is
# not) whose topic holds the trigger of an exchange.
SENTENCE_START = TEXT.index("وأعلن الناطق باسم الكرملين")


def at(phrase: str, text: str = TEXT, after: int = SENTENCE_START) -> tuple[int, int]:
    start = text.index(phrase, after)
    return start, start + len(phrase)


def span(phrase: str, key: str | None = None, label: str | None = None, score: float = 0.9, text: str = TEXT,
         after: int = SENTENCE_START) -> dict:
    start, end = at(phrase, text, after)
    out = {"text": phrase, "start": start, "end": end, "score": score}
    if key:
        out[key] = label
    return out


def sample_result() -> dict:
    return {
        "entities": [
            span("الناطق باسم الكرملين", "type", "OCC"),
            span("دميتري بيسكوف", "type", "PERS"),
            span("بوتين", "type", "PERS"),
            span("ترامب", "type", "PERS"),
            span("واشنطن", "type", "GPE"),
        ],
        "events": [
            {
                "type": "CALL",
                "trigger": span("المحادثة الهاتفية"),
                "arguments": [
                    span("بوتين", "role", "Participant"),
                    span("ترامب", "role", "Participant"),
                    span("مسألة تبادل السجناء", "role", "Topic"),
                ],
            },
            {
                "type": "EXCHANGE",
                "trigger": span("تبادل"),
                "arguments": [span("السجناء", "role", "Theme"), span("البلدين", "role", "Participant")],
            },
        ],
    }


# --- reading the HTML back -------------------------------------------------------------------------

VOID = {"meta", "br", "hr", "img", "input", "link", "wbr", "col", "area", "base", "source", "track", "embed"}


class Tree(HTMLParser):
    """Checks nesting (every opened tag closed, in order) and records, per ``data-span`` id, the
    element's attributes and the text it holds (all its pieces together)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.errors: list[str] = []
        self.spans: dict[str, dict] = {}
        self.order: list[str] = []
        self.text_in: dict[str, list[str]] = {}
        self.tags_seen: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags_seen.append((tag, attrs))
        if tag in VOID:
            return
        self.stack.append((tag, attrs))
        sid = attrs.get("data-span")
        if sid:
            if sid not in self.spans:
                self.spans[sid] = {"tag": tag, **attrs, "pieces": 0}
                self.order.append(sid)
                self.text_in[sid] = []
            self.spans[sid]["pieces"] += 1

    def handle_startendtag(self, tag, attrs):
        self.tags_seen.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack:
            self.errors.append(f"</{tag}> closes nothing")
            return
        open_tag, _ = self.stack.pop()
        if open_tag != tag:
            self.errors.append(f"</{tag}> closes <{open_tag}>")

    def handle_data(self, data):
        seen = set()
        for _, attrs in self.stack:
            sid = attrs.get("data-span")
            if sid and sid not in seen:
                seen.add(sid)
                self.text_in[sid].append(data)

    def close(self):
        super().close()
        if self.stack:
            self.errors.append(f"never closed: {[t for t, _ in self.stack]}")

    def text_of(self, sid: str) -> str:
        return "".join(self.text_in[sid])

    def find(self, **want) -> list[dict]:
        """The spans whose attributes include ``want`` (``class_`` = one of its classes)."""
        cls = want.pop("class_", None)
        out = []
        for sid in self.order:
            a = self.spans[sid]
            if cls and cls not in a.get("class", "").split():
                continue
            if all(a.get(k.replace("_", "-")) == v for k, v in want.items()):
                out.append({**a, "text": self.text_of(sid)})
        return out


def parse(page: str) -> Tree:
    tree = Tree()
    tree.feed(page)
    tree.close()
    assert tree.errors == [], tree.errors
    return tree


# --- HTML --------------------------------------------------------------------------------------------


def test_html_is_well_formed_rtl_and_self_contained():
    page = to_html([(TEXT, sample_result())], title="نشرة <اختبار>")
    tree = parse(page)
    assert page.startswith("<!DOCTYPE html>")
    html_tag = next(a for t, a in tree.tags_seen if t == "html")
    assert html_tag["dir"] == "rtl" and html_tag["lang"] == "ar"
    assert "Noto Naskh Arabic" in page and "<style>" in page
    assert not any(t in ("script", "link", "img", "iframe") for t, _ in tree.tags_seen)
    assert "http://" not in page and "https://" not in page and "url(" not in page
    assert "<title>نشرة &lt;اختبار&gt;</title>" in page


def test_every_entity_trigger_and_argument_is_marked():
    result = sample_result()
    tree = parse(to_html([(TEXT, result)]))
    for ent in result["entities"]:
        found = [m for m in tree.find(class_="ent", data_type=ent["type"]) if m["text"] == ent["text"]]
        assert found and found[0]["tag"] == "mark", ent
        assert f"ent-{ent['type']}" in found[0]["class"].split()
    for n, ev in enumerate(result["events"], 1):
        eid = f"d1-e{n}"
        (trigger,) = tree.find(class_="trigger", data_event=eid)
        assert trigger["text"] == ev["trigger"]["text"] and trigger["data-type"] == ev["type"]
        assert trigger["id"] == eid
        args = tree.find(class_="arg", data_event=eid)
        assert sorted((a["data-role"], a["text"]) for a in args) == sorted((a["role"], a["text"]) for a in ev["arguments"])
    # The table lists each event: its type, trigger and "role: text" for every argument.
    page = to_html([(TEXT, result)])
    assert 'id="d1-e1-row"' in page and 'href="#d1-e1"' in page
    assert '<span class="role">Topic</span>: <span class="argtext">مسألة تبادل السجناء</span>' in page
    # The legend names each entity type present.
    for t in ("OCC", "PERS", "GPE"):
        assert f'<li class="ent-{t}" data-type="{t}">{t}</li>' in page


def test_overlapping_spans_across_layers_are_nested_properly():
    # The EXCHANGE trigger «تبادل» and its Theme «السجناء» lie inside the CALL's Topic; a trigger
    # inside an entity; an argument that crosses an entity's end (split into two elements).
    text = "قال الرئيس بوتين إن مسألة تبادل السجناء مهمة"
    result = {
        "entities": [
            {"type": "OCC", "text": "الرئيس بوتين", "start": 4, "end": 16},
        ],
        "events": [
            {"type": "CALL", "trigger": {"text": "الرئيس", **dict(zip(("start", "end"), at("الرئيس", text, 0)))},
             "arguments": [{"role": "Participant", "text": "بوتين إن مسألة", "start": at("بوتين إن مسألة", text, 0)[0],
                            "end": at("بوتين إن مسألة", text, 0)[1]}]},
            {"type": "CALL", "trigger": {"text": "قال", "start": 0, "end": 3},
             "arguments": [{"role": "Topic", "text": "مسألة تبادل السجناء", "start": at("مسألة تبادل السجناء", text, 0)[0],
                            "end": at("مسألة تبادل السجناء", text, 0)[1]}]},
            {"type": "EXCHANGE", "trigger": {"text": "تبادل", "start": at("تبادل", text, 0)[0], "end": at("تبادل", text, 0)[1]},
             "arguments": [{"role": "Theme", "text": "السجناء", "start": at("السجناء", text, 0)[0], "end": at("السجناء", text, 0)[1]}]},
        ],
    }
    page = to_html([(text, result)])
    tree = parse(page)
    (ent,) = tree.find(class_="ent")
    assert ent["text"] == "الرئيس بوتين"
    (t1,) = tree.find(class_="trigger", data_event="d1-e1")
    assert t1["text"] == "الرئيس"
    (crossing,) = tree.find(class_="arg", data_event="d1-e1")
    assert crossing["text"] == "بوتين إن مسألة" and crossing["pieces"] == 2 and "part" in crossing["class"].split()
    (topic,) = tree.find(class_="arg", data_event="d1-e2")
    assert topic["text"] == "مسألة تبادل السجناء"
    (t3,) = tree.find(class_="trigger", data_event="d1-e3")
    (theme,) = tree.find(class_="arg", data_event="d1-e3")
    assert (t3["text"], theme["text"]) == ("تبادل", "السجناء")
    # The whole text comes back unchanged, in order.
    body = page.split('<div class="text">', 1)[1].split("</div>", 1)[0]
    p2 = HTMLParser(convert_charrefs=True)
    collected: list[str] = []
    p2.handle_data = collected.append  # type: ignore[method-assign]
    p2.feed(body)
    p2.close()
    assert "".join(collected) == text
    # Only one element per event carries the event's id.
    assert page.count('id="d1-e3"') == 1


def test_identical_spans_in_every_layer():
    text = "اتصال بوتين"
    result = {
        "entities": [{"type": "PERS", "text": "بوتين", "start": 6, "end": 11}],
        "events": [{"type": "CALL", "trigger": {"text": "بوتين", "start": 6, "end": 11},
                    "arguments": [{"role": "Participant", "text": "بوتين", "start": 6, "end": 11},
                                  {"role": "Topic", "text": "بوتين", "start": 6, "end": 11}]}],
    }
    tree = parse(to_html([(text, result)]))
    assert [m["text"] for m in tree.find(class_="ent")] == ["بوتين"]
    assert [m["text"] for m in tree.find(class_="trigger")] == ["بوتين"]
    assert sorted(m["data-role"] for m in tree.find(class_="arg")) == ["Participant", "Topic"]
    assert all(m["pieces"] == 1 for m in tree.find())


def test_html_escapes_text_and_labels():
    text = 'قال <script>alert("x")</script> & بوتين'
    start = text.index("<script>")
    result = {
        "entities": [{"type": "PERS", "text": "بوتين", "start": text.index("بوتين"), "end": len(text)},
                     {"type": 'X"><b', "text": "<script>", "start": start, "end": start + 8}],
        "events": [],
    }
    page = to_html([(text, result)], names=["<i>name</i>"])
    tree = parse(page)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<i>name</i>" not in page
    assert not any(t in ("script", "b", "i") for t, _ in tree.tags_seen)
    odd = tree.find(class_="ent", data_type='X"><b')
    assert odd and odd[0]["text"] == "<script>"


def test_html_empty_inputs_and_many_documents():
    for page in (to_html([]), to_html([("", {"entities": [], "events": []})]), to_html([("نص بلا علامات", {})]),
                 to_html([("نص", None)])):
        tree = parse(page)
        assert not tree.find()
    assert "(empty text)" in to_html([("", {})])
    # Several documents: ids are unique across the page.
    page = to_html([(TEXT, sample_result()), (TEXT, sample_result())])
    parse(page)
    assert page.count('id="d1-e1"') == 1 and page.count('id="d2-e1"') == 1


def test_html_long_text():
    sentence = "أجرى الرئيس الروسي فلاديمير بوتين محادثة هاتفية مع ترامب.\n"
    text = sentence * 2000
    entities, events = [], []
    for k in range(2000):
        base = k * len(sentence)
        s, e = at("فلاديمير بوتين", text, base)
        entities.append({"type": "PERS", "text": text[s:e], "start": s, "end": e})
        ts, te = at("محادثة هاتفية", text, base)
        events.append({"type": "CALL", "trigger": {"text": text[ts:te], "start": ts, "end": te},
                       "arguments": [{"role": "Participant", "text": text[s:e], "start": s, "end": e}]})
    tree = parse(to_html([(text, {"entities": entities, "events": events})]))
    assert len(tree.find(class_="ent")) == 2000 and len(tree.find(class_="trigger")) == 2000


def test_inconsistent_result_is_refused():
    with pytest.raises(ValueError, match="differs"):
        to_html([("بوتين", {"entities": [{"type": "PERS", "text": "ترامب", "start": 0, "end": 5}]})])
    with pytest.raises(ValueError, match="outside"):
        to_conll("بوتين", {"entities": [{"type": "PERS", "start": 0, "end": 9}]})


# --- CoNLL -------------------------------------------------------------------------------------------


def test_conll_round_trips_to_the_same_spans():
    result = sample_result()
    out = to_conll(TEXT, result)
    blocks = out.rstrip("\n").split("\n\n")
    sents = sentences(TEXT)
    assert len(blocks) == len(sents)
    ent_back, trg_back = [], []
    for (s, e), block in zip(sents, blocks):
        offsets = words(TEXT, s, e)
        rows = [line.split("\t") for line in block.split("\n")]
        assert all(len(r) == 3 for r in rows)
        assert [r[0] for r in rows] == [TEXT[a:b] for a, b in offsets]
        ent_back += tags_to_spans(offsets, [r[1] for r in rows])
        trg_back += tags_to_spans(offsets, [r[2] for r in rows])
    assert sorted(ent_back) == sorted((x["start"], x["end"], x["type"]) for x in result["entities"])
    assert sorted(trg_back) == sorted((ev["trigger"]["start"], ev["trigger"]["end"], ev["type"]) for ev in result["events"])


def test_conll_empty():
    assert to_conll("", {}) == ""
    assert to_conll("بوتين.", {}) == "بوتين\tO\tO\n.\tO\tO\n"


# --- brat --------------------------------------------------------------------------------------------


def test_a_predict_result_reads_back_as_its_document():
    doc = Document.from_dict(TEXT, sample_result(), doc_id="x")
    assert doc.id == "x" and doc.text == TEXT and len(doc.entities) == 5
    call = doc.events[0]
    assert call.type == "CALL" and call.trigger.text == "المحادثة الهاتفية" and call.trigger.score == 0.9
    assert [(a.label, a.text) for a in call.arguments] == [
        ("Participant", "بوتين"), ("Participant", "ترامب"), ("Topic", "مسألة تبادل السجناء")]


def test_brat_passes_the_validator(tmp_path):
    ann = to_brat(TEXT, sample_result())
    shutil.copy(DATA / "annotation.conf", tmp_path / "annotation.conf")
    (tmp_path / "doc.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "doc.ann").write_text(ann, encoding="utf-8")
    assert validate_directory(tmp_path) == []
    parsed = brat.parse_ann(tmp_path / "doc.txt")
    labels = {t.text: t.label for t in parsed.textbounds.values()}
    assert labels["مسألة تبادل السجناء"] == "ARG" and labels["البلدين"] == "ARG"
    call = next(e for e in parsed.events.values() if e.label == "CALL")
    roles = {r: parsed.textbounds[t] for r, t in call.arguments}
    assert roles["Participant"].label == "PERS" and roles["Participant2"].label == "PERS"  # the entity lines
    assert roles["Topic"].label == "ARG"
    # Reading it back gives the same spans.
    from arabic_news_tagger.data.schema import load_schema

    back = brat.to_document(parsed, load_schema(tmp_path))
    doc = Document.from_dict(TEXT, sample_result())
    assert [(e.start, e.end, e.label) for e in back.entities] == sorted((e.start, e.end, e.label) for e in doc.entities)
    assert {(ev.type, ev.trigger.start, tuple((a.label, a.start) for a in ev.arguments)) for ev in back.events} == {
        (ev.type, ev.trigger.start, tuple(sorted(((a.label, a.start) for a in ev.arguments), key=lambda x: x[1])))
        for ev in doc.events}


# --- what a browser draws ----------------------------------------------------------------------------


def test_screenshot_in_headless_chromium(tmp_path):
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("chromium is not installed (apt-get install chromium); skipping the rendering screenshot")
    page = tmp_path / "render.html"
    text = TEXT[SENTENCE_START:TEXT.index("\n", SENTENCE_START)]
    shifted = sample_result()
    for item in shifted["entities"] + [a for ev in shifted["events"] for a in (ev["trigger"], *ev["arguments"])]:
        item["start"] -= SENTENCE_START
        item["end"] -= SENTENCE_START
    page.write_text(to_html([(text, shifted)], title="عرض النتائج"), encoding="utf-8")
    shot = tmp_path / "shot.png"
    proc = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1000,800",
         page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert shot.is_file(), f"no screenshot (rc {proc.returncode}): {proc.stderr[-2000:]}"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 5 * 1024
    print(f"screenshot: {shot}")


# What a reader sees: Chromium lays the page out, and a script added to the page (for the test only)
# reports, for every entity highlight, where it is drawn, its background colour and the element found
# at its centre; --dump-dom writes that report into the DOM it prints.
_PROBE = """<script>
window.addEventListener('load', () => {
  const marks = [...document.querySelectorAll('mark.ent')].map(m => {
    const r = m.getClientRects()[0];
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return {type: m.dataset.type, text: m.textContent, left: r.left, right: r.right, top: r.top,
            width: r.width, background: getComputedStyle(m).backgroundColor,
            hit: !!hit && (hit === m || m.contains(hit) || hit.contains(m) && hit.closest('mark') === m)};
  });
  const para = document.querySelector('mark.ent').closest('[dir]');
  const out = document.createElement('pre');
  out.id = 'probe';
  out.textContent = JSON.stringify({direction: getComputedStyle(para).direction, marks});
  document.body.appendChild(out);
});
</script>"""


def _css_rgb(colour: str) -> str:
    """'#a1b2c3' as getComputedStyle writes it: 'rgb(161, 178, 195)'."""
    c = colour.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    return f"rgb({int(c[0:2], 16)}, {int(c[2:4], 16)}, {int(c[4:6], 16)})"


def test_a_reader_sees_right_to_left_text_with_each_entity_highlighted_where_it_is(tmp_path):
    import html
    import json
    import re

    from arabic_news_tagger.render import _entity_colour

    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("chromium is not installed (apt-get install chromium); skipping the layout check")
    # One line: «اتصل بوتين بترامب من موسكو» with PERS بوتين, then PERS ترامب, then GPE موسكو.
    text = "اتصل بوتين هاتفيا بالرئيس ترامب من موسكو"
    result = {"entities": [span("بوتين", "type", "PERS", text=text, after=0), span("ترامب", "type", "PERS", text=text, after=0),
                           span("موسكو", "type", "GPE", text=text, after=0)], "events": []}
    page = tmp_path / "layout.html"
    page.write_text(to_html([(text, result)], title="layout").replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    proc = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1000,800", "--virtual-time-budget=5000",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    found = re.search(r'<pre id="probe">(.*?)</pre>', proc.stdout, re.S)
    assert found, f"the page's probe did not run (rc {proc.returncode}): {proc.stderr[-2000:]}"
    probe = json.loads(html.unescape(found.group(1)))
    assert probe["direction"] == "rtl"
    marks = probe["marks"]
    assert [(m["type"], m["text"].strip()) for m in marks][:3] == [("PERS", "بوتين"), ("PERS", "ترامب"), ("GPE", "موسكو")]
    for m in marks:
        assert m["width"] > 0, f"{m['text']} is not drawn"
        assert m["hit"], f"the highlight of {m['text']} is not what a reader sees at its place"
        assert m["background"] == _css_rgb(_entity_colour(m["type"])), m
    # Right to left: the first word read is drawn furthest right, on the same line.
    putin, trump, moscow = marks[:3]
    assert putin["left"] > trump["right"] - 1 and trump["left"] > moscow["right"] - 1
    assert putin["top"] == trump["top"] == moscow["top"]
    # Two types, two colours a reader can tell apart.
    assert putin["background"] == trump["background"] != moscow["background"]

