"""``arabic-news-tagger serve --model DIR``: ``predict()`` over HTTP, and a page to paste news into.

The command line and the settings live here; the application (FastAPI on uvicorn, the batching
queue, the page) in ``app.py``, imported only when the server starts, so that the other commands
work without the ``serve`` extra installed.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field

#: The environment variable an API key can be given in instead of ``--api-key`` (which other users
#: of the machine can read in the process list).
API_KEY_ENV_VAR = "ARABIC_NEWS_TAGGER_API_KEY"

# Mirrors model/predict.py (MAX_CHARACTERS, DEFAULT_BATCH_SIZE), copied so that building the
# command line does not import torch; tests/test_serve.py checks that they agree.
MAX_CHARACTERS = 1_000_000
DEFAULT_BATCH_SIZE = 16


@dataclass
class ServeSettings:
    """Everything the server is told at start; no request can change any of it."""

    model: str
    host: str = "127.0.0.1"
    port: int = 8000
    int8: bool = False
    api_key: str | None = None
    #: Characters per request, all its texts together: predict()'s own limit by default.
    max_characters: int = MAX_CHARACTERS
    #: The longest the batcher waits for the clients of its last batch to send their next requests.
    batch_wait_ms: float = 50.0
    #: Texts per predict() call, across requests (a request with more texts runs alone).
    max_batch_texts: int = 32
    #: Requests waiting for the model; one more is answered 503 with Retry-After.
    max_queue: int = 64
    #: Windows per forward pass inside predict() (its batch_size).
    batch_size: int = DEFAULT_BATCH_SIZE
    #: Seconds a client has to send its whole request body.
    body_timeout: float = 60.0
    cors_origins: list[str] = field(default_factory=list)
    log_level: str = "info"

    @property
    def max_body_bytes(self) -> int:
        # JSON may escape every character as \uXXXX (Python's json.dumps does by default): six bytes
        # each, plus room for the keys, options and the punctuation of a list of texts.
        return 6 * self.max_characters + (1 << 20)

    def check(self) -> None:
        for name in ("max_characters", "max_batch_texts", "max_queue", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"--{name.replace('_', '-')}: expected a positive integer, got {value!r}")
        if self.batch_wait_ms < 0:
            raise ValueError(f"--batch-wait-ms: expected 0 or more, got {self.batch_wait_ms!r}")
        if self.body_timeout <= 0:
            raise ValueError(f"--body-timeout: expected a positive number of seconds, got {self.body_timeout!r}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"--port: expected 0 to 65535, got {self.port}")
        if self.api_key is not None and not self.api_key.strip():
            raise ValueError(f"--api-key / ${API_KEY_ENV_VAR}: empty; give a key or leave it unset")


def add_parser(subparsers) -> argparse.ArgumentParser:
    """The ``serve`` subcommand, for ``cli.build_parser``."""
    p = subparsers.add_parser(
        "serve", help="an HTTP API (POST /predict) and a page for pasting news (GET /), batched across requests",
        description="Serve predict() over HTTP: POST /predict, GET /health, GET /model, the page at /, the API at /docs.")
    p.add_argument("--model", required=True, metavar="DIR", help="a trained tagger directory")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 opens it to the network)")
    p.add_argument("--port", type=int, default=8000, help="default 8000; 0 picks a free port (printed at start)")
    p.add_argument("--int8", action="store_true", help="run the int8 graphs with ONNX Runtime on the CPU")
    p.add_argument("--api-key", default=None, metavar="KEY",
                   help=f"require this key in the X-API-Key header (or Authorization: Bearer); default ${API_KEY_ENV_VAR}")
    p.add_argument("--max-characters", type=int, default=MAX_CHARACTERS, metavar="N",
                   help=f"characters per request, all texts together (default {MAX_CHARACTERS:,}, predict()'s); more is answered 413")
    p.add_argument("--batch-wait-ms", type=float, default=50.0, metavar="MS",
                   help="the longest a batch waits for the clients of the last batch to send their next requests, "
                        "so that clients running together share batches (default 50; a lone client never waits)")
    p.add_argument("--max-batch-texts", type=int, default=32, metavar="N",
                   help="texts per predict() call across requests (default 32)")
    p.add_argument("--max-queue", type=int, default=64, metavar="N",
                   help="requests waiting for the model (default 64); one more is answered 503 with Retry-After")
    p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                   help=f"windows per forward pass inside predict() (default {DEFAULT_BATCH_SIZE})")
    p.add_argument("--body-timeout", type=float, default=60.0, metavar="S",
                   help="seconds a client has to send its whole request body (default 60); later: 408")
    p.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                   help="let pages from this origin call the API (repeatable; '*' for any); default: none")
    p.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"),
                   help="uvicorn's log level; info logs every request (default info)")
    p.set_defaults(func=main)
    return p


def settings_from_args(args) -> ServeSettings:
    settings = ServeSettings(
        model=args.model, host=args.host, port=args.port, int8=args.int8,
        api_key=args.api_key if args.api_key is not None else os.environ.get(API_KEY_ENV_VAR),
        max_characters=args.max_characters, batch_wait_ms=args.batch_wait_ms, max_batch_texts=args.max_batch_texts,
        max_queue=args.max_queue, batch_size=args.batch_size, body_timeout=args.body_timeout,
        cors_origins=list(args.cors_origin), log_level=args.log_level)
    settings.check()
    return settings


def main(args) -> int:
    settings = settings_from_args(args)
    try:
        from .app import run
    except ImportError as e:
        raise ValueError(f"serve needs the serve extra: pip install 'arabic-news-tagger[serve]' ({e})") from None
    run(settings, log=lambda message: print(message, file=sys.stderr, flush=True))
    return 0
