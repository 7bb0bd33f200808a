"""Scores a user can trust: seqeval over word-level IOB2 tags, per layer, on held-out documents only.

Gold and predicted spans are both projected onto the same words (the corpus segmentation), so the
scores are seqeval's own, in its default (CoNLL) mode and in strict IOB2 mode. Four views:

- ``entities``: the flat entity layer;
- ``triggers``: event triggers typed with their event type (and ``triggers_identification``, typeless);
- ``arguments_gold_triggers``: each gold trigger's arguments, tagged with the gold trigger given;
- ``arguments_end_to_end``: arguments of predicted triggers. A gold event whose trigger was not found
  (same span and type) counts all its arguments as missed; a spurious trigger's arguments count as
  false positives.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from ..data.document import Document, Event, Sentence, Span
from ..data.tags import covered_words, spans_to_tags, tags_to_word_spans

LAYERS = ("entities", "triggers", "triggers_identification", "arguments_gold_triggers",
          "arguments_gold_triggers_identification", "arguments_end_to_end")


@dataclass
class TagSequences:
    """Gold and predicted tag sequences of every layer, accumulated over documents (and folds)."""

    gold: dict[str, list[list[str]]] = field(default_factory=lambda: {k: [] for k in LAYERS})
    pred: dict[str, list[list[str]]] = field(default_factory=lambda: {k: [] for k in LAYERS})
    documents: list[str] = field(default_factory=list)
    #: The same documents' event errors by class (``event_errors.EventErrors``), where they were
    #: classified: brat documents, which have events; None for a CoNLL or public corpus.
    event_errors: object | None = None

    def add(self, layer: str, gold: list[str], pred: list[str]) -> None:
        self.gold[layer].append(gold)
        self.pred[layer].append(pred)

    def extend(self, other: "TagSequences") -> None:
        for k in LAYERS:
            self.gold[k].extend(other.gold[k])
            self.pred[k].extend(other.pred[k])
        self.documents.extend(other.documents)
        if other.event_errors is not None:
            if self.event_errors is None:
                self.event_errors = type(other.event_errors)()
            self.event_errors.extend(other.event_errors)


def _tags(offsets, spans: Sequence[Span], rename=None) -> list[str]:
    return spans_to_tags(offsets, [(s.start, s.end, rename or s.label) for s in spans])


@dataclass(frozen=True)
class SentenceEvents:
    """One sentence's events as the argument scores pair them (``sentence_events``)."""

    sentence: Sentence
    gold: list[Event]  # gold events whose trigger lies in the sentence
    pred: list[Event]  # predicted events whose trigger lies in the sentence
    #: Each gold event with the arguments predicted for its trigger given (none where no prediction).
    given: list[tuple[Event, tuple[Span, ...]]]
    #: Gold and predicted events paired on trigger span and type; None on the side that has no match.
    end_to_end: list[tuple[Event | None, Event | None]]


def _key(ev: Event) -> tuple[int, int, str]:
    return (ev.trigger.start, ev.trigger.end, ev.type)


def sentence_events(gold: Document, pred: Document, pred_gold_triggers: Document) -> Iterator[SentenceEvents]:
    """The pairing both argument scores rest on, sentence by sentence: given gold triggers, each
    gold event takes the arguments predicted for its trigger; end to end, a predicted event counts
    for a gold event only with the same trigger span and type."""
    by_trigger = {_key(ev): ev for ev in pred_gold_triggers.events}
    for sentence in gold.sentences:
        g_ev = [ev for ev in gold.events if sentence.holds(ev.trigger)]
        p_ev = [ev for ev in pred.events if sentence.holds(ev.trigger)]
        given = [(ev, by_trigger[_key(ev)].arguments if _key(ev) in by_trigger else ()) for ev in g_ev]
        pred_by_key = {_key(ev): ev for ev in p_ev}
        gold_keys = {_key(ev) for ev in g_ev}
        end_to_end = [(ev, pred_by_key.get(_key(ev))) for ev in g_ev]
        end_to_end += [(None, ev) for key, ev in pred_by_key.items() if key not in gold_keys]
        yield SentenceEvents(sentence, g_ev, p_ev, given, end_to_end)


def word_spans(offsets, spans: Sequence[Span]) -> list[tuple[int, int, str]]:
    """``(first_word, last_word + 1, label)`` of each span as the scores count it: projected onto the
    sentence's words, where a span that overlaps a longer one on words is left out (``spans_to_tags``)."""
    return tags_to_word_spans(_tags(offsets, spans))


def add_document(seqs: TagSequences, gold: Document, pred: Document, pred_gold_triggers: Document) -> None:
    """Project one document's gold and predictions onto its words, sentence by sentence.

    ``pred_gold_triggers`` holds the arguments predicted for the gold triggers.
    """
    seqs.documents.append(gold.id)
    for events in sentence_events(gold, pred, pred_gold_triggers):
        sentence = events.sentence
        offsets = sentence.words
        g_ent = [x for x in gold.entities if sentence.holds(x)]
        p_ent = [x for x in pred.entities if sentence.holds(x)]
        seqs.add("entities", _tags(offsets, g_ent), _tags(offsets, p_ent))
        g_trg = [ev.trigger for ev in events.gold]
        p_trg = [ev.trigger for ev in events.pred]
        seqs.add("triggers", _tags(offsets, g_trg), _tags(offsets, p_trg))
        seqs.add("triggers_identification", _tags(offsets, g_trg, "TRIGGER"), _tags(offsets, p_trg, "TRIGGER"))

        for ev, p_args in events.given:
            seqs.add("arguments_gold_triggers", _tags(offsets, ev.arguments), _tags(offsets, p_args))
            seqs.add("arguments_gold_triggers_identification", _tags(offsets, ev.arguments, "ARG"), _tags(offsets, p_args, "ARG"))
        for g, p in events.end_to_end:
            seqs.add("arguments_end_to_end", _tags(offsets, g.arguments if g else []), _tags(offsets, p.arguments if p else []))
    _add_spans_across_sentences(seqs, gold)


def spans_across_sentences(gold: Document, layer: str) -> Iterator[tuple[list[tuple[int, int]], Span]]:
    """Each gold entity or trigger (``layer``) that crosses a sentence cut, with the words it covers."""
    all_words = gold.words
    spans = list(gold.entities) if layer == "entities" else [ev.trigger for ev in gold.events]
    for span in spans:
        if gold.sentence_holding(span.start, span.end) is not None:
            continue
        offsets = [all_words[i] for i in covered_words(all_words, span.start, span.end)]
        if offsets:
            yield offsets, span


def _add_spans_across_sentences(seqs: TagSequences, gold: Document) -> None:
    """A gold entity or trigger that crosses a sentence cut (the segmenter cuts after «!» in
    «ياهو! نيوز») is in no sentence's sequence, and ``predict()``, which tags sentence by sentence,
    can never find it: it is counted as a miss, in a sequence of its own over the words it covers,
    rather than leave the evaluation unseen. (Its words' predictions are scored in their sentences.)"""
    for layer in ("entities", "triggers"):
        for offsets, span in spans_across_sentences(gold, layer):
            seqs.add(layer, _tags(offsets, [span]), ["O"] * len(offsets))
            if layer == "triggers":
                seqs.add("triggers_identification", _tags(offsets, [span], "TRIGGER"), ["O"] * len(offsets))


def _has_spans(seqs: list[list[str]], **mode) -> bool:
    if mode.get("mode") == "strict":
        from seqeval.scheme import Entities

        return any(Entities(seqs, mode["scheme"]).entities)
    return any(t != "O" for seq in seqs for t in seq)


def score_layer(gold: list[list[str]], pred: list[list[str]]) -> dict:
    """seqeval's micro, macro and per-type figures, default mode and strict IOB2."""
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    def figures(**mode):
        # No span on either side in this mode (strict IOB2 finds none in a lone I- tag): all zeros,
        # where seqeval's macro average would be NaN.
        if not _has_spans(gold, **mode) and not _has_spans(pred, **mode):
            return {"micro": {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}, "macro": {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}, "per_type": {}}
        rep = classification_report(gold, pred, output_dict=True, zero_division=0, **mode)
        clean = lambda d: {"precision": round(float(d["precision"]), 4), "recall": round(float(d["recall"]), 4),  # noqa: E731
                           "f1": round(float(d["f1-score"]), 4), "support": int(d["support"])}
        return {
            "micro": clean(rep["micro avg"]),
            "macro": clean(rep["macro avg"]),
            "per_type": {k: clean(v) for k, v in rep.items() if k not in ("micro avg", "macro avg", "weighted avg")},
        }

    out = figures()
    out["strict"] = figures(mode="strict", scheme=IOB2)
    return out


def span_counts(gold: list[list[str]], pred: list[list[str]], label: str | None = None) -> dict:
    """Spans in gold, predicted and in both, as seqeval's default mode reads them (``tags_to_word_spans``,
    sequence by sequence), and the micro F1 they give: seqeval's own (of one type, with ``label``)."""
    g = {(i, *span) for i, tags in enumerate(gold) for span in tags_to_word_spans(tags)}
    p = {(i, *span) for i, tags in enumerate(pred) for span in tags_to_word_spans(tags)}
    if label is not None:
        g, p = {x for x in g if x[3] == label}, {x for x in p if x[3] == label}
    both = len(g & p)
    return {"gold": len(g), "predicted": len(p), "both": both,
            "f1": 2 * both / (len(g) + len(p)) if g or p else 0.0}


def text_report(gold: list[list[str]], pred: list[list[str]], strict: bool = False) -> str:
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    if not any(t != "O" for seq in gold + pred for t in seq):
        return "(no spans in gold or prediction)\n"
    mode = {"mode": "strict", "scheme": IOB2} if strict else {}
    return classification_report(gold, pred, digits=3, zero_division=0, **mode)


def score_all(seqs: TagSequences) -> dict:
    out = {layer: score_layer(seqs.gold[layer], seqs.pred[layer]) for layer in LAYERS}
    out["documents"] = list(seqs.documents)
    return out
