"""The HTTP application: FastAPI on uvicorn.

Why FastAPI and not LitServe: LitServe's batching runs a fixed ``predict(batch)`` of one item type
in worker processes; ours must keep each request's options (``arguments``, ``decoding``) and its list
of texts, answer 503 from a bounded queue, and share one loaded model, which a single asyncio queue
in front of one thread does in a few lines. FastAPI brings the OpenAPI schema and uvicorn the HTTP
server, both widely used and kept up.

Requests flow: the body is read here (size cap, deadline), validated, put on a bounded queue; one
worker takes what has queued, up to a batch, and runs ``predict()`` once per set of options in a
thread, so the event loop keeps reading and answering while the model runs.
"""

from __future__ import annotations

import asyncio
import html
import inspect
import json
import math
import platform
import secrets
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import Annotated, Any, Callable, Literal, Optional

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from . import API_KEY_ENV_VAR, ServeSettings

#: Per-request options: forwarded to predict() where its signature takes them (so an option
#: predict() gains later, such as a document date, is served once listed here). Nothing that names a
#: file, a model or a device can be given per request.
REQUEST_OPTIONS: dict[str, tuple[Any, Any, str]] = {
    "arguments": (bool, True, "find each event's arguments (false: entities and triggers only, about twice as fast)"),
    "decoding": (Literal["viterbi", "argmax"], "viterbi",
                 "viterbi: each sentence's most probable valid BIO tags; argmax: each word's most probable tag"),
    "document_date": (Optional[str], None, "the document's date (ISO 8601), against which relative dates are read"),
    "argument_min_score": (Optional[Annotated[float, Field(ge=0.0, le=1.0)]], None,
                           "leave out arguments scored under this (0 to 1; unset: the model's own threshold, "
                           "0: every argument)"),
}

PAGE_TITLE = "النتيجة · Result"
_STATIC = {"app.js": "text/javascript; charset=utf-8", "page.css": "text/css; charset=utf-8"}
# The page and what it shows come from this server only; the view's frame runs no script at all.
_PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                "frame-src 'self' about:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


class ApiError(Exception):
    """An answer other than 200, with the message the client reads."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class ClientGone(Exception):
    """The client closed the connection: there is nobody to answer."""


def _error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


# --- the request -----------------------------------------------------------------------------------


def predict_options(predict_function: Callable) -> dict[str, tuple[Any, Any, str]]:
    """The per-request options this ``predict()`` takes."""
    params = inspect.signature(predict_function).parameters
    return {name: spec for name, spec in REQUEST_OPTIONS.items() if name in params}


def request_model(options: dict[str, tuple[Any, Any, str]]) -> type[BaseModel]:
    fields: dict[str, Any] = {
        "text": (Optional[str], Field(None, description="one text: the answer is one result")),
        "texts": (Optional[list[str]], Field(None, description="several texts: the answer is a list of results, in order")),
    }
    for name, (kind, default, doc) in options.items():
        fields[name] = (kind, Field(default, description=doc))
    return create_model("PredictRequest", __config__=ConfigDict(extra="forbid", strict=True,
                                                                 json_schema_extra={"examples": [{"text": "اتصل بوتين بترامب"}]}),
                        **fields)


def _where(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def parse_request(body: bytes, model: type[BaseModel], max_characters: int) -> tuple[list[str], bool, dict]:
    """``(texts, single, options)`` from a request body, or an ``ApiError`` naming what is wrong."""
    try:
        data = json.loads(body)
    except json.JSONDecodeError as e:
        raise ApiError(400, f"body: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    except UnicodeDecodeError as e:
        raise ApiError(400, f"body: not UTF-8 JSON ({e.reason} at byte {e.start})") from None
    except (ValueError, RecursionError) as e:
        raise ApiError(400, f"body: not JSON this server reads ({type(e).__name__}: {str(e)[:200]})") from None
    if not isinstance(data, dict):
        raise ApiError(422, f'body: expected a JSON object such as {{"text": "..."}}, got {type(data).__name__}')
    try:
        request = model.model_validate(data)
    except ValidationError as e:
        problems = []
        for err in e.errors(include_url=False)[:5]:
            if err["type"] == "extra_forbidden":
                problems.append(f"{_where(err['loc'])}: not a key of this API (keys: {', '.join(model.model_fields)})")
            else:
                problems.append(f"{_where(err['loc'])}: {err['msg']}")
        raise ApiError(422, "; ".join(problems)) from None
    if (request.text is None) == (request.texts is None):
        raise ApiError(422, 'give either "text" (a string) or "texts" (a list of strings), not both, not neither')
    single = request.text is not None
    texts = [request.text] if single else list(request.texts)
    if not texts:
        raise ApiError(422, 'texts: an empty list; give at least one text (or "text" for one)')
    total = sum(len(t) for t in texts)
    if total > max_characters:
        raise ApiError(413, f"{'text' if single else 'texts'}: {total:,} characters exceed this server's limit of "
                            f"{max_characters:,} characters per request; split the input into several requests")
    for i, t in enumerate(texts):
        try:
            t.encode("utf-8")
        except UnicodeEncodeError as e:
            raise ApiError(422, f"{'text' if single else f'texts[{i}]'}: character {e.start} is a lone surrogate "
                                f"({t[e.start]!a}), which is not text") from None
    options = {name: getattr(request, name) for name in model.model_fields if name not in ("text", "texts")}
    options = {k: v for k, v in options.items() if v is not None}
    return texts, single, options


async def read_body(receive, limit: int, timeout: float, declared: str | None) -> bytes:
    """The whole request body, at most ``limit`` bytes, within ``timeout`` seconds."""
    # The rest of a body refused half-way is never read: the answer closes the connection.
    close = {"Connection": "close"}
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"body: {int(declared):,} bytes declared, over this server's limit of {limit:,} bytes "
                            f"(the text limit, in characters, is in GET /model)", close)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    chunks, size = [], 0
    while True:
        remaining = deadline - loop.time()
        try:
            if remaining <= 0:
                raise asyncio.TimeoutError
            message = await asyncio.wait_for(receive(), remaining)
        except asyncio.TimeoutError:
            raise ApiError(408, f"body: not received whole within {timeout:g} s", close) from None
        if message["type"] == "http.disconnect":
            raise ClientGone()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"body: over this server's limit of {limit:,} bytes "
                                f"(the text limit, in characters, is in GET /model)", close)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _wait_disconnect(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


# --- batching across requests ----------------------------------------------------------------------


@dataclass(eq=False)
class Job:
    texts: list[str]
    options: dict
    future: asyncio.Future
    characters: int
    gone: bool = False  # the client left before its batch ran
    queued_at: float = field(default_factory=time.perf_counter)
    started_at: float | None = None
    predict_s: float | None = None  # the predict() call it ran in
    batch_requests: int = 0  # the requests of that call

    def server_timing(self) -> str:
        """The ``Server-Timing`` header: where this request's time went on the server."""
        waited = ((self.started_at or self.queued_at) - self.queued_at) * 1000
        return (f'queue;dur={waited:.1f}, predict;dur={(self.predict_s or 0) * 1000:.1f};'
                f'desc="one predict() call for {self.batch_requests} requests"')

    @property
    def key(self) -> tuple:
        return tuple(sorted(self.options.items()))


@dataclass
class Stats:
    requests: int = 0  # answered with results
    batches: int = 0  # batches run (one predict() call each; the retries of a failing one not counted)
    largest_batch: int = 0  # requests in one predict() call
    rejected: int = 0  # 503: queue full
    dropped: int = 0  # the client left before its answer
    running: int = 0  # requests in the predict() call under way
    seconds_per_batch: float = 0.0  # moving average


class Batcher:
    """One bounded queue, one worker: requests that arrive together run as one ``predict()`` call.

    The worker takes the first waiting request, then whatever else is waiting, up to
    ``max_batch_texts`` texts and ``max_characters`` characters. Then it waits, at most ``wait_s``,
    for the clients the last batch answered to send their next requests: clients that run together
    stay in one batch instead of splitting into two halves that take turns (each half's requests
    queue while the other's run, and the model would run half batches for good). A lone client's
    next request is the one expected, so it waits for nothing.
    """

    def __init__(self, run_texts: Callable[[list[str], dict], list[dict]], *, max_batch_texts: int,
                 max_characters: int, wait_s: float, max_queue: int):
        self.run_texts = run_texts
        self.max_batch_texts, self.max_characters, self.wait_s = max_batch_texts, max_characters, wait_s
        self.queue: asyncio.Queue[Job] = asyncio.Queue(max_queue)
        self.stats = Stats()
        self._carry: Job | None = None
        self._last_batch_requests = 0  # answered by the last batch
        self._last_finished = 0.0  # when (time.perf_counter)
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="predict")
        self._task: asyncio.Task | None = None

    # --- for the endpoints ---

    def submit(self, texts: list[str], options: dict) -> Job:
        job = Job(texts, options, asyncio.get_running_loop().create_future(), sum(len(t) for t in texts))
        # An answer nobody waits for any more (the client left) is not an error to log.
        job.future.add_done_callback(lambda f: f.cancelled() or f.exception())
        try:
            self.queue.put_nowait(job)
        except asyncio.QueueFull:
            self.stats.rejected += 1
            raise ApiError(503, f"busy: {self.queue.maxsize} requests are waiting for the model; retry later",
                           {"Retry-After": str(self.retry_after())}) from None
        return job

    def retry_after(self) -> int:
        per_batch = self.stats.seconds_per_batch or 1.0
        requests_per_batch = max(1.0, self.stats.requests / max(1, self.stats.batches))
        return max(1, math.ceil(per_batch * (self.queue.qsize() / requests_per_batch + 1)))

    def health(self) -> dict:
        s = self.stats
        return {"queued": self.queue.qsize() + (self._carry is not None), "max_queue": self.queue.maxsize,
                "running": s.running, "requests": s.requests, "batches": s.batches, "largest_batch": s.largest_batch,
                "rejected": s.rejected, "dropped": s.dropped}

    # --- the worker ---

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._work(), name="batcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        pending = [self._carry] if self._carry else []
        while not self.queue.empty():
            pending.append(self.queue.get_nowait())
        for job in pending:
            if not job.future.done():
                job.future.set_exception(ApiError(503, "the server is shutting down", {"Retry-After": "5"}))
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _next(self, timeout: float) -> Job | None:
        if self._carry is not None:
            job, self._carry = self._carry, None
            return job
        try:
            return self.queue.get_nowait()
        except asyncio.QueueEmpty:
            if timeout <= 0:
                return None
        getter = asyncio.ensure_future(self.queue.get())
        done, _ = await asyncio.wait({getter}, timeout=timeout)
        if done:
            return getter.result()
        getter.cancel()
        try:
            return await getter  # it may have been handed an item just before the cancel
        except asyncio.CancelledError:
            return None

    async def _collect(self) -> list[Job]:
        loop = asyncio.get_running_loop()
        first = await self._next(math.inf)
        batch, texts, characters = [first], len(first.texts), first.characters
        deadline = loop.time() + self.wait_s
        # Expected: the last batch's clients, back with their next requests, and the requests that
        # queued while it ran (other clients).
        queued_before = int(first.queued_at < self._last_finished)
        while texts < self.max_batch_texts:
            expecting = len(batch) < self._last_batch_requests + queued_before
            job = await self._next(deadline - loop.time() if expecting else 0.0)
            if job is None:
                break
            if texts + len(job.texts) > self.max_batch_texts or characters + job.characters > self.max_characters:
                self._carry = job  # first of the next batch
                break
            batch.append(job)
            texts += len(job.texts)
            characters += job.characters
            queued_before += job.queued_at < self._last_finished
        return batch

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._collect()
            live = [j for j in batch if not j.gone and not j.future.done()]
            groups: dict[tuple, list[Job]] = {}
            for job in live:
                groups.setdefault(job.key, []).append(job)
            for jobs in groups.values():
                self.stats.running = len(jobs)
                started = time.perf_counter()
                try:
                    await self._run_group(loop, jobs)
                finally:
                    self.stats.running = 0
                elapsed = time.perf_counter() - started
                s = self.stats
                s.seconds_per_batch = elapsed if not s.batches else 0.8 * s.seconds_per_batch + 0.2 * elapsed
                s.batches += 1
                s.largest_batch = max(s.largest_batch, len(jobs))
            self._last_batch_requests, self._last_finished = len(live), time.perf_counter()

    async def _run_group(self, loop, jobs: list[Job]) -> None:
        texts = [t for j in jobs for t in j.texts]
        started = time.perf_counter()
        for job in jobs:
            job.started_at = job.started_at or started
        try:
            results = await loop.run_in_executor(self._executor, self.run_texts, texts, dict(jobs[0].options))
        except Exception as e:  # noqa: BLE001 - one request's failure must not fail the others, nor the worker
            if len(jobs) > 1:
                for job in jobs:  # find the request at fault: each alone
                    await self._run_group(loop, [job])
                return
            job = jobs[0]
            if not job.future.done():
                if isinstance(e, (ValueError, TypeError)):
                    job.future.set_exception(ApiError(422, str(e)))
                else:
                    print(f"predict() failed: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
                    job.future.set_exception(ApiError(500, f"the model failed on this request ({type(e).__name__})"))
            return
        elapsed = time.perf_counter() - started
        at = 0
        for job in jobs:
            job.predict_s, job.batch_requests = elapsed, len(jobs)
            if not job.future.done():
                job.future.set_result(results[at:at + len(job.texts)])
                self.stats.requests += 1
            at += len(job.texts)


# --- what the server says about its model ----------------------------------------------------------


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def held_out_scores(model_dir: Path) -> dict:
    """Micro P/R/F1 per source and layer from the ``evaluate --report-json`` files beside the model."""
    out = {}
    for path in sorted(model_dir.glob("evaluation*.json")):
        try:
            scores = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(scores, dict):
            continue
        sources = {"held-out documents": scores, **(scores.get("other_sources") or {})}
        table = {}
        for source, layers in sources.items():
            row = {}
            for layer, value in (layers or {}).items():
                if isinstance(value, dict) and isinstance(value.get("micro"), dict):
                    row[layer] = {k: value["micro"].get(k) for k in ("precision", "recall", "f1")}
                elif isinstance(value, dict) and "absent" in value:
                    row[layer] = "absent"
            if row:
                table[source] = row
        out[path.name] = table
    return out


def model_info(predictor, settings: ServeSettings, options: dict) -> dict:
    config = predictor.config
    entity_types = sorted({label[2:] for label in config.entity_labels if label != "O"})
    versions = {name: _version(name) for name in ("arabic-news-tagger", "torch", "transformers", "tokenizers",
                                                   "fastapi", "uvicorn", "pydantic")}
    if settings.int8:
        versions["onnxruntime"] = _version("onnxruntime")
    versions["python"] = platform.python_version()
    return {
        "name": (config.training_config or {}).get("name"),
        "entity_types": entity_types,
        "entity_labels": list(config.entity_labels),
        "trigger_labels": list(config.trigger_labels),
        "argument_labels": list(config.argument_labels),
        "event_types": list(config.event_types),
        "roles": {t: list(r) for t, r in (config.admitted_roles or {}).items()},
        "trained_layers": list(config.trained_layers),
        "normalization": {"scheme": config.normalization, "version": config.normalization_version},
        "argument_design": config.argument_design,
        "argument_min_score": predictor.argument_min_score,
        "int8": settings.int8,
        "max_characters": settings.max_characters,
        "request_options": sorted(options),
        "held_out_documents": list(config.held_out_documents or []),
        "held_out_scores": held_out_scores(Path(predictor.path)),
        "versions": versions,
    }


# --- the application -------------------------------------------------------------------------------


def _static(name: str) -> bytes:
    return resources.files("arabic_news_tagger.serve").joinpath(name).read_bytes()


def _docs_page(schema: dict) -> str:
    """The API described from its OpenAPI schema, on a page that needs nothing but this server."""
    parts = [f"<h1>{html.escape(schema['info']['title'])} <small>{html.escape(schema['info']['version'])}</small></h1>",
             f"<p>{html.escape(schema['info'].get('description', ''))}</p>",
             '<p>The machine-readable schema: <a href="/openapi.json">/openapi.json</a> (OpenAPI '
             f"{html.escape(schema['openapi'])}).</p>"]
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            parts.append(f'<section><h2><code>{method.upper()} {html.escape(path)}</code> {html.escape(op.get("summary", ""))}</h2>')
            if op.get("description"):
                parts.append(f"<p>{html.escape(op['description'])}</p>")
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body:
                parts.append(f"<h3>Request body</h3><pre>{html.escape(json.dumps(body, indent=2, ensure_ascii=False))}</pre>")
            rows = "".join(f"<li><b>{html.escape(code)}</b> {html.escape(r.get('description', ''))}</li>"
                           for code, r in op.get("responses", {}).items())
            parts.append(f"<h3>Responses</h3><ul>{rows}</ul></section>")
    if schema.get("components", {}).get("schemas"):
        parts.append("<h2>Schemas</h2><pre>" + html.escape(json.dumps(schema["components"]["schemas"], indent=2,
                                                                          ensure_ascii=False)) + "</pre>")
    style = ("body{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em}"
             "pre{background:#f6f6f6;padding:.6em;overflow:auto}section{border-top:1px solid #ddd}")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>API: {html.escape(schema["info"]["title"])}'
            f"</title><style>{style}</style></head><body>{''.join(parts)}</body></html>")


_RESULT_DOC = {
    "description": "what predict() returns: for \"text\" one result, for \"texts\" a list of results in order",
    "content": {"application/json": {"example": {
        "entities": [{"type": "PERS", "text": "بوتين", "start": 5, "end": 10, "score": 0.998}],
        "events": [{"type": "CALL", "trigger": {"text": "اتصل", "start": 0, "end": 4, "score": 0.97},
                    "arguments": [{"role": "Participant", "text": "بوتين", "start": 5, "end": 10, "score": 0.99}]}]}}},
}
_ERRORS_DOC = {
    "400": {"description": "the body is not JSON"},
    "401": {"description": "an API key is required (X-API-Key header) and was missing or wrong"},
    "408": {"description": "the body did not arrive whole in time"},
    "413": {"description": "over the character limit (given in the message and in GET /model)"},
    "422": {"description": "a key is missing, unknown or of the wrong type (the message names it)"},
    "503": {"description": "the queue is full; retry after the Retry-After header's seconds"},
}


def create_app(settings: ServeSettings, predict_function: Callable | None = None, predictor=None) -> FastAPI:
    """The application for one loaded model; ``predict_function`` is ``predict()`` unless a test gives another."""
    from ..model.predict import load_predictor, predict
    from ..render import to_html

    predict_function = predict_function or predict
    predictor = predictor or load_predictor(settings.model, int8=settings.int8)
    options = predict_options(predict_function)
    Request_ = request_model(options)
    request_schema = Request_.model_json_schema()
    info = model_info(predictor, settings, options)

    def run_texts(texts: list[str], opts: dict) -> list[dict]:
        return predict_function(texts, model=settings.model, batch_size=settings.batch_size, int8=settings.int8,
                                max_characters=settings.max_characters, **opts)

    batcher = Batcher(run_texts, max_batch_texts=settings.max_batch_texts, max_characters=settings.max_characters,
                      wait_s=settings.batch_wait_ms / 1000, max_queue=settings.max_queue)

    @asynccontextmanager
    async def lifespan(app):
        batcher.start()
        ready = getattr(app.state, "on_ready", None)
        if ready:
            ready()
        try:
            yield
        finally:
            await batcher.stop()

    app = FastAPI(title="arabic-news-tagger", version=info["versions"]["arabic-news-tagger"] or "",
                  description="Entities and events with their arguments in Arabic news, every span as character "
                              "offsets into your text.", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.batcher = batcher
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", "X-API-Key", "Authorization"])

    @app.exception_handler(ApiError)
    async def _api_error(request, exc: ApiError):
        return _error_response(exc.status, exc.message, exc.headers)

    def check_key(request: Request) -> None:
        if settings.api_key is None:
            return
        given = request.headers.get("x-api-key")
        auth = request.headers.get("authorization", "")
        if given is None and auth.lower().startswith("bearer "):
            given = auth[7:].strip()
        if given is None or not secrets.compare_digest(given.encode(), settings.api_key.encode()):
            raise ApiError(401, "this server requires an API key: send it in the X-API-Key header",
                           {"WWW-Authenticate": "Bearer"})

    async def answer(request: Request) -> tuple[list[str], bool, Job] | None:
        check_key(request)
        try:
            body = await read_body(request.receive, settings.max_body_bytes, settings.body_timeout,
                                   request.headers.get("content-length"))
        except ClientGone:
            batcher.stats.dropped += 1
            return None
        texts, single, opts = parse_request(body, Request_, settings.max_characters)
        job = batcher.submit(texts, opts)
        gone = asyncio.ensure_future(_wait_disconnect(request.receive))
        try:
            await asyncio.wait({job.future, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
        if not job.future.done():
            job.gone = True  # skipped if its batch has not started
            batcher.stats.dropped += 1
            return None
        job.future.result()  # raises the ApiError of a request that failed
        return texts, single, job

    def _json(value, job: Job) -> Response:
        return Response(json.dumps(value, ensure_ascii=False), media_type="application/json",
                        headers={"Server-Timing": job.server_timing()})

    body_doc = {"requestBody": {"required": True, "content": {"application/json": {"schema": request_schema}}}}

    @app.post("/predict", summary="entities and events of a text or a list of texts",
              description="The body is one JSON object: \"text\" or \"texts\", and the options predict() takes "
                          f"per request ({', '.join(options)}). Requests that arrive together run as one batch.",
              openapi_extra=body_doc, responses={200: _RESULT_DOC, **_ERRORS_DOC})
    async def post_predict(request: Request):
        done = await answer(request)
        if done is None:
            return Response(status_code=499)  # nobody is there to read it
        _, single, job = done
        results = job.future.result()
        return _json(results[0] if single else results, job)

    @app.post("/view", summary="the same, with the highlighted HTML view (the page uses it)",
              description="As POST /predict; the answer is {\"result\": what /predict answers, \"html\": the page "
                          "`predict --html` writes for the same texts}.",
              openapi_extra=body_doc, responses=_ERRORS_DOC)
    async def post_view(request: Request):
        done = await answer(request)
        if done is None:
            return Response(status_code=499)
        texts, single, job = done
        results = job.future.result()
        page = to_html(list(zip(texts, results)), title=PAGE_TITLE)
        return _json({"result": results[0] if single else results, "html": page}, job)

    @app.get("/health", summary="whether the server answers, and its queue")
    async def get_health():
        return {"status": "ok", "api_key_required": settings.api_key is not None, **batcher.health()}

    @app.get("/model", summary="the model: labels, event types and roles, normalisation, versions, held-out scores")
    async def get_model(request: Request):
        check_key(request)
        return JSONResponse(info)

    @app.get("/", include_in_schema=False)
    async def get_page():
        return HTMLResponse(_static("index.html"), headers={"Content-Security-Policy": _PAGE_POLICY,
                                                            "X-Content-Type-Options": "nosniff"})

    @app.get("/static/{name}", include_in_schema=False)
    async def get_static(name: str):
        if name not in _STATIC:  # a fixed list: no request reaches any other file
            return _error_response(404, f"/static/{name}: no such file")
        return Response(_static(name), media_type=_STATIC[name], headers={"X-Content-Type-Options": "nosniff"})

    @app.get("/docs", include_in_schema=False)
    async def get_docs():
        return HTMLResponse(_docs_page(app.openapi()))

    return app


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not left 0: asyncio sets TCP_NODELAY only on sockets that say so, and without
    # it every answer (headers, then body) waited 40 ms for the client's delayed acknowledgement.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as e:
        sock.close()
        raise OSError(f"--host {host} --port {port}: cannot listen there ({e.strerror or e})") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def run(settings: ServeSettings, log=print) -> None:
    """Load the model, listen, print the address once requests are answered, serve until stopped."""
    import uvicorn

    app = create_app(settings)
    sock = _listen(settings.host, settings.port)
    host, port = sock.getsockname()[:2]
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}/"
    if settings.host not in ("127.0.0.1", "localhost", "::1"):
        log(f"note: listening on {settings.host}, reachable from other machines"
            + ("" if settings.api_key else f"; consider --api-key (or ${API_KEY_ENV_VAR})"))

    def ready():
        print(f"serving {settings.model} at {url} (API: {url}docs)", flush=True)

    app.state.on_ready = ready
    config = uvicorn.Config(app, log_level=settings.log_level, access_log=settings.log_level in ("debug", "info"),
                            timeout_keep_alive=5, server_header=False,
                            # Connections beyond the queue, a batch and the requests being read: 503 from uvicorn.
                            limit_concurrency=settings.max_queue + settings.max_batch_texts + 64)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
