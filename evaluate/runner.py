"""``evaluate`` (a trained model on the documents it held out) and ``crossval`` (one model per
left-out document), with their printed, JSON and Markdown reports."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from arabic_news_tagger.io import atomic_write_text

from ..data.corpus import read_corpus
from ..model.predict import DEFAULT_BATCH_SIZE, load_predictor, unload_predictor
from .event_errors import ERROR_LAYERS, EventErrors
from .event_errors import table as error_table
from .scoring import LAYERS, TagSequences, add_document, score_all, text_report

TITLES = {
    "entities": "Entities",
    "triggers": "Event triggers (type-classified)",
    "triggers_identification": "Event triggers (identification: span only)",
    "arguments_gold_triggers": "Arguments given gold triggers (role-classified)",
    "arguments_gold_triggers_identification": "Arguments given gold triggers (identification: span only)",
    "arguments_end_to_end": "Arguments end to end (from predicted triggers)",
}


#: The public corpora's evaluation splits that ``evaluate`` always reports (../shared/corpora): never
#: trained on by any configuration (training reads their train splits).
PUBLIC_SPLITS = (("wojood", "val"), ("anercorp", "dev"), ("aqmar", "dev"))
EVENT_LAYERS = tuple(layer for layer in LAYERS if layer != "entities")


def absent_layers(trained_layers) -> dict[str, str]:
    """The scoring layers a model cannot be scored on, with why: layers it was never trained for."""
    needs = {"triggers": ("triggers",), "triggers_identification": ("triggers",),
             "arguments_gold_triggers": ("arguments",), "arguments_gold_triggers_identification": ("arguments",),
             "arguments_end_to_end": ("triggers", "arguments")}
    out = {}
    for layer in EVENT_LAYERS:
        missing = [n for n in needs[layer] if n not in trained_layers]
        if missing:
            out[layer] = f"the model was not trained for {' or '.join(missing)}"
    return out


def brat_sources(training_config: dict) -> list[str]:
    """The brat directories a model was trained on, read from its recorded training configuration."""
    data = training_config.get("data", {})
    if data.get("sources"):
        return [s["path"] for s in data["sources"] if s.get("format", "brat") == "brat"]
    if data.get("format") == "conll":
        return []
    return [data.get("corpus_dir", "data"), *data.get("extra_corpus_dirs", [])]


def held_out_sequences(model_dir: str | Path, corpus_dir: str | Path | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
                       int8: bool = False, decoding: str = "viterbi", argument_min_score: float | None = None) -> TagSequences:
    """Gold and predicted tags of the documents of ``corpus_dir`` (default: the model's training
    corpus) that ``model_dir`` records as held out, and only those; their event errors by class
    in ``event_errors``."""
    predictor = load_predictor(model_dir, int8=int8)
    config = predictor.config
    if not config.held_out_documents:
        raise ValueError(f"{model_dir}: this model held out no documents (data.held_out_documents was empty); "
                         "there is nothing it has not seen to score it on")
    data = config.training_config.get("data", {})
    if corpus_dir is None and not brat_sources(config.training_config):
        return conll_held_out_sequences(predictor, data, batch_size, decoding)
    corpus_dir = corpus_dir or data.get("corpus_dir", "data")
    documents, _ = read_corpus(corpus_dir)
    trained_on = set(config.train_documents)
    gold = [d for d in documents if d.id in config.held_out_documents and d.id not in trained_on]
    if not gold:
        raise ValueError(f"{corpus_dir}: none of the held-out document(s) {config.held_out_documents} of {model_dir} is in this corpus")
    texts = [d.text for d in gold]
    # One pass for everything predicted, one with the gold triggers given to the argument tagger.
    predicted = predictor.predict_documents(texts, batch_size=batch_size, decoding=decoding,
                                            argument_min_score=argument_min_score)
    given_triggers = predictor.predict_documents(texts, batch_size=batch_size, gold_triggers=[[ev.trigger for ev in d.events] for d in gold],
                                                 decoding=decoding, argument_min_score=argument_min_score)
    seqs = TagSequences(event_errors=EventErrors())
    for g, p, pg in zip(gold, predicted, given_triggers):
        add_document(seqs, g, p, pg)
        seqs.event_errors.add(g, p, pg)
    return seqs


def held_out_sources(model_dir: str | Path, corpus_dir: str | Path | None = None) -> list[tuple[str, Path]]:
    """``(name, directory)`` of the model's other brat sources that hold some of its held-out
    documents (reported apart from the main corpus: e.g. the held-out tenth of the news-wire bundles).

    The name is the path the model recorded (what reports and score floors call the source). With
    ``corpus_dir`` (the main corpus found elsewhere, ``--corpus-dir``), a source recorded inside the
    recorded main corpus (``data/anercorp`` under ``data``) is read at the same place under it.
    A source not found is left out; ``evaluate`` says so.
    """
    from ..data.brat import corpus_files

    config = load_predictor(model_dir).config
    held = set(config.held_out_documents)
    main = config.training_config.get("data", {}).get("corpus_dir", "data")  # reported first, by held_out_sequences
    out = []
    for name in brat_sources(config.training_config):
        if name == main:
            continue
        path = Path(name)
        if corpus_dir is not None and path.is_relative_to(main):
            path = Path(corpus_dir) / path.relative_to(main)
        if not path.is_dir() or any(f.stem in held for f in corpus_files(path)):
            out.append((name, path))
    return out


def public_sequences(model_dir: str | Path, corpus: str, split: str, corpora_root=None, batch_size: int = DEFAULT_BATCH_SIZE,
                     int8: bool = False, decoding: str = "viterbi") -> TagSequences:
    """Entities of a public corpus's evaluation split: Wojood on all 21 types; ANERcorp and AQMAR on
    PERS/ORG/LOC, our GPE, LOC and FAC counting as LOC (``crosscorpus``)."""
    from .crosscorpus import cross_corpus

    gold, pred, _ = cross_corpus(model_dir, corpus, split, corpora_root, batch_size, wojood_types="all", int8=int8, decoding=decoding)
    return entity_sequences(gold, pred, f"{corpus}:{split}")


def entity_sequences(gold: list[list[str]], pred: list[list[str]], name: str) -> TagSequences:
    """The entity layer of a CoNLL corpus (``name``, e.g. ``wojood:val``) as ``TagSequences``."""
    seqs = TagSequences()
    for g, p in zip(gold, pred):
        seqs.add("entities", g, p)
    seqs.documents.append(name)
    return seqs


def scores_with_absent(seqs: TagSequences, absent: dict[str, str] | None = None) -> dict:
    """``score_all``, with ``{"absent": why}`` in place of each layer that cannot be scored, and the
    event errors by class (``event_errors``) of the layers that can."""
    scores = score_all(seqs)
    for layer, why in (absent or {}).items():
        scores[layer] = {"absent": why}
    errors = event_error_counts(seqs, absent)
    if errors:
        scores["event_errors"] = errors
    return scores


def event_error_counts(seqs: TagSequences, absent: dict[str, str] | None = None) -> dict | None:
    """``EventErrors.to_dict()`` of the layers that can be scored; None where nothing was classified."""
    if seqs.event_errors is None:
        return None
    errors = {k: v for k, v in seqs.event_errors.to_dict().items() if k not in (absent or {})}
    return errors if any(layer in errors for layer in ERROR_LAYERS) else None


def conll_held_out_sequences(predictor, data: dict, batch_size: int, decoding: str = "viterbi") -> TagSequences:
    """A model trained on a CoNLL corpus is scored on that corpus's evaluation split (entities only)."""
    from ..data.conll import corpus_file
    from .crosscorpus import tag_conll

    corpus, split = data["conll_corpus"], data["conll_eval_split"]
    gold, pred = tag_conll(predictor, corpus, corpus_file(corpus, split), batch_size, decoding)
    return entity_sequences(gold, pred, f"{corpus}:{split}")


def print_reports(seqs: TagSequences, out=print, absent: dict[str, str] | None = None) -> None:
    """seqeval's reports of every layer, then the event errors by class (where classified)."""
    for layer in LAYERS:
        if absent and layer in absent:
            out(f"\n=== {TITLES[layer]} — absent: {absent[layer]} ===")
            continue
        for strict in (False, True):
            out(f"\n=== {TITLES[layer]} — seqeval {'strict IOB2' if strict else 'default'} mode ===")
            out(text_report(seqs.gold[layer], seqs.pred[layer], strict=strict).rstrip())
    errors = event_error_counts(seqs, absent)
    if errors:
        out("\n" + error_table(errors))


def _markdown_section(scores: dict, heading: str) -> list[str]:
    lines = [heading, "", f"Documents scored: {', '.join(scores['documents'])}", "",
             "| layer | P | R | F1 | F1 (strict) | support |", "|---|---:|---:|---:|---:|---:|"]
    for layer in LAYERS:
        if "absent" in scores[layer]:
            lines.append(f"| {TITLES[layer]} | absent: {scores[layer]['absent']} | | | | |")
            continue
        m, s = scores[layer]["micro"], scores[layer]["strict"]["micro"]
        lines.append(f"| {TITLES[layer]} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {s['f1']:.3f} | {m['support']} |")
    for layer in LAYERS:
        per = scores[layer].get("per_type")
        if not per:
            continue
        lines += ["", f"#{heading.split(' ', 1)[0]} {TITLES[layer]}", "", "| type | P | R | F1 | support |", "|---|---:|---:|---:|---:|"]
        lines += [f"| {t} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |" for t, v in sorted(per.items())]
    if scores.get("event_errors"):
        level = "#" + heading.split(" ", 1)[0]
        lines += ["", error_table(scores["event_errors"], heading=lambda title: f"{level} {title}\n")]
    return lines


def markdown_report(scores: dict, title: str) -> str:
    """The main corpus's held-out documents (when the scores have them), then each other source."""
    lines = [f"# {title}", ""]
    rows = []
    if "entities" in scores:
        lines += _markdown_section(scores, "## Held-out documents") + [""]
        rows.append(("held-out documents", scores))
    for name, other in scores.get("other_sources", {}).items():
        lines += _markdown_section(other, f"## {name}") + [""]
        rows.append((name, other))
    if len(rows) > 1:
        lines += ["## Summary (micro F1, seqeval default mode)", "", summary_table(rows), ""]
    return "\n".join(lines).rstrip() + "\n"


def write_reports(scores: dict, json_path: str | Path, title: str) -> None:
    json_path = Path(json_path)
    atomic_write_text(json_path, json.dumps(scores, ensure_ascii=False, indent=2))
    atomic_write_text(json_path.with_suffix(".md"), markdown_report(scores, title))


SUMMARY_LAYERS = ("entities", "triggers", "arguments_gold_triggers", "arguments_end_to_end")


def _f1(layer_scores: dict) -> str:
    return "absent" if "absent" in layer_scores else f"{layer_scores['micro']['f1']:.3f}"


def summary_line(scores: dict) -> str:
    return "  ".join(f"{layer}={_f1(scores[layer])}" for layer in SUMMARY_LAYERS)


def summary_table(rows: list[tuple[str, dict]]) -> str:
    """A Markdown table: one row per source, micro F1 of each layer ("absent" where not scored)."""
    lines = ["| held-out source | " + " | ".join(SUMMARY_LAYERS) + " |", "|---|" + "---:|" * len(SUMMARY_LAYERS)]
    lines += [f"| {name} | " + " | ".join(_f1(scores[layer]) for layer in SUMMARY_LAYERS) + " |" for name, scores in rows]
    return "\n".join(lines)


def evaluate_model(model: str | Path, *, corpus_dir: str | Path | None = None, corpora_dir: str | Path | None = None,
                   batch_size: int = DEFAULT_BATCH_SIZE, int8: bool = False, decoding: str = "viterbi",
                   public_corpora: bool = True, report_json: str | None = None, out=print,
                   argument_min_score: float | None = None) -> dict:
    """``evaluate``: every source a model can be scored on, each on its own, printed as seqeval
    reports and a summary table; the scores as JSON and Markdown with ``report_json``.

    The sources: the model's held-out documents of its main corpus (``corpus_dir`` where it is found
    elsewhere), those of its other brat sources, then the public corpora's evaluation splits
    (``PUBLIC_SPLITS``, unless ``public_corpora`` is false) and any CoNLL split it records as held out.
    ``argument_min_score``: as ``predict()``'s (None: the model's own).
    """
    from ..data.conll import corpus_file

    predictor = load_predictor(model, int8=int8)
    trained_absent = absent_layers(predictor.config.trained_layers)
    summary: list[tuple[str, dict]] = []
    scores: dict = {"other_sources": {}}
    brat_held_out = [d for d in predictor.config.held_out_documents if ":" not in d]
    if corpus_dir or brat_held_out or not predictor.config.held_out_documents:
        seqs = held_out_sequences(model, corpus_dir, batch_size, int8=int8, decoding=decoding,
                                  argument_min_score=argument_min_score)
        out(f"held-out documents of {model}: {', '.join(seqs.documents)}")
        print_reports(seqs, out=out, absent=trained_absent)
        scores.update(scores_with_absent(seqs, trained_absent))
        out(f"\nsummary (micro F1): {summary_line(scores)}")
        summary.append((corpus_dir or "held-out documents", scores))
    # Held-out documents of the other brat sources, each scored on its own (never pooled with the main corpus).
    for source, path in held_out_sources(model, corpus_dir):
        if not path.is_dir():
            out(f"\n##### held-out documents of {source}: skipped, {path} is not found from {Path.cwd()}")
            continue
        other = held_out_sequences(model, path, batch_size, int8=int8, decoding=decoding,
                                   argument_min_score=argument_min_score)
        out(f"\n##### held-out documents of {source}: {', '.join(other.documents)}")
        print_reports(other, out=out, absent=trained_absent)
        scores["other_sources"][source] = scores_with_absent(other, trained_absent)
        out(f"\nsummary {source} (micro F1): {summary_line(scores['other_sources'][source])}")
        summary.append((source, scores["other_sources"][source]))
    # The public corpora's evaluation splits, and any other the model records as held out:
    # entities only (they annotate no events).
    splits = list(PUBLIC_SPLITS) if public_corpora else []
    splits += [tuple(h.split(":", 1)) for h in predictor.config.held_out_documents if ":" in h and tuple(h.split(":", 1)) not in splits]
    for corpus, split in splits:
        name, path = f"{corpus}:{split}", corpus_file(corpus, split, corpora_dir)
        if not path.is_file():
            out(f"\n##### {name}: skipped, {path} is absent")
            continue
        seqs = public_sequences(model, corpus, split, corpora_dir, batch_size, int8=int8, decoding=decoding)
        what = "all 21 types" if corpus == "wojood" else "PERS/ORG/LOC, our GPE/LOC/FAC as LOC"
        out(f"\n##### {name} (public corpus, never trained on; entities: {what})")
        absent = {layer: trained_absent.get(layer, f"{name} annotates no events") for layer in absent_layers(["entities"])}
        print_reports(seqs, out=out, absent=absent)
        scores["other_sources"][name] = scores_with_absent(seqs, absent)
        summary.append((name, scores["other_sources"][name]))
    out("\n=== summary: micro F1 per held-out source (seqeval default mode) ===")
    out(summary_table(summary))
    if report_json:
        write_reports(scores, report_json, f"Evaluation of {model}")
        out(f"reports: {report_json} and {report_json.rsplit('.', 1)[0]}.md")
    return scores


def crossval(config, output_dir: str | Path, log=print, decoding: str = "viterbi", trained_models=()) -> dict:
    """Leave-one-document-out over ``data.corpus_dir``: a model per document, trained on the others
    (and on every document of the other brat sources not held out) and scored on it.

    Each fold's model is also scored on the held-out documents of the other brat sources (the
    bundles' fixed held-out tenth, held out in every fold), pooled over folds per source under
    ``other_sources``: the articles' and the bundles' figures of one run.

    ``trained_models``: directories of models ``train`` made from this very configuration. Where the
    configuration itself holds out one document of the corpus (``news-e5-small`` holds out 004), its
    fold is the configuration unchanged, so such a model is that fold and is scored, not trained again.
    """
    from ..data.loader import leave_one_document_out, resolve_document_ids
    from ..train.trainer import train, trained_with

    documents, _ = read_corpus(config.data.corpus_dir)
    ids = [d.id for d in documents]
    # Held-out documents of the extra corpora (a fixed held-out share) stay held out in every fold.
    fixed = [h for h in config.data.held_out_documents if not any(i.startswith(h) for i in ids)]
    own = [h for h in config.data.held_out_documents if h not in fixed]
    own_ids = resolve_document_ids(own, ids, "data.held_out_documents")
    pooled, folds, other_pooled = TagSequences(), {}, {}
    for _, (held,) in leave_one_document_out(ids):
        fold_config = copy.deepcopy(config)
        if own_ids != [held]:
            fold_config.data.held_out_documents = [held, *fixed]
        fold_dir = Path(output_dir) / f"fold-{held}"
        log(f"\n--- fold: {held} held out ---")
        reused = next((Path(d) for d in trained_models if trained_with(d, fold_config)), None)
        if reused is not None:
            log(f"{reused}: trained with this fold's configuration; scored, not trained again")
            fold_dir = reused
        else:
            train(fold_config, fold_dir, log=log)
        seqs = held_out_sequences(fold_dir, config.data.corpus_dir, decoding=decoding)
        folds[held] = scores_with_absent(seqs)
        others = {source: held_out_sequences(fold_dir, path, decoding=decoding)
                  for source, path in held_out_sources(fold_dir) if path.is_dir()}
        unload_predictor(fold_dir)  # else every fold's model stays loaded until the last fold ends
        log(f"fold {held}: {summary_line(folds[held])}")
        if folds[held].get("event_errors"):
            log(error_table(folds[held]["event_errors"]))
        pooled.extend(seqs)
        if others:
            folds[held]["other_sources"] = {}
        for source, other in others.items():
            folds[held]["other_sources"][source] = scores_with_absent(other)
            log(f"fold {held}, held-out documents of {source} ({', '.join(other.documents)}): "
                f"{summary_line(folds[held]['other_sources'][source])}")
            other_pooled.setdefault(source, TagSequences()).extend(other)
    pooled_scores = scores_with_absent(pooled)
    if other_pooled:
        pooled_scores["other_sources"] = {source: scores_with_absent(other) for source, other in other_pooled.items()}
    return {"folds": folds, "pooled": pooled_scores, "pooled_sequences": pooled, "other_pooled_sequences": other_pooled}


def _fold_table(rows: list[tuple[str, dict]]) -> str:
    lines = ["| fold | " + " | ".join(SUMMARY_LAYERS) + " |", "|---|" + "---:|" * len(SUMMARY_LAYERS)]
    lines += [f"| {name} | " + " | ".join(_f1(scores[layer]) for layer in SUMMARY_LAYERS) + " |" for name, scores in rows]
    return "\n".join(lines)


def print_crossval(result: dict, out=print) -> None:
    """``crossval``'s printout: micro F1 per fold and pooled, for the left-out documents and for each
    other source's held-out documents; then the pooled seqeval reports and event errors of each."""
    folds, pooled = result["folds"], result["pooled"]
    out("\n=== leave-one-document-out cross-validation: per fold (micro F1, seqeval default mode) ===")
    out(_fold_table([*folds.items(), ("pooled", pooled)]))
    for source, other in pooled.get("other_sources", {}).items():
        out(f"\n=== held-out documents of {source} ({', '.join(dict.fromkeys(other['documents']))}), "
            "scored by each fold's model (micro F1, seqeval default mode) ===")
        out(_fold_table([*((fold, s["other_sources"][source]) for fold, s in folds.items()), ("pooled", other)]))
    out("\n=== pooled over folds ===")
    print_reports(result["pooled_sequences"], out=out)
    for source, seqs in result.get("other_pooled_sequences", {}).items():
        out(f"\n##### held-out documents of {source}, pooled over folds: {', '.join(dict.fromkeys(seqs.documents))}")
        print_reports(seqs, out=out)


def write_crossval_reports(result: dict, json_path: str | Path, title: str) -> None:
    """The folds' and the pooled scores as JSON; the pooled ones (every source) as Markdown beside it."""
    json_path = Path(json_path)
    atomic_write_text(json_path, json.dumps({"folds": result["folds"], "pooled": result["pooled"]}, ensure_ascii=False, indent=2))
    atomic_write_text(json_path.with_suffix(".md"), markdown_report(result["pooled"], title))


def run_crossval(config, output_dir: str | Path, *, decoding: str = "viterbi", trained_models=(),
                 report_json: str | None = None, title: str = "Cross-validation", out=print) -> dict:
    """``crossval``: the folds trained (or reused) and scored, printed, and written with ``report_json``."""
    result = crossval(config, output_dir, log=out, decoding=decoding, trained_models=trained_models)
    print_crossval(result, out=out)
    if report_json:
        write_crossval_reports(result, report_json, title)
    return result
