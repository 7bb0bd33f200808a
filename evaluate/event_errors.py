"""What kind of mistake each event error is: the triggers' and the arguments' scores taken apart.

Every span is compared as the scores compare it (``scoring.py``): projected onto its sentence's
words, gold and predicted events paired as the argument scores pair them (``sentence_events``).
So a class table adds up to the seqeval figures it explains: for each layer,

    gold      = correct + every gold-side class (wrong type or role, wrong trigger, boundary, missed)
    predicted = correct + the same pairs + spurious

and ``2 * correct / (gold + predicted)`` is the layer's micro F1 (seqeval default mode). A pair
(a gold span and a predicted one that almost match) is one miss and one false alarm to seqeval,
and one error here, counted under the gold span's type or role.

Triggers: ``wrong_type`` (the same words, another event type), ``boundary`` (overlapping words,
whatever the type), ``missed``, ``spurious``.

Arguments, per view (given the gold triggers; end to end): ``wrong_role`` (the same words under the
same event, another role), ``wrong_trigger`` (words and role right, but under another event of the
sentence, where that event's gold lacks them), ``boundary_word`` (overlapping, one word more or less
at one end), ``boundary_more`` (overlapping, off by more: a clause, a word at each end), ``missed``,
``spurious``; end to end also ``trigger_missed`` (the arguments of a gold event whose trigger was
not found with its type: all missed, as the score counts them) and ``trigger_spurious`` (those of a
predicted event with no gold event of that trigger and type).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..data.document import Document
from .scoring import sentence_events, spans_across_sentences, word_spans

WordSpan = tuple[int, int, str]

TRIGGER_CLASSES = ("wrong_type", "boundary", "missed")
ARGUMENT_CLASSES = ("wrong_role", "wrong_trigger", "boundary_word", "boundary_more", "missed", "trigger_missed")
#: The classes a layer has on its gold side (each also a false positive, except missed ones), then
#: on its predicted side only.
GOLD_SIDE = {"triggers": TRIGGER_CLASSES,
             "arguments_gold_triggers": ARGUMENT_CLASSES[:-1],
             "arguments_end_to_end": ARGUMENT_CLASSES}
PRED_SIDE = {"triggers": ("spurious",),
             "arguments_gold_triggers": ("spurious",),
             "arguments_end_to_end": ("spurious", "trigger_spurious")}
ERROR_LAYERS = tuple(GOLD_SIDE)
#: Classes that pair a gold span with a predicted one (one false negative and one false positive).
PAIRED = ("wrong_type", "boundary", "wrong_role", "wrong_trigger", "boundary_word", "boundary_more")

TITLES = {"triggers": "Event triggers: errors by class",
          "arguments_gold_triggers": "Arguments given gold triggers: errors by class",
          "arguments_end_to_end": "Arguments end to end: errors by class"}
HEADINGS = {"wrong_type": "wrong type", "wrong_role": "wrong role", "wrong_trigger": "wrong trigger",
            "boundary_word": "boundary: a word", "boundary_more": "boundary: more", "trigger_missed": "trigger missed",
            "trigger_spurious": "trigger spurious"}


@dataclass
class EventErrors:
    """Counts per layer, per gold (or, for spurious spans, predicted) type or role, per class; also
    ``gold``, ``predicted`` and ``correct``. Accumulated over documents, and over folds by ``extend``."""

    counts: dict[str, dict[str, Counter]] = field(default_factory=lambda: {layer: {} for layer in ERROR_LAYERS})
    documents: list[str] = field(default_factory=list)

    def _count(self, layer: str, label: str, what: str, n: int = 1) -> None:
        self.counts[layer].setdefault(label, Counter())[what] += n

    def add(self, gold: Document, pred: Document, pred_gold_triggers: Document) -> None:
        """One document: ``pred`` as predicted, ``pred_gold_triggers`` with the gold triggers given."""
        self.documents.append(gold.id)
        for events in sentence_events(gold, pred, pred_gold_triggers):
            offsets = events.sentence.words
            self._triggers(word_spans(offsets, [ev.trigger for ev in events.gold]),
                           word_spans(offsets, [ev.trigger for ev in events.pred]))
            self._arguments("arguments_gold_triggers",
                            [(word_spans(offsets, ev.arguments), word_spans(offsets, args)) for ev, args in events.given])
            self._arguments("arguments_end_to_end",
                            [(word_spans(offsets, g.arguments) if g else None, word_spans(offsets, p.arguments) if p else None)
                             for g, p in events.end_to_end])
        # A trigger across a sentence cut is a miss to the scores (predict() tags sentence by sentence).
        for _, span in spans_across_sentences(gold, "triggers"):
            self._count("triggers", span.label, "gold")
            self._count("triggers", span.label, "missed")

    def _tally(self, layer: str, gold: list[WordSpan], pred: list[WordSpan]) -> None:
        for g in gold:
            self._count(layer, g[2], "gold")
        for p in pred:
            self._count(layer, p[2], "predicted")

    def _triggers(self, gold: list[WordSpan], pred: list[WordSpan]) -> None:
        self._tally("triggers", gold, pred)
        g_left, p_left = _take_correct(gold, pred, lambda label: self._count("triggers", label, "correct"))
        for what, fits in (("wrong_type", _same_words), ("boundary", _overlap)):
            for g, _ in _pair(g_left, p_left, fits):
                self._count("triggers", g[2], what)
        for g in g_left:
            self._count("triggers", g[2], "missed")
        for p in p_left:
            self._count("triggers", p[2], "spurious")

    def _arguments(self, layer: str, events: list[tuple[list[WordSpan] | None, list[WordSpan] | None]]) -> None:
        """``events``: one sentence's (gold arguments, predicted arguments) per paired event; None
        for the side of an event the other side has no match for (end to end only)."""
        paired = []
        for gold, pred in events:
            self._tally(layer, gold or [], pred or [])
            if gold is None:
                for p in pred:
                    self._count(layer, p[2], "trigger_spurious")
            elif pred is None:
                for g in gold:
                    self._count(layer, g[2], "trigger_missed")
            else:
                paired.append(_take_correct(gold, pred, lambda label: self._count(layer, label, "correct")))
        for g_left, p_left in paired:
            for g, _ in _pair(g_left, p_left, _same_words):
                self._count(layer, g[2], "wrong_role")
        # Exactly right, but under the wrong one of the sentence's events: only what is left over
        # on both sides (an argument the two events share in the gold is no such error).
        for i, (g_left, _) in enumerate(paired):
            for j, (_, other_p_left) in enumerate(paired):
                if i != j:
                    for g, _p in _pair(g_left, other_p_left, lambda a, b: a == b):
                        self._count(layer, g[2], "wrong_trigger")
        for g_left, p_left in paired:
            for g, p in _pair(g_left, p_left, _overlap):
                self._count(layer, g[2], "boundary_word" if abs(g[0] - p[0]) + abs(g[1] - p[1]) == 1 else "boundary_more")
            for g in g_left:
                self._count(layer, g[2], "missed")
            for p in p_left:
                self._count(layer, p[2], "spurious")

    def extend(self, other: "EventErrors") -> None:
        for layer in ERROR_LAYERS:
            for label, counter in other.counts[layer].items():
                self.counts[layer].setdefault(label, Counter()).update(counter)
        self.documents.extend(other.documents)

    def totals(self, layer: str) -> Counter:
        out = Counter()
        for counter in self.counts[layer].values():
            out.update(counter)
        return out

    def to_dict(self) -> dict:
        """Per layer: ``all`` (every class, zeros included) and the same per type or role."""
        def row(layer: str, counter: Counter) -> dict:
            return {k: counter[k] for k in ("gold", "predicted", "correct", *GOLD_SIDE[layer], *PRED_SIDE[layer])}

        out = {}
        for layer in ERROR_LAYERS:
            per = "per_type" if layer == "triggers" else "per_role"
            out[layer] = {"all": row(layer, self.totals(layer)),
                          per: {label: row(layer, c) for label, c in sorted(self.counts[layer].items())}}
        out["documents"] = list(self.documents)
        return out


def _take_correct(gold: list[WordSpan], pred: list[WordSpan], count) -> tuple[list[WordSpan], list[WordSpan]]:
    """Counts the exact matches; returns what is left on each side."""
    both = set(gold) & set(pred)
    for g in gold:
        if g in both:
            count(g[2])
    return [g for g in gold if g not in both], [p for p in pred if p not in both]


def _same_words(g: WordSpan, p: WordSpan) -> bool:
    return g[:2] == p[:2]


def _overlap(g: WordSpan, p: WordSpan) -> bool:
    return g[0] < p[1] and p[0] < g[1]


def _pair(gold: list[WordSpan], pred: list[WordSpan], fits) -> list[tuple[WordSpan, WordSpan]]:
    """Pairs each gold span, left to right, with the predicted span that fits it and shares the
    most words with it; removes both from their lists (one error each, never counted twice)."""
    pairs = []
    for g in list(gold):
        candidates = [p for p in pred if fits(g, p)]
        if candidates:
            p = max(candidates, key=lambda p: (min(g[1], p[1]) - max(g[0], p[0]), -p[0]))
            gold.remove(g)
            pred.remove(p)
            pairs.append((g, p))
    return pairs


def table(errors: dict, layers: Iterable[str] = ERROR_LAYERS, heading=lambda title: f"=== {title} ===") -> str:
    """``EventErrors.to_dict()`` as Markdown tables (plain text that reads as it prints), one per
    layer: a row for all spans, then one per type or role; ``heading`` makes each layer's title line."""
    blocks = []
    for layer in layers:
        if layer not in errors:
            continue
        columns = ("gold", "correct", *GOLD_SIDE[layer], "predicted", *PRED_SIDE[layer])
        per = errors[layer].get("per_type", errors[layer].get("per_role", {}))
        total = errors[layer]["all"]
        denominator = total["gold"] + total["predicted"]
        f1 = 2 * total["correct"] / denominator if denominator else 0.0
        lines = [heading(f"{TITLES[layer]} (micro F1 {f1:.3f}; gold = correct + the classes up to predicted)"),
                 f"| {'type' if layer == 'triggers' else 'role'} | " + " | ".join(HEADINGS.get(c, c) for c in columns) + " |",
                 "|---|" + "---:|" * len(columns)]
        for label, counts in [("all", total), *per.items()]:
            lines.append(f"| {label} | " + " | ".join(str(counts[c]) for c in columns) + " |")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
