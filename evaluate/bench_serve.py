"""``arabic-news-tagger bench-serve --model DIR``: the server under load, against ``predict()`` itself.

Starts ``arabic-news-tagger serve`` as a user would (a child process on a free port of 127.0.0.1),
then for each level of concurrency (1, 4, 16 and 64 clients by default) runs that many clients for a
fixed time, each posting one text per request and the next as soon as it is answered. The texts are
the articles' sentences and paragraphs (``data/*.txt``, the same as ``bench``), every client starting
at a different place in the list. Per level it prints documents/s, words/s (our segmentation's
words), p50/p95/p99 latency, failed requests, the server's peak resident memory, the CPU share the
server and the clients took (they share the machine), and the mean number of requests per
``predict()`` call.

Before the server starts, a fresh process times ``predict()`` on the same texts passed 16 per call
(``--reference-seconds``), so that one run reads off both targets: words/s at 16 clients over one
client at a time, and over ``predict()``'s own. Its last lines are::

    ratio 16 clients vs 1 client: N.NNx
    ratio 16 clients vs predict() 16 per call: N.NNx
    p99/p50 at 16 clients: N.NN
    failed requests at 64 clients: N

The load goes to 127.0.0.1 only, and each level stops by itself after ``--duration`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import random
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

LEVELS = (1, 4, 16, 64)
REFERENCE_TEXTS_PER_CALL = 16
_READY = re.compile(r"serving .* at (http://\S+/) ")


# --- texts ---------------------------------------------------------------------------------------


def load_texts(corpus_dir: str | Path) -> list[tuple[str, int]]:
    """``(text, words)``: every sentence of the articles and every paragraph (non-empty line), in one
    seeded shuffled order, so that any stretch of the list (what a short run or one client covers)
    mixes short and long texts as the whole does."""
    from ..data.document import Document
    from .bench import articles

    sentences, paragraphs = [], []
    for article in articles(corpus_dir):
        for sentence in Document("", article).sentences:
            sentences.append(article[sentence.start:sentence.end])
        paragraphs += [line.strip() for line in article.splitlines() if line.strip()]
    texts = []
    for text in sentences + paragraphs:
        words = sum(len(s.words) for s in Document("", text).sentences)
        if words:
            texts.append((text, words))
    random.Random(13).shuffle(texts)
    return texts


def percentile(values: list[float], p: float) -> float | None:
    """The nearest-rank percentile (the smallest value with at least p% of the values at or below it)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# --- predict() in one process, for reference -----------------------------------------------------


def run_reference(model: str, corpus_dir: str | Path, seconds: float, int8: bool = False) -> dict:
    """words/s of ``predict()`` over the texts, 16 per call, in order and round again, for ``seconds``
    (at least one call) after one warm-up call."""
    from ..model.predict import predict

    texts = load_texts(corpus_dir)
    chunks = [texts[i:i + REFERENCE_TEXTS_PER_CALL] for i in range(0, len(texts), REFERENCE_TEXTS_PER_CALL)]
    predict([t for t, _ in chunks[0]], model=model, int8=int8)
    calls = documents = words = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    while True:
        chunk = chunks[calls % len(chunks)]
        predict([t for t, _ in chunk], model=model, int8=int8)
        calls += 1
        documents += len(chunk)
        words += sum(w for _, w in chunk)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            break
    cpu = time.process_time() - cpu_start
    return {"calls": calls, "passes": calls / len(chunks), "seconds": elapsed, "documents_per_s": documents / elapsed,
            "words_per_s": words / elapsed, "words_per_cpu_s": words / cpu, "texts_per_call": REFERENCE_TEXTS_PER_CALL}


# --- the server ----------------------------------------------------------------------------------


class Server:
    """``arabic-news-tagger serve`` in a child process on a free port of 127.0.0.1."""

    def __init__(self, model: str, int8: bool = False, extra_args: list[str] | None = None, start_timeout: float = 300):
        command = [sys.executable, "-m", "arabic_news_tagger.cli", "serve", "--model", str(model), "--host", "127.0.0.1",
                   "--port", "0", "--log-level", "warning", *(["--int8"] if int8 else []), *(extra_args or [])]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.url = self._wait_ready(start_timeout)

    def _wait_ready(self, timeout: float) -> str:
        import selectors

        deadline = time.monotonic() + timeout
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if selector.select(timeout=1.0):
                line = self.process.stdout.readline()
                found = _READY.search(line)
                if found:
                    return found.group(1).rstrip("/")
                if not line and self.process.poll() is not None:
                    break
            elif self.process.poll() is not None:
                break
        self.stop()
        raise RuntimeError(f"the server did not start: {self.process.stderr.read()[-2000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- one level -----------------------------------------------------------------------------------


async def run_level(url: str, clients: int, duration: float, texts: list[tuple[str, int]], server_pid: int,
                    headers: dict | None = None, memory_mark_s: float = 60.0) -> dict:
    """``clients`` clients posting for ``duration`` seconds; what they got and what it cost."""
    import httpx
    import psutil

    server, me = psutil.Process(server_pid), psutil.Process()
    latencies: list[float] = []
    words = 0
    errors: Counter = Counter()
    memory: list[tuple[float, int]] = []
    cores = psutil.cpu_count() or 1

    # One client object (one connection) per simulated client, as separate programs would be: a
    # shared pool of 64 connections costs httpx time in proportion to its size on every request.
    async with contextlib.AsyncExitStack() as stack:
        client, *per_client = [await stack.enter_async_context(httpx.AsyncClient(
            base_url=url, headers=headers, timeout=httpx.Timeout(600.0), limits=httpx.Limits(max_connections=1)))
            for _ in range(clients + 1)]
        before_health = (await client.get("/health")).json()
        server_cpu0, my_cpu0 = sum(server.cpu_times()[:2]), sum(me.cpu_times()[:2])
        start = time.perf_counter()
        stop_at = start + duration

        async def client_loop(c: int) -> None:
            nonlocal words
            i = c * len(texts) // clients
            while time.perf_counter() < stop_at:
                text, n_words = texts[i % len(texts)]
                i += 1
                sent = time.perf_counter()
                try:
                    response = await per_client[c].post("/predict", json={"text": text})
                except httpx.HTTPError as e:
                    errors[type(e).__name__] += 1
                    await asyncio.sleep(0.05)
                    continue
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - sent)
                    words += n_words
                else:
                    errors[str(response.status_code)] += 1

        async def sample_memory() -> None:
            while True:
                memory.append((time.perf_counter() - start, server.memory_info().rss))
                await asyncio.sleep(0.2)

        sampler = asyncio.ensure_future(sample_memory())
        await asyncio.gather(*(client_loop(c) for c in range(clients)))
        elapsed = time.perf_counter() - start
        sampler.cancel()
        server_cpu, my_cpu = sum(server.cpu_times()[:2]) - server_cpu0, sum(me.cpu_times()[:2]) - my_cpu0
        memory.append((elapsed, server.memory_info().rss))
        after_health = (await client.get("/health")).json()

    requests = after_health["requests"] - before_health["requests"]
    batches = after_health["batches"] - before_health["batches"]
    marked = [rss for t, rss in memory if t <= memory_mark_s]
    mb = 1024 * 1024
    return {
        "clients": clients, "seconds": elapsed, "documents": len(latencies), "words": words,
        "documents_per_s": len(latencies) / elapsed, "words_per_s": words / elapsed,
        "p50_ms": _ms(percentile(latencies, 50)), "p95_ms": _ms(percentile(latencies, 95)),
        "p99_ms": _ms(percentile(latencies, 99)),
        "failed": sum(errors.values()), "errors": dict(errors),
        "server_peak_mb": max(rss for _, rss in memory) / mb,
        "server_mb_at_mark": (marked[-1] / mb) if elapsed > memory_mark_s and marked else None,
        "server_mb_at_end": memory[-1][1] / mb, "memory_mark_s": memory_mark_s,
        "server_cpu_share": server_cpu / (elapsed * cores), "clients_cpu_share": my_cpu / (elapsed * cores),
        # Less sensitive than words/s to other processes on the machine: compare with the reference's.
        "words_per_server_cpu_s": words / server_cpu if server_cpu else None,
        "requests_per_batch": requests / batches if batches else None,
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


# --- the whole benchmark -------------------------------------------------------------------------


def _reference_in_fresh_process(model: str, corpus_dir: Path, seconds: float, int8: bool) -> dict:
    command = [sys.executable, "-m", "arabic_news_tagger.evaluate.bench_serve", "--reference", "--model", str(model),
               "--corpus-dir", str(corpus_dir), "--reference-seconds", str(seconds), *(["--int8"] if int8 else [])]
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"the reference run failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt(value, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def report(levels: list[dict], reference: dict | None) -> str:
    lines = ["| clients | requests | documents/s | words/s | p50 ms | p95 ms | p99 ms | failed | server peak MB "
             "| server CPU | clients' CPU | words per server CPU-s | requests per predict() |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in levels:
        lines.append(f"| {r['clients']} | {r['documents']} | {_fmt(r['documents_per_s'], 2)} | {_fmt(r['words_per_s'], 1)} "
                     f"| {_fmt(r['p50_ms'])} | {_fmt(r['p95_ms'])} | {_fmt(r['p99_ms'])} | {r['failed']} "
                     f"| {_fmt(r['server_peak_mb'])} | {r['server_cpu_share']:.0%} | {r['clients_cpu_share']:.0%} "
                     f"| {_fmt(r['words_per_server_cpu_s'], 1)} | {_fmt(r['requests_per_batch'], 1)} |")
    by_clients = {r["clients"]: r for r in levels}
    lines.append("")
    if reference:
        lines.append(f"predict() in one process, {reference['texts_per_call']} texts per call: "
                     f"{reference['words_per_s']:,.1f} words/s ({reference['documents_per_s']:,.2f} documents/s, "
                     f"{reference['passes']:.1f} passes over the texts in {reference['seconds']:.1f} s; "
                     f"{reference['words_per_cpu_s']:,.1f} words per CPU-s)")
    for r in levels:
        if r["errors"]:
            lines.append(f"failures at {r['clients']} clients: "
                         + ", ".join(f"{k} x{v}" for k, v in sorted(r["errors"].items())))
        if r["server_mb_at_mark"] is not None:
            lines.append(f"server memory at {r['clients']} clients: {r['server_mb_at_mark']:,.0f} MB after "
                         f"{r['memory_mark_s']:g} s, {r['server_mb_at_end']:,.0f} MB at the end of {r['seconds']:.0f} s "
                         f"({r['server_mb_at_end'] - r['server_mb_at_mark']:+,.0f} MB)")
    one, sixteen = by_clients.get(1), by_clients.get(16)
    if one and sixteen and one["words_per_s"]:
        lines.append(f"ratio 16 clients vs 1 client: {sixteen['words_per_s'] / one['words_per_s']:.2f}x")
    if sixteen and reference:
        lines.append(f"ratio 16 clients vs predict() 16 per call: {sixteen['words_per_s'] / reference['words_per_s']:.2f}x")
    if sixteen and sixteen["p50_ms"]:
        lines.append(f"p99/p50 at 16 clients: {sixteen['p99_ms'] / sixteen['p50_ms']:.2f}")
    if 64 in by_clients:
        lines.append(f"failed requests at 64 clients: {by_clients[64]['failed']}")
    return "\n".join(lines)


def run_bench(model: str, levels=LEVELS, duration: float = 60.0, corpus_dir: str | Path | None = None,
              int8: bool = False, reference_seconds: float | None = 30.0, warmup: float = 5.0,
              server_args: list[str] | None = None, memory_mark_s: float = 60.0, log=print) -> dict:
    from .bench import default_corpus_dir

    corpus_dir = Path(corpus_dir or default_corpus_dir(model))
    texts = load_texts(corpus_dir)
    log(f"bench-serve: {model}{' (int8)' if int8 else ''}, {len(texts)} texts "
        f"({sum(w for _, w in texts):,} words) from {corpus_dir}; levels {', '.join(map(str, levels))} "
        f"clients, {duration:g} s each")
    reference = None
    if reference_seconds:
        reference = _reference_in_fresh_process(model, corpus_dir, reference_seconds, int8)
        log(f"predict() 16 texts per call: {reference['words_per_s']:,.1f} words/s")
    server = Server(model, int8=int8, extra_args=server_args)
    results = []
    try:
        log(f"server at {server.url} (pid {server.process.pid})")
        if warmup > 0:
            asyncio.run(run_level(server.url, 4, warmup, texts, server.process.pid))
        for clients in levels:
            result = asyncio.run(run_level(server.url, clients, duration, texts, server.process.pid,
                                           memory_mark_s=memory_mark_s))
            log(f"{clients} clients: {result['words_per_s']:,.1f} words/s, p50 {_fmt(result['p50_ms'])} ms, "
                f"{result['failed']} failed")
            results.append(result)
    finally:
        server.stop()
    return {"model": str(model), "int8": int8, "duration_s": duration, "texts": len(texts),
            "reference": reference, "levels": results, "server_args": server_args or [],
            "report": report(results, reference)}


# --- command line --------------------------------------------------------------------------------


def _levels(value: str) -> list[int]:
    try:
        levels = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r}: expected numbers of clients separated by commas, e.g. 1,4,16,64") from None
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: expected positive numbers of clients")
    return levels


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, metavar="DIR")
    p.add_argument("--int8", action="store_true", help="serve (and reference) the int8 graphs")
    p.add_argument("--levels", type=_levels, default=list(LEVELS), metavar="N,N,...",
                   help="numbers of concurrent clients (default 1,4,16,64)")
    p.add_argument("--duration", type=float, default=60.0, metavar="S", help="seconds per level (default 60)")
    p.add_argument("--warmup", type=float, default=5.0, metavar="S", help="seconds of 4 clients before the levels (default 5)")
    p.add_argument("--reference-seconds", type=float, default=30.0, metavar="S",
                   help="seconds of predict() 16 texts per call in a fresh process, for reference (default 30; 0: skip)")
    p.add_argument("--memory-mark", type=float, default=60.0, metavar="S",
                   help="the server's memory is also reported this many seconds into each level (default 60)")
    p.add_argument("--corpus-dir", metavar="DIR", help="where the articles (*.txt) are (default: the model's corpus)")
    p.add_argument("--server-arg", action="append", default=[], metavar="ARG",
                   help="passed on to `serve` (repeatable), e.g. --server-arg=--max-batch-texts=16")
    p.add_argument("--report-json", metavar="FILE", help="also write the figures as JSON")
    p.add_argument("--reference", action="store_true", help=argparse.SUPPRESS)  # the reference process itself


def add_parser(subparsers) -> argparse.ArgumentParser:
    """The ``bench-serve`` subcommand, for ``cli.build_parser``."""
    p = subparsers.add_parser("bench-serve", help="load-test `serve` at 1, 4, 16 and 64 concurrent clients against predict() itself")
    _add_arguments(p)
    p.set_defaults(func=main)
    return p


def main(args) -> int:
    if args.reference:
        from .bench import default_corpus_dir

        corpus_dir = args.corpus_dir or default_corpus_dir(args.model)
        print(json.dumps(run_reference(args.model, corpus_dir, args.reference_seconds, args.int8)))
        return 0
    if args.duration <= 0:
        raise ValueError(f"--duration: expected a positive number of seconds, got {args.duration:g}")
    result = run_bench(args.model, levels=args.levels, duration=args.duration, corpus_dir=args.corpus_dir,
                       int8=args.int8, reference_seconds=args.reference_seconds, warmup=args.warmup,
                       server_args=args.server_arg, memory_mark_s=args.memory_mark,
                       log=lambda m: print(m, file=sys.stderr, flush=True))
    print(result["report"])
    if args.report_json:
        from ..io import atomic_write_text

        atomic_write_text(args.report_json, json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m arabic_news_tagger.evaluate.bench_serve", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(parser)
    sys.exit(main(parser.parse_args()))
