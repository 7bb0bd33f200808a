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

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..data.document import Document, Span
from ..data.tags import covered_words, spans_to_tags

LAYERS = ("entities", "triggers", "triggers_identification", "arguments_gold_triggers",
          "arguments_gold_triggers_identification", "arguments_end_to_end")


@dataclass
class TagSequences:
    """Gold and predicted tag sequences of every layer, accumulated over documents (and folds)."""

    gold: dict[str, list[list[str]]] = field(default_factory=lambda: {k: [] for k in LAYERS})
    pred: dict[str, list[list[str]]] = field(default_factory=lambda: {k: [] for k in LAYERS})
    documents: list[str] = field(default_factory=list)

    def add(self, layer: str, gold: list[str], pred: list[str]) -> None:
        self.gold[layer].append(gold)
        self.pred[layer].append(pred)

    def extend(self, other: "TagSequences") -> None:
        for k in LAYERS:
            self.gold[k].extend(other.gold[k])
            self.pred[k].extend(other.pred[k])
        self.documents.extend(other.documents)


def _tags(offsets, spans: Sequence[Span], rename=None) -> list[str]:
    return spans_to_tags(offsets, [(s.start, s.end, rename or s.label) for s in spans])


def add_document(seqs: TagSequences, gold: Document, pred: Document, pred_gold_triggers: Document) -> None:
    """Project one document's gold and predictions onto its words, sentence by sentence.

    ``pred_gold_triggers`` holds the arguments predicted for the gold triggers.
    """
    seqs.documents.append(gold.id)
    by_trigger = {(ev.trigger.start, ev.trigger.end, ev.type): ev for ev in pred_gold_triggers.events}
    for sentence in gold.sentences:
        offsets = sentence.words
        g_ent = [x for x in gold.entities if sentence.holds(x)]
        p_ent = [x for x in pred.entities if sentence.holds(x)]
        seqs.add("entities", _tags(offsets, g_ent), _tags(offsets, p_ent))
        g_ev = [ev for ev in gold.events if sentence.holds(ev.trigger)]
        p_ev = [ev for ev in pred.events if sentence.holds(ev.trigger)]
        g_trg = [ev.trigger for ev in g_ev]
        p_trg = [ev.trigger for ev in p_ev]
        seqs.add("triggers", _tags(offsets, g_trg), _tags(offsets, p_trg))
        seqs.add("triggers_identification", _tags(offsets, g_trg, "TRIGGER"), _tags(offsets, p_trg, "TRIGGER"))

        for ev in g_ev:
            p = by_trigger.get((ev.trigger.start, ev.trigger.end, ev.type))
            p_args = list(p.arguments) if p else []
            seqs.add("arguments_gold_triggers", _tags(offsets, ev.arguments), _tags(offsets, p_args))
            seqs.add("arguments_gold_triggers_identification", _tags(offsets, ev.arguments, "ARG"), _tags(offsets, p_args, "ARG"))

        pred_by_key = {(ev.trigger.start, ev.trigger.end, ev.type): ev for ev in p_ev}
        gold_keys = set()
        for ev in g_ev:
            key = (ev.trigger.start, ev.trigger.end, ev.type)
            gold_keys.add(key)
            p = pred_by_key.get(key)
            seqs.add("arguments_end_to_end", _tags(offsets, ev.arguments), _tags(offsets, p.arguments if p else []))
        for key, ev in pred_by_key.items():
            if key not in gold_keys:
                seqs.add("arguments_end_to_end", ["O"] * len(offsets), _tags(offsets, ev.arguments))
    _add_spans_across_sentences(seqs, gold)


def _add_spans_across_sentences(seqs: TagSequences, gold: Document) -> None:
    """A gold entity or trigger that crosses a sentence cut (the segmenter cuts after «!» in
    «ياهو! نيوز») is in no sentence's sequence, and ``predict()``, which tags sentence by sentence,
    can never find it: it is counted as a miss, in a sequence of its own over the words it covers,
    rather than leave the evaluation unseen. (Its words' predictions are scored in their sentences.)"""
    all_words = gold.words
    spans = {"entities": list(gold.entities), "triggers": [ev.trigger for ev in gold.events]}
    for layer, layer_spans in spans.items():
        for span in layer_spans:
            if gold.sentence_holding(span.start, span.end) is not None:
                continue
            offsets = [all_words[i] for i in covered_words(all_words, span.start, span.end)]
            if not offsets:
                continue
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
    """Spans in gold, predicted and in both, as seqeval's default mode reads them (``get_entities``
    over the sequences), and the micro F1 they give: seqeval's own (of one type, with ``label``)."""
    from seqeval.metrics.sequence_labeling import get_entities

    g, p = set(get_entities(gold)), set(get_entities(pred))
    if label is not None:
        g, p = {x for x in g if x[0] == label}, {x for x in p if x[0] == label}
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
