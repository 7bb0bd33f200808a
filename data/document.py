"""The one data model, from annotation to prediction: a document's text and character-offset spans.

Entities are flat spans; an event is a trigger span plus role-typed argument spans. The document
owns its segmentation: ``doc.sentences`` (computed once from the text by ``segment.py``), each with
its words' character offsets. Token tags are a derived view (see ``tags.py``); nothing here knows
about subword tokens.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    """``text[start:end]`` of the document, with a label (an entity type, event type or role)."""

    start: int
    end: int
    label: str
    text: str
    score: float | None = None

    def to_dict(self, label_key: str = "type") -> dict:
        out = {label_key: self.label, "text": self.text, "start": self.start, "end": self.end}
        if self.score is not None:
            out["score"] = round(float(self.score), 4)
        return out


@dataclass(frozen=True)
class Event:
    """A trigger span (labelled with the event type) and its arguments (labelled with roles)."""

    trigger: Span
    arguments: tuple[Span, ...] = ()

    @property
    def type(self) -> str:
        return self.trigger.label

    def to_dict(self) -> dict:
        trigger = self.trigger.to_dict()
        trigger.pop("type")
        return {
            "type": self.type,
            "trigger": trigger,
            "arguments": [a.to_dict(label_key="role") for a in self.arguments],
        }


@dataclass(frozen=True)
class Sentence:
    """One sentence of a document: ``text[start:end]`` and its words' ``(start, end)`` offsets."""

    index: int
    start: int
    end: int
    words: tuple[tuple[int, int], ...]

    def holds(self, span: Span) -> bool:
        return self.start <= span.start and span.end <= self.end


def sentence_from_words(words: Sequence[str], index: int = 0) -> tuple[str, Sentence]:
    """Words already split (a CoNLL sentence) as text: the words joined by single spaces, and the
    ``Sentence`` over all of it with each word's offsets in that text. The one place such offsets
    are built (the CoNLL reader, ``tag_words``, the bundles' external check)."""
    offsets, position = [], 0
    for word in words:
        offsets.append((position, position + len(word)))
        position += len(word) + 1
    text = " ".join(words)
    return text, Sentence(index, 0, len(text), tuple(offsets))


@dataclass
class Document:
    id: str
    text: str
    entities: list[Span] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    _segmented: tuple = field(default=(), init=False, repr=False, compare=False)

    @property
    def sentences(self) -> list[Sentence]:
        """The sentences that hold words (``segment.sentences`` numbering kept in ``index``),
        segmented once per text."""
        if not self._segmented or self._segmented[0] is not self.text:
            from .segment import sentences, words

            segmented = []
            for i, (s, e) in enumerate(sentences(self.text)):
                offsets = words(self.text, s, e)
                if offsets:
                    segmented.append(Sentence(i, s, e, tuple(offsets)))
            self._segmented = (self.text, segmented)
        return self._segmented[1]

    @property
    def words(self) -> list[tuple[int, int]]:
        """Every word's ``(start, end)``, sentence after sentence."""
        return [w for sentence in self.sentences for w in sentence.words]

    def sentence_holding(self, start: int, end: int) -> Sentence | None:
        """The sentence that holds ``[start, end)`` whole, or None (a span across a sentence cut)."""
        return next((s for s in self.sentences if s.start <= start and end <= s.end), None)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "entities": [e.to_dict() for e in self.entities],
            "events": [e.to_dict() for e in self.events],
        }

    @classmethod
    def from_dict(cls, text: str, result: Mapping | None, doc_id: str | None = None) -> "Document":
        """The document of ``text`` from ``to_dict``'s form (what ``predict()`` returns), every span
        checked against the text: a result that does not fit it raises ``ValueError`` naming the item."""
        if not isinstance(text, str):
            raise TypeError(f"text: expected str, got {type(text).__name__}")
        result = result or {}
        entities = [_span_from_dict(text, e, "type", f"entities[{i}]") for i, e in enumerate(result.get("entities") or [])]
        events = []
        for i, ev in enumerate(result.get("events") or []):
            if not isinstance(ev, Mapping) or "trigger" not in ev or "type" not in ev:
                raise ValueError(f"events[{i}]: expected a dict with 'type' and 'trigger'")
            trigger = _span_from_dict(text, {**ev["trigger"], "type": ev["type"]}, "type", f"events[{i}].trigger")
            arguments = tuple(_span_from_dict(text, a, "role", f"events[{i}].arguments[{j}]")
                              for j, a in enumerate(ev.get("arguments") or []))
            events.append(Event(trigger, arguments))
        return cls(doc_id if doc_id is not None else str(result.get("id", "doc")), text, entities, events)


def make_span(text: str, start: int, end: int, label: str, score: float | None = None) -> Span:
    return Span(start=start, end=end, label=label, text=text[start:end], score=score)


def _span_from_dict(text: str, item: Mapping, label_key: str, where: str) -> Span:
    if not isinstance(item, Mapping):
        raise ValueError(f"{where}: expected a dict, got {type(item).__name__}")
    try:
        start, end, label = item["start"], item["end"], item[label_key]
    except KeyError as e:
        raise ValueError(f"{where}: missing key {e.args[0]!r}") from None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        raise ValueError(f"{where}: start and end must be ints, got {start!r} and {end!r}")
    if not (0 <= start < end <= len(text)):
        raise ValueError(f"{where}: offsets {start}-{end} are empty or outside the text (length {len(text)})")
    if not isinstance(label, str) or not label:
        raise ValueError(f"{where}: {label_key} must be a non-empty string, got {label!r}")
    surface = text[start:end]
    if "text" in item and item["text"] != surface:
        raise ValueError(f"{where}: recorded text {item['text']!r} differs from the text at {start}-{end}: {surface!r}")
    score = item.get("score")
    return Span(start, end, label, surface, None if score is None else float(score))
