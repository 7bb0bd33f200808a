"""The corpus-trained entity layer scored on public Arabic NER corpora (../shared/corpora).

Each corpus is read into our schema's types (``data/conll.py``'s mapping table), then gold and
prediction are both projected onto the labels the two sides can share:

- Wojood (outermost layer): the types our training corpus has examples of; other types become O on
  both sides, since a model cannot be asked for a type it has never seen.
- ANERcorp / AQMAR: PERS, ORG and LOC, where our GPE, LOC and FAC all count as LOC (their LOC covers
  countries, cities, regions and places alike) and everything else becomes O on both sides.
"""

from __future__ import annotations

from pathlib import Path

from ..data.conll import corpus_file, read_conll, scored_as
from ..model.predict import DEFAULT_BATCH_SIZE, load_predictor
from .scoring import score_layer, text_report

COARSE = scored_as("anercorp")  # AQMAR's PER is read as PERS on loading, so one map scores both


def _project(tags: list[str], mapping) -> list[str]:
    out = []
    for tag in tags:
        if tag == "O":
            out.append("O")
            continue
        prefix, name = tag.split("-", 1)
        target = mapping(name)
        out.append(f"{prefix}-{target}" if target else "O")
    # An I- whose B- was projected away opens a span (seqeval's default reading does the same).
    return out


def cross_corpus(model_dir: str | Path, corpus: str, split: str, corpora_root: str | Path | None = None,
                 batch_size: int = DEFAULT_BATCH_SIZE, *, wojood_types: str = "trained", int8: bool = False,
                 decoding: str = "viterbi"):
    """``(gold, predicted)`` tag sequences, projected onto the shared labels, and the label set used.

    ``wojood_types="all"`` scores Wojood on all its 21 types (``evaluate``'s view: a model trained
    with Wojood knows them all); ``"trained"`` on the types the brat training documents have.
    """
    predictor = load_predictor(model_dir, int8=int8)
    gold, predicted = tag_conll(predictor, corpus, corpus_file(corpus, split, corpora_root), batch_size, decoding)
    if corpus == "wojood" and wojood_types == "all":
        return gold, predicted, sorted({t[2:] for t in predictor.entity_labels if t != "O"})
    if corpus == "wojood":
        trained = _trained_types(predictor)
        mapping = lambda name: name if name in trained else None  # noqa: E731
        shared = sorted(trained)
    else:
        mapping = COARSE.get
        shared = ["LOC", "ORG", "PERS"]
    return [_project(g, mapping) for g in gold], [_project(p, mapping) for p in predicted], shared


def tag_conll(predictor, corpus: str, path: str | Path, batch_size: int = DEFAULT_BATCH_SIZE,
              decoding: str = "viterbi") -> tuple[list[list[str]], list[list[str]]]:
    """Gold and predicted entity tags, in our schema's types, of every sentence of a CoNLL file: the
    one place a CoNLL corpus is tagged for scoring (a public corpus here, a CoNLL-trained model's
    evaluation split in ``runner``)."""
    rows = read_conll(path, corpus)
    predicted = predictor.tag_words([r["words"] for r in rows], batch_size=batch_size, decoding=decoding)
    return [r["entity_tags"] for r in rows], predicted


def _trained_types(predictor) -> set[str]:
    """Entity types with at least one example in the model's training documents."""
    from ..data.corpus import read_corpus

    corpus_dir = predictor.config.training_config.get("data", {}).get("corpus_dir", "data")
    documents, _ = read_corpus(corpus_dir)
    return {e.label for d in documents if d.id in predictor.config.train_documents for e in d.entities}


def report(model_dir, corpus: str, split: str, corpora_root=None) -> tuple[str, dict]:
    gold, pred, shared = cross_corpus(model_dir, corpus, split, corpora_root)
    scores = score_layer(gold, pred)
    text = (f"=== {corpus} {split}: entities, labels shared with the training corpus ({', '.join(shared)}) ===\n"
            + text_report(gold, pred))
    return text, scores


def run(model_dir, specs: list[str], corpora_root=None, report_json: str | None = None, out=print) -> dict:
    """``crosscorpus``: each ``NAME:SPLIT`` (the split ``dev`` where none is named) scored and printed;
    the scores by spec as JSON with ``report_json``."""
    import json

    from arabic_news_tagger.io import atomic_write_text

    all_scores = {}
    for spec in specs:
        corpus, _, split = spec.partition(":")
        text, scores = report(model_dir, corpus, split or "dev", corpora_root)
        out(text)
        all_scores[spec] = scores
    if report_json:
        atomic_write_text(report_json, json.dumps(all_scores, indent=2))
    return all_scores
