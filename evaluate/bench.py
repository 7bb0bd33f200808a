"""``arabic-news-tagger bench --model DIR``: how fast predict() is, against what, and at what accuracy.

On one model and one set of texts (the sentences of the articles in ``data/*.txt``), each variant
in a fresh process, so that its peak memory is its own:

- ``pipeline``: Hugging Face's ``pipeline("token-classification", aggregation_strategy="first")`` at
  its default batch size, over a ``*ForTokenClassification`` made of the tagger's encoder and entity
  head (the entity layer only); ``pipeline16``: the same with ``batch_size=16``, for reference;
- ``bare``: a length-sorted, batched forward pass of encoder + entity head over the same subword
  windows predict() feeds (batch 16, predict()'s default), tokenised beforehand and never decoded: the ceiling;
- ``entities+triggers``: ``Predictor.predict_documents(texts, arguments=False)``;
- ``full``: ``Predictor.predict_documents(texts)``, arguments included;
- ``int8``: ``entities+triggers`` on ONNX Runtime's int8 graphs (``Predictor(..., int8=True)``,
  ``model/int8.py``): the same work as the pipeline and ``bare`` (one encoder pass per sentence);
- ``int8-full``: the full predict on the int8 graphs, arguments included (one more encoder pass per trigger).

Each is warmed up once and then timed ``repeats`` times; the best pass counts. Each also reports the
entity micro-F1 (seqeval, default mode) on the documents the model held out, so a speed-up is never
bought with silent accuracy loss. Then ``arabic-news-tagger predict`` streams a file of the corpus
(one document per line) and one of 20 times the corpus, each in a fresh process; their peak
resident memories should differ by little: results stream, nothing accumulates.

The report is a Markdown table, and its last five lines are::

    ratio entities+triggers: N.NNx
    ratio full: N.NNx
    ratio int8: N.NNx
    ratio full vs pipeline16: N.NNx
    ratio int8-full vs pipeline16: N.NNx

(words per second over the pipeline's at its default batch size). One variant alone, as the bench
runs it: ``python -m arabic_news_tagger.evaluate.bench --variant full --model DIR`` (one JSON line).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VARIANTS = ("pipeline", "pipeline16", "bare", "entities+triggers", "full", "int8", "int8-full")
RATIO_VARIANTS = ("entities+triggers", "full", "int8")
# A careful user runs the pipeline at batch 16: the last lines put the full predict against that too.
RATIO_VS_PIPELINE16 = ("full", "int8-full")
BATCH_SIZE = 16  # predict()'s default (model/predict.py DEFAULT_BATCH_SIZE), for bare too: like for like
STREAM_COPIES = 20
_LINE_BREAKS = re.compile(r"[\n\r\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85]+")


# --- texts ---------------------------------------------------------------------------------------


def default_corpus_dir(model_dir: str | Path | None = None) -> Path:
    """The corpus the model records (its ``data.corpus_dir``, read from the working directory)."""
    recorded = None
    if model_dir is not None:
        try:
            spec = json.loads((Path(model_dir) / "config.json").read_text(encoding="utf-8"))
            recorded = spec.get("training_config", {}).get("data", {}).get("corpus_dir")
        except (OSError, ValueError):
            pass
    if recorded and any(Path(recorded).glob("*.txt")):
        return Path(recorded).resolve()
    raise FileNotFoundError(f"{model_dir}: its training corpus {recorded or '(none recorded)'} is not found from the "
                            f"working directory ({Path.cwd()}); name the articles to time with --corpus-dir DIR")


def articles(corpus_dir: str | Path) -> list[str]:
    files = sorted(Path(corpus_dir).glob("*.txt"))
    if not files:
        raise FileNotFoundError(f"{corpus_dir}: no *.txt articles to benchmark on")
    return [f.read_text(encoding="utf-8") for f in files]


def bench_texts(corpus_dir: str | Path) -> tuple[list[str], int]:
    """The sentences of the articles, as texts, and their number of words (our segmentation)."""
    from ..data.document import Document

    texts, n_words = [], 0
    for article in articles(corpus_dir):
        for sentence in Document("", article).sentences:
            texts.append(article[sentence.start:sentence.end])
            n_words += len(sentence.words)
    return texts, n_words


# --- scoring -------------------------------------------------------------------------------------


def held_out_documents(model_dir: str | Path, corpus_dir: str | Path):
    """The gold documents the model held out (and did not train on), as ``evaluate`` scores them."""
    from ..data.corpus import read_corpus
    from ..model.tagger import read_config

    spec = read_config(model_dir)
    if spec.training_config.get("data", {}).get("format") == "conll" or not spec.held_out_documents:
        return []
    documents, _ = read_corpus(corpus_dir)
    trained_on = set(spec.train_documents)
    by_id = {d.id: d for d in documents}
    return [by_id[d] for d in spec.held_out_documents if d in by_id and d not in trained_on]


def entity_f1(gold_documents, predicted_documents) -> float | None:
    """seqeval micro-F1 (default mode) of the entity layer, spans projected onto the corpus words."""
    from .scoring import TagSequences, add_document, score_layer

    if not gold_documents:
        return None
    seqs = TagSequences()
    for g, p in zip(gold_documents, predicted_documents):
        add_document(seqs, g, p, p)
    return score_layer(seqs.gold["entities"], seqs.pred["entities"])["micro"]["f1"]


# --- the pipeline's model ------------------------------------------------------------------------


def prepare_pipeline_model(model_dir: str | Path, out_dir: str | Path) -> Path:
    """The tagger's entity layer as the standard token-classification directory the pipeline loads."""
    from ..model.export import export_token_classification

    return export_token_classification(model_dir, out_dir)


# --- one variant, in its own process -------------------------------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _vm_hwm_mb() -> float | None:
    """The kernel's high-water mark of this process image's resident memory (Linux), a cross-check."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _time_best(run, repeats: int) -> float:
    run()  # warm-up: lazy initialisation, allocator, caches
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def _pipeline_variant(name, pipeline_dir, texts, gold):
    from transformers import pipeline

    from ..data.document import Document, Span
    from ..model.backbones import quiet_transformers

    quiet_transformers()
    pipe = pipeline("token-classification", model=str(pipeline_dir), aggregation_strategy="first", device=-1)
    kwargs = {"batch_size": 16} if name == "pipeline16" else {}  # "pipeline": its default batch size

    def run():
        return pipe(texts, **kwargs)

    def predict_gold():
        out = []
        for g in gold:
            doc = Document(g.id, g.text)
            bounds = g.sentences
            for sentence, groups in zip(bounds, pipe([g.text[s.start:s.end] for s in bounds], **kwargs)):
                for grp in groups:
                    start, end = sentence.start + int(grp["start"]), sentence.start + int(grp["end"])
                    doc.entities.append(Span(start, end, grp["entity_group"], g.text[start:end], float(grp["score"])))
            out.append(doc)
        return out

    return run, predict_gold


def _bare_variant(predictor, texts):
    import torch

    from ..data.document import Document
    from ..model.batching import pad

    sents = [[text[a:b] for a, b in sentence.words] for text in texts for sentence in Document("", text).sentences]
    windows = [w for per_sentence in predictor.windows(sents) for w in per_sentence]
    model = predictor.model

    def run():
        order = sorted(windows, key=lambda w: len(w.input_ids))
        for i in range(0, len(order), BATCH_SIZE):
            ids, mask = pad([w.input_ids for w in order[i:i + BATCH_SIZE]], predictor.pad_id)
            with torch.inference_mode():
                h = model.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
                model.entity_head(h)

    return run


def run_variant(name: str, model_dir: str | Path, corpus_dir: str | Path, repeats: int = 3,
                pipeline_dir: str | Path | None = None) -> dict:
    """Words per second (best pass), peak resident memory and held-out entity micro-F1 of one variant."""
    if name not in VARIANTS:
        raise ValueError(f"--variant: {name!r} is not one of {', '.join(VARIANTS)}")
    import torch

    texts, n_words = bench_texts(corpus_dir)
    gold = held_out_documents(model_dir, corpus_dir)
    f1 = None
    if name.startswith("pipeline"):
        if pipeline_dir is None:
            pipeline_dir = prepare_pipeline_model(model_dir, tempfile.mkdtemp(prefix="bench-pipeline-"))
        run, predict_gold = _pipeline_variant(name, pipeline_dir, texts, gold)
        seconds = _time_best(run, repeats)
        f1 = entity_f1(gold, predict_gold())
    else:
        from ..model.predict import Predictor

        predictor = Predictor(model_dir, device="cpu", int8=name.startswith("int8"))
        if name == "bare":
            seconds = _time_best(_bare_variant(predictor, texts), repeats)  # decodes nothing: no F1
        else:
            arguments = name in ("full", "int8-full")
            seconds = _time_best(lambda: predictor.predict_documents(texts, batch_size=BATCH_SIZE, arguments=arguments), repeats)
            if gold:
                f1 = entity_f1(gold, predictor.predict_documents([g.text for g in gold], batch_size=BATCH_SIZE, arguments=arguments))
    return {"variant": name, "words": n_words, "texts": len(texts), "seconds": round(seconds, 4),
            "words_per_second": round(n_words / seconds, 2), "peak_mb": round(_peak_mb(), 1), "vm_hwm_mb": _vm_hwm_mb(),
            "entity_f1": f1, "held_out": [g.id for g in gold], "torch_threads": torch.get_num_threads()}


# --- the whole bench ---------------------------------------------------------------------------


def _child_env() -> dict:
    env = dict(os.environ)
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env.setdefault("HF_HUB_OFFLINE", "1")
    return env


def _busy_cpu_seconds() -> float | None:
    """CPU time the whole machine has spent busy since boot (Linux /proc/stat), for the contention check."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _spawn(cmd: list[str], stdin_path: Path | None = None) -> dict:
    """Run one fresh process; its exit code, output, peak resident memory (its own rusage, from
    wait4), wall time, and the share of the machine that *other* processes used meanwhile."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            open(stdin_path or os.devnull, "rb") as stdin:
        busy0, own0 = _busy_cpu_seconds(), time.process_time()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=stdin, stdout=out, stderr=err, env=_child_env())
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        busy1, own1 = _busy_cpu_seconds(), time.process_time()
        out.seek(0)
        err.seek(0)
        result = {"returncode": proc.returncode, "stdout": out.read().decode(errors="replace"),
                  "stderr": err.read().decode(errors="replace"), "peak_mb": usage.ru_maxrss / 1024, "seconds": wall}
    others = None
    if busy0 is not None and busy1 is not None and wall > 0:
        child_cpu = usage.ru_utime + usage.ru_stime
        others = max(0.0, (busy1 - busy0) - child_cpu - (own1 - own0)) / (wall * (os.cpu_count() or 1))
    result["others_share"] = others
    return result


def _run_child(name, model_dir, corpus_dir, repeats, pipeline_dir) -> dict:
    cmd = [sys.executable, "-m", "arabic_news_tagger.evaluate.bench", "--variant", name, "--model", str(model_dir),
           "--corpus-dir", str(corpus_dir), "--repeats", str(repeats)]
    if pipeline_dir is not None:
        cmd += ["--pipeline-dir", str(pipeline_dir)]
    run = _spawn(cmd)
    lines = [line for line in run["stdout"].splitlines() if line.startswith("{")]
    if run["returncode"] != 0 or not lines:
        raise RuntimeError(f"bench variant {name} failed (exit {run['returncode']}):\n{run['stderr'][-3000:]}")
    result = json.loads(lines[-1])
    result["others_share"] = run["others_share"]
    return result


def _peak_of(cmd: list[str], stdin_path: Path) -> tuple[float, float, float | None]:
    """Peak resident memory (MB), wall seconds and others' CPU share of one fresh process."""
    run = _spawn(cmd, stdin_path)
    if run["returncode"] != 0:
        raise RuntimeError(f"{' '.join(cmd)} < {stdin_path} failed (exit {run['returncode']}):\n{run['stderr'][-3000:]}")
    return run["peak_mb"], run["seconds"], run["others_share"]


def stream_check(model_dir: str | Path, corpus_dir: str | Path, copies: int = STREAM_COPIES) -> dict:
    """``arabic-news-tagger predict`` over the corpus once and ``copies`` times (a document per line,
    file in, file out), each in a fresh process: the two peaks of resident memory."""
    docs = [_LINE_BREAKS.sub(" ", a).strip() for a in articles(corpus_dir)]
    out: dict = {"documents": len(docs), "copies": copies}
    with tempfile.TemporaryDirectory(prefix="bench-stream-") as tmp:
        tmp = Path(tmp)
        for key, n in (("once", 1), ("many", copies)):
            src, dst = tmp / f"{key}.txt", tmp / f"{key}.jsonl"
            src.write_text("\n".join(docs * n) + "\n", encoding="utf-8")
            cmd = [sys.executable, "-m", "arabic_news_tagger.cli", "predict", "--model", str(model_dir), "--output", str(dst)]
            out[f"{key}_mb"], out[f"{key}_seconds"], out[f"{key}_others_share"] = _peak_of(cmd, src)
            lines = sum(1 for _ in open(dst, encoding="utf-8"))
            if lines != len(docs) * n:
                raise RuntimeError(f"predict wrote {lines} results for {len(docs) * n} documents")
    out["difference_mb"] = out["many_mb"] - out["once_mb"]
    return out


def _fmt_f1(f1) -> str:
    return "n/a" if f1 is None else f"{100 * f1:.1f}"


def _ratio(results, name, base) -> str:
    r = results.get(name)
    return f"{r['words_per_second'] / base:.2f}x" if r else "n/a"


def report(results: dict[str, dict], stream: dict | None, model_dir, corpus_dir, repeats: int,
           load_before: float | None = None) -> str:
    """The Markdown table, the checks against the targets, and the three ratio lines last."""
    base = results["pipeline"]["words_per_second"]
    first = next(iter(results.values()))
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    load = f"load average {load_before:.2f} before, {load_after:.2f} after" if load_before is not None else f"load average {load_after:.2f} after"
    lines = [f"bench: {model_dir} on {first['texts']} sentences, {first['words']:,} words ({corpus_dir}/*.txt); "
             f"best of {repeats} passes after a warm-up; each variant in a fresh process; "
             f"{os.cpu_count()} CPUs, torch threads {first['torch_threads']}, {load}",
             f"entity F1: seqeval micro-F1 (default mode), in points, on the held-out document(s) {', '.join(first['held_out']) or '(none)'}",
             "",
             "| variant | words/s | × pipeline | × pipeline16 | peak MB | entity F1 |",
             "|---|---:|---:|---:|---:|---:|"]
    base16 = results.get("pipeline16", {}).get("words_per_second")
    for name, r in results.items():
        vs16 = f"{r['words_per_second'] / base16:.2f}x" if base16 else "n/a"
        lines.append(f"| {name} | {r['words_per_second']:,.0f} | {r['words_per_second'] / base:.2f}x | {vs16} | {r['peak_mb']:,.0f} | {_fmt_f1(r['entity_f1'])} |")
    lines.append("")
    bare = results.get("bare")
    for name, target in (("entities+triggers", "at least 1.9x the pipeline, within 10% of bare"), ("int8", "at least 2.8x the pipeline"),
                         ("int8-full", "")):
        r = results.get(name)
        if r:
            of_bare = f", {100 * r['words_per_second'] / bare['words_per_second']:.1f}% of bare" if bare else ""
            lines.append(f"{name}: {_ratio(results, name, base)} the pipeline{of_bare}" + (f" (target: {target})" if target else ""))
    full, et = results.get("full"), results.get("entities+triggers")
    if full and et:
        lines.append(f"full: {100 * full['words_per_second'] / et['words_per_second']:.1f}% of entities+triggers "
                     "(arguments included; target: at least 80%)")
    if base16 and results.get("int8-full"):
        lines.append(f"int8-full: {_ratio(results, 'int8-full', base16)} the pipeline at batch 16 (target: at least 2.0x)")
    for name, fp32_name in (("int8", "entities+triggers"), ("int8-full", "full")):
        q, fp32 = results.get(name), results.get(fp32_name)
        if fp32 and q and fp32["entity_f1"] is not None and q["entity_f1"] is not None:
            lines.append(f"{name} entity F1 {_fmt_f1(q['entity_f1'])} against fp32 ({fp32_name}) {_fmt_f1(fp32['entity_f1'])}: "
                         f"{100 * (q['entity_f1'] - fp32['entity_f1']):+.1f} points (target: within 1)")
    if stream:
        lines.append(f"streaming (`arabic-news-tagger predict --output FILE`, a document per line, fresh processes): "
                     f"corpus once ({stream['documents']} documents) peak {stream['once_mb']:,.0f} MB in {stream['once_seconds']:.0f} s; "
                     f"{stream['copies']} times ({stream['documents'] * stream['copies']} documents) peak {stream['many_mb']:,.0f} MB "
                     f"in {stream['many_seconds']:.0f} s; difference {stream['difference_mb']:+,.0f} MB (target: at most 50 MB)")
    shares = {name: r.get("others_share") for name, r in results.items() if r.get("others_share") is not None}
    if shares:
        worst = max(shares, key=shares.get)
        verdict = "quiet" if shares[worst] < 0.05 else "NOT quiet: timings are distorted, run again on an idle machine"
        lines.append(f"other processes' share of the {os.cpu_count()} CPUs while the variants ran: "
                     f"at most {100 * shares[worst]:.0f}% ({worst}); {verdict}")
    lines.append("")
    lines += [f"ratio {name}: {_ratio(results, name, base)}" for name in RATIO_VARIANTS]
    lines += [f"ratio {name} vs pipeline16: {_ratio(results, name, base16) if base16 else 'n/a'}" for name in RATIO_VS_PIPELINE16]
    return "\n".join(lines)


def run_bench(model_dir: str | Path, repeats: int = 5, corpus_dir: str | Path | None = None,
              variants=VARIANTS, stream: bool = True, log=print) -> dict:
    """Every variant in a fresh process, then the streaming check; ``log`` gets the report (progress
    goes to standard error); returns the figures."""
    if repeats < 1:
        raise ValueError(f"--repeats: expected at least 1, got {repeats}")
    model_dir = Path(model_dir).resolve()
    corpus_dir = Path(corpus_dir).resolve() if corpus_dir else default_corpus_dir(model_dir)
    variants = list(variants)
    if "pipeline" not in variants:
        variants.insert(0, "pipeline")  # the ratios' denominator
    results: dict[str, dict] = {}
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        # The pipeline's model, and the int8 cache (so that the int8 process measures prediction,
        # not export), are made in a child too: this process never loads a model. Linux carries a
        # process's peak resident memory across fork and exec into its children's ru_maxrss, so a
        # big parent would raise every child's figure to its own.
        pipeline_dir = Path(tmp) / "pipeline"
        with_int8 = any(name.startswith("int8") for name in variants)
        print("bench: preparing the pipeline's model" + (" and the int8 cache" if with_int8 else "") + " ...",
              file=sys.stderr, flush=True)
        cmd = [sys.executable, "-m", "arabic_news_tagger.evaluate.bench", "--model", str(model_dir),
               "--prepare", str(pipeline_dir)] + (["--with-int8"] if with_int8 else [])
        proc = subprocess.run(cmd, capture_output=True, text=True, env=_child_env())
        if proc.returncode != 0:
            raise RuntimeError(f"bench: preparing the models failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        for name in variants:
            print(f"bench: {name} ...", file=sys.stderr, flush=True)
            results[name] = _run_child(name, model_dir, corpus_dir, repeats, pipeline_dir if name.startswith("pipeline") else None)
    stream_result = None
    if stream:
        print("bench: streaming check ...", file=sys.stderr, flush=True)
        stream_result = stream_check(model_dir, corpus_dir)
    text = report(results, stream_result, model_dir, corpus_dir, repeats, load_before)
    log(text)
    return {"variants": results, "stream": stream_result, "report": text}


# --- command line --------------------------------------------------------------------------------


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, metavar="DIR", help="a model directory written by `train`")
    p.add_argument("--repeats", type=int, default=5, help="timed passes per variant after one warm-up; the best counts (default 5)")
    p.add_argument("--corpus-dir", metavar="DIR", help="articles to time and held-out documents to score (default: the model's corpus, else data/)")
    p.add_argument("--no-stream", action="store_true", help="skip the streaming-memory check")
    p.add_argument("--variant", choices=VARIANTS, help="run one variant in this process and print one JSON line")
    p.add_argument("--pipeline-dir", metavar="DIR", help=argparse.SUPPRESS)
    p.add_argument("--prepare", metavar="DIR", help=argparse.SUPPRESS)  # write the pipeline's model here, then exit
    p.add_argument("--with-int8", action="store_true", help=argparse.SUPPRESS)  # with --prepare: build the int8 cache


def add_parser(subparsers) -> argparse.ArgumentParser:
    """The ``bench`` subcommand, for ``cli.build_parser``."""
    p = subparsers.add_parser("bench", help="words/s, peak memory and held-out entity F1 of predict() against the HF pipeline")
    _add_arguments(p)
    p.set_defaults(func=main)
    return p


def main(args) -> int:
    if args.prepare:
        prepare_pipeline_model(args.model, args.prepare)
        if args.with_int8:
            from ..model.int8 import int8_cache

            int8_cache(args.model)
        return 0
    if args.variant:
        corpus_dir = args.corpus_dir or default_corpus_dir(args.model)
        print(json.dumps(run_variant(args.variant, args.model, corpus_dir, args.repeats, args.pipeline_dir)))
        return 0
    run_bench(args.model, repeats=args.repeats, corpus_dir=args.corpus_dir, stream=not args.no_stream)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m arabic_news_tagger.evaluate.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(parser)
    sys.exit(main(parser.parse_args()))
