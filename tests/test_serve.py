"""`arabic-news-tagger serve`: a newsroom's page and other languages' services get what predict() gives.

The server runs as a user starts it (a child process on a free port of 127.0.0.1) on the tiny
model the test session trains; what it answers is checked against predict() in this process. Bad
input of every kind is sent as a careless or hostile client would send it (raw sockets where an
HTTP client would refuse to), and the server must answer it clearly and go on serving. A real
browser (the system's Chromium, driven by Playwright) pastes an article into the page.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT

httpx = pytest.importorskip("httpx", reason="the serve extra is not installed: pip install -e '.[dev]'")
pytest.importorskip("fastapi", reason="the serve extra is not installed: pip install -e '.[dev]'")

from arabic_news_tagger.evaluate.bench_serve import Server, load_texts, percentile, report  # noqa: E402
from arabic_news_tagger.serve import MAX_CHARACTERS, ServeSettings  # noqa: E402
from arabic_news_tagger.serve.app import ApiError, Batcher, parse_request, predict_options, request_model  # noqa: E402

ARTICLE = (ROOT / "data" / "004_d8de9215c69d2de7.txt").read_text(encoding="utf-8")  # held out by tiny
CALL = "أجرى الرئيس الروسي فلاديمير بوتين محادثة هاتفية مع الرئيس الأمريكي دونالد ترامب"
TEXTS = [
    CALL,
    ARTICLE[:600],
    "",  # empty
    "   \n  ",  # blank
    "Putin called Trump on Tuesday.",  # no Arabic
    "الرَّئِيسُ بوتيـــــن اتصل بترامب ٢٠٢٥ 🙂\u200f في موسكو",  # diacritics, tatweel, Eastern digits, emoji, RLM
]


def same_result(got, expected, where="result"):
    """Equal but for scores, which may differ by 1e-4: batching with other texts changes padding."""
    if isinstance(expected, dict):
        assert isinstance(got, dict) and set(got) == set(expected), f"{where}: keys {sorted(got)} != {sorted(expected)}"
        for k in expected:
            same_result(got[k], expected[k], f"{where}.{k}")
    elif isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected), f"{where}: {len(got)} items, expected {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            same_result(g, e, f"{where}[{i}]")
    elif isinstance(expected, float):
        assert abs(got - expected) <= 1e-4 + 1e-9, f"{where}: score {got} vs {expected}"
    else:
        assert got == expected, f"{where}: {got!r} != {expected!r}"


def raw_request(url: str, payload: bytes, read_timeout: float = 30.0) -> tuple[int, dict, bytes]:
    """Send bytes as they are on a new connection; the status, headers and body of the answer."""
    host, port = url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=read_timeout) as s:
        s.sendall(payload)
        return read_response(s)


def read_response(s: socket.socket) -> tuple[int, dict, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before an answer: {data[:200]!r}")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    length = int(headers.get("content-length", 0))
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


def post_head(path: str, length: int | None = None, extra: str = "") -> bytes:
    size = f"Content-Length: {length}\r\n" if length is not None else "Transfer-Encoding: chunked\r\n"
    return f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{size}{extra}\r\n".encode()


def health(url: str, **kwargs) -> dict:
    return httpx.get(f"{url}/health", timeout=30, **kwargs).json()


# --- quick: the request and the batcher, without a model -----------------------------------------


def _stand_in_predict(texts, model=None, batch_size=16, *, device=None, arguments=True, int8=False,
                      max_characters=MAX_CHARACTERS, decoding="viterbi"):
    """predict()'s signature, answering with what it was given (for the batcher's bookkeeping)."""
    if any("boom" in t for t in texts):
        raise ValueError("texts: a text the model refuses")
    return [{"text": t, "arguments": arguments, "decoding": decoding} for t in texts]


REQUEST = request_model(predict_options(_stand_in_predict))


@pytest.mark.parametrize("body, status, message", [
    (b'{"text": ', 400, "not valid JSON (line 1, column 10"),
    (b"\xff\xfe{", 400, "body: not"),
    (b'["a text"]', 422, "expected a JSON object"),
    (b"{}", 422, 'give either "text"'),
    (b'{"text": "a", "texts": ["b"]}', 422, "not both"),
    (b'{"text": 5}', 422, "text: Input should be a valid string"),
    (b'{"texts": "one text"}', 422, "texts: Input should be a valid list"),
    (b'{"texts": ["a", 3]}', 422, "texts[1]: Input should be a valid string"),
    (b'{"texts": []}', 422, "texts: an empty list"),
    (b'{"text": "a", "arguments": "yes"}', 422, "arguments: Input should be a valid boolean"),
    (b'{"text": "a", "decoding": "beam"}', 422, "decoding: Input should be 'viterbi' or 'argmax'"),
    (b'{"text": "a", "model": "/etc/passwd"}', 422, "model: not a key of this API"),
    (b'{"text": "a", "device": "cuda"}', 422, "device: not a key of this API"),
    (b'{"text": "\\ud800 x"}', 422, "text: character 0 is a lone surrogate"),
    (b"[" * 100_000 + b"]" * 100_000, 400, "body: not"),
])
def test_each_bad_request_is_answered_with_what_is_wrong(body, status, message):
    with pytest.raises(ApiError) as caught:
        parse_request(body, REQUEST, max_characters=100)
    assert caught.value.status == status
    assert message in caught.value.message


def test_the_character_limit_counts_every_text_of_a_request_and_is_in_the_message():
    assert parse_request('{"texts": ["أ" , "بب"]}'.encode(), REQUEST, max_characters=3)[0] == ["أ", "بب"]
    with pytest.raises(ApiError) as caught:
        parse_request('{"texts": ["أ" , "ببب"]}'.encode(), REQUEST, max_characters=3)
    assert caught.value.status == 413 and "4 characters exceed this server's limit of 3 characters" in caught.value.message


def test_options_predict_takes_are_passed_on_and_no_others():
    texts, single, options = parse_request(b'{"texts": ["a"], "arguments": false, "decoding": "argmax"}', REQUEST, 100)
    assert (texts, single, options) == (["a"], False, {"arguments": False, "decoding": "argmax"})
    # document_date is served once predict() takes it; the stand-in does not.
    assert "document_date" not in REQUEST.model_fields
    with pytest.raises(ApiError, match="document_date: not a key"):
        parse_request(b'{"text": "a", "document_date": "2025-05-18"}', REQUEST, 100)


def test_the_real_predict_takes_a_document_date_per_request():
    from arabic_news_tagger.model.predict import predict

    real = request_model(predict_options(predict))
    texts, single, options = parse_request('{"text": "أمس", "document_date": "2025-05-18"}'.encode(), real, 100)
    assert (texts, single, options["document_date"]) == (["أمس"], True, "2025-05-18")
    assert parse_request('{"text": "أمس"}'.encode(), real, 100)[2].get("document_date") is None


def test_the_settings_mirror_predicts_limits():
    from arabic_news_tagger.model import predict as predict_module

    assert MAX_CHARACTERS == predict_module.MAX_CHARACTERS
    from arabic_news_tagger.serve import DEFAULT_BATCH_SIZE

    assert DEFAULT_BATCH_SIZE == predict_module.DEFAULT_BATCH_SIZE


def test_requests_that_arrive_together_share_calls_by_option_and_each_gets_its_own_answers():
    calls = []

    def run_texts(texts, options):
        calls.append((list(texts), dict(options)))
        time.sleep(0.05)  # the model is busy: later requests queue meanwhile
        return _stand_in_predict(texts, **options)

    async def scenario():
        batcher = Batcher(run_texts, max_batch_texts=8, max_characters=1000, wait_s=0.1, max_queue=16)
        batcher.start()
        try:
            jobs = [batcher.submit([f"t{i}"], {"arguments": i % 2 == 0}) for i in range(6)]
            jobs.append(batcher.submit(["x1", "x2", "x3"], {"decoding": "argmax"}))  # 9 texts: over the batch of 8
            jobs.append(batcher.submit(["boom"], {"decoding": "argmax"}))  # fails alone, not its batch-mates
            outcomes = await asyncio.gather(*(j.future for j in jobs), return_exceptions=True)
            # Requests have been arriving together: one that comes a little after another waits for it.
            early = batcher.submit(["early"], {})
            await asyncio.sleep(0.03)
            late = batcher.submit(["late"], {})
            outcomes += await asyncio.gather(early.future, late.future)
            return outcomes, batcher.health()
        finally:
            await batcher.stop()

    outcomes, stats = asyncio.run(scenario())
    for i in range(6):
        assert outcomes[i] == [{"text": f"t{i}", "arguments": i % 2 == 0, "decoding": "viterbi"}]
    assert outcomes[6] == [{"text": x, "arguments": True, "decoding": "argmax"} for x in ("x1", "x2", "x3")]
    assert isinstance(outcomes[7], ApiError) and outcomes[7].status == 422 and "refuses" in outcomes[7].message
    assert outcomes[8][0]["text"] == "early" and outcomes[9][0]["text"] == "late"
    # One predict() call per set of options among the requests waiting together, never more than 8 texts.
    argmax = {"decoding": "argmax"}
    assert calls == [(["t0", "t2", "t4"], {"arguments": True}), (["t1", "t3", "t5"], {"arguments": False}),
                     # the failing call, then each of its requests alone to find the one at fault
                     (["x1", "x2", "x3", "boom"], argmax), (["x1", "x2", "x3"], argmax), (["boom"], argmax),
                     (["early", "late"], {})]
    assert stats["requests"] == 9 and stats["largest_batch"] == 3 and stats["batches"] == 4


def test_a_lone_client_never_waits_for_others():
    async def scenario():
        batcher = Batcher(lambda texts, options: [{}] * len(texts), max_batch_texts=8, max_characters=100,
                          wait_s=2.0, max_queue=4)
        batcher.start()
        try:
            took = []
            for _ in range(5):
                started = time.perf_counter()
                await batcher.submit(["a"], {}).future
                took.append(time.perf_counter() - started)
            return took
        finally:
            await batcher.stop()

    assert max(asyncio.run(scenario())) < 1.0  # the 2 s window never spent


def test_clients_that_run_together_come_to_share_one_batch():
    """Eight clients, each sending its next request as soon as it is answered, the second four
    starting while the first four's batch runs: they must not settle into two halves taking turns
    (each half's requests queue while the other's run), nor wait out the window when all are back."""
    sizes = []

    def run_texts(texts, options):
        sizes.append(len(texts))
        time.sleep(0.05)
        return [{}] * len(texts)

    async def scenario():
        batcher = Batcher(run_texts, max_batch_texts=16, max_characters=1000, wait_s=0.5, max_queue=16)
        batcher.start()

        async def client(delay):
            await asyncio.sleep(delay)
            for _ in range(12):
                await batcher.submit(["a"], {}).future
                await asyncio.sleep(0.002)  # the client reads its answer and writes the next request

        try:
            await asyncio.gather(*(client(0.0 if c < 4 else 0.02) for c in range(8)))
        finally:
            await batcher.stop()

    started = time.perf_counter()
    asyncio.run(scenario())
    took = time.perf_counter() - started
    # The first four ran alone; from then on all eight shared each call (the last four finished last).
    assert sizes[0] == 4 and set(sizes[1:-1]) == {8} and sizes[-1] == 4, sizes
    # Each batch waited only until the clients it expected were back, not its whole 0.5 s window.
    assert took < 4.0, f"{took:.1f} s"


def test_a_full_queue_answers_503_with_when_to_retry():
    async def scenario():
        batcher = Batcher(lambda texts, options: [{}] * len(texts), max_batch_texts=4, max_characters=100,
                          wait_s=0, max_queue=2)  # never started: nothing leaves the queue
        batcher.submit(["a"], {})
        batcher.submit(["b"], {})
        with pytest.raises(ApiError) as caught:
            batcher.submit(["c"], {})
        await batcher.stop()
        return caught.value, batcher.health()

    error, stats = asyncio.run(scenario())
    assert error.status == 503 and "2 requests are waiting" in error.message
    assert int(error.headers["Retry-After"]) >= 1
    assert stats["rejected"] == 1


def test_the_benchmark_reads_sentences_and_paragraphs_and_reports_its_targets():
    texts = load_texts(ROOT / "data")
    assert len(texts) > 117 and all(words > 0 for _, words in texts)
    assert percentile([5, 1, 4, 2, 3], 50) == 3 and percentile([1, 2, 3, 4, 100], 99) == 100 and percentile([], 50) is None
    level = {"clients": 1, "documents": 10, "documents_per_s": 2.0, "words_per_s": 40.0, "p50_ms": 100.0, "p95_ms": 150.0,
             "p99_ms": 200.0, "failed": 0, "errors": {}, "server_peak_mb": 500.0, "server_mb_at_mark": None,
             "server_mb_at_end": 500.0, "memory_mark_s": 60, "server_cpu_share": 0.5, "clients_cpu_share": 0.1,
             "words_per_server_cpu_s": 45.0, "requests_per_batch": 1.0}
    text = report([level, {**level, "clients": 16, "words_per_s": 60.0, "p99_ms": 250.0}],
                  {"texts_per_call": 16, "words_per_s": 70.0, "documents_per_s": 3.0, "passes": 2.0, "seconds": 10.0,
                   "words_per_cpu_s": 40.0})
    assert "ratio 16 clients vs 1 client: 1.50x" in text
    assert "ratio 16 clients vs predict() 16 per call: 0.86x" in text
    assert "p99/p50 at 16 clients: 2.50" in text


def test_answers_are_not_held_back_by_nagles_algorithm():
    """Headers and body go out as two writes: without TCP_NODELAY the second waits for the client's
    delayed acknowledgement, 40 ms on every answer. asyncio sets it only on sockets that name TCP."""
    from arabic_news_tagger.serve.app import _listen

    async def scenario():
        accepted = asyncio.get_running_loop().create_future()

        class Protocol(asyncio.Protocol):
            def connection_made(self, transport):
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        listening = _listen("127.0.0.1", 0)
        server = await asyncio.get_running_loop().create_server(Protocol, sock=listening)
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", listening.getsockname()[1])
            nodelay = await asyncio.wait_for(accepted, 10)
            writer.close()
            return nodelay
        finally:
            server.close()

    assert asyncio.run(scenario()) != 0


def test_a_bad_model_directory_is_one_line_naming_it(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "arabic_news_tagger.cli", "serve", "--model", str(tmp_path / "nope")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "nope" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_settings_are_refused_before_anything_loads():
    for bad in ({"max_queue": 0}, {"batch_wait_ms": -1}, {"port": 70000}, {"api_key": " "}):
        with pytest.raises(ValueError):
            ServeSettings(model="m", **bad).check()


# --- the server, as a user starts it ---------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tiny_model):
    srv = Server(tiny_model, extra_args=["--body-timeout", "3"])
    yield srv
    alive = srv.process.poll() is None
    srv.stop()
    assert alive, "the server died during the tests"


@pytest.fixture(scope="module")
def guarded_server(tiny_model, tmp_path_factory):
    """A copy of the model with its held-out scores beside it, served with an API key (from the
    environment), a queue of one, one request per batch, and CORS open to one origin."""
    model = tmp_path_factory.mktemp("guarded") / "model"
    shutil.copytree(tiny_model, model, ignore=shutil.ignore_patterns("checkpoints"))
    subprocess.run([sys.executable, "-m", "arabic_news_tagger.cli", "evaluate", "--model", str(model), "--no-public-corpora",
                    "--report-json", str(model / "evaluation.json")], check=True, capture_output=True, timeout=600)
    before = os.environ.get("ARABIC_NEWS_TAGGER_API_KEY")
    os.environ["ARABIC_NEWS_TAGGER_API_KEY"] = "s3cret"
    try:
        srv = Server(model, extra_args=["--max-queue", "1", "--max-batch-texts", "1", "--cors-origin", "http://newsroom.example"])
    finally:
        if before is None:
            del os.environ["ARABIC_NEWS_TAGGER_API_KEY"]
        else:
            os.environ["ARABIC_NEWS_TAGGER_API_KEY"] = before
    yield srv, model
    srv.stop()


def test_a_request_may_set_the_argument_threshold_within_0_and_1():
    from arabic_news_tagger.model.predict import predict

    real = request_model(predict_options(predict))
    assert parse_request(b'{"text": "a", "argument_min_score": 0.6}', real, 100)[2]["argument_min_score"] == 0.6
    assert "argument_min_score" not in parse_request(b'{"text": "a"}', real, 100)[2], "unset: the model's own"
    for value, message in ((b"1.5", "less than or equal to 1"), (b"-0.1", "greater than or equal to 0"),
                           (b'"0.5"', "a valid number"), (b"true", "a valid number")):
        with pytest.raises(ApiError) as caught:
            parse_request(b'{"text": "a", "argument_min_score": ' + value + b"}", real, 100)
        assert caught.value.status == 422 and caught.value.message.startswith("argument_min_score: ")
        assert message in caught.value.message


@pytest.fixture(scope="module")
def expected(tiny_model):
    from arabic_news_tagger import predict

    return lambda texts, **options: predict(texts, model=tiny_model, **options)


def test_the_api_answers_what_predict_returns(server, expected):
    for text in TEXTS:
        response = httpx.post(f"{server.url}/predict", json={"text": text}, timeout=120)
        assert response.status_code == 200, response.text
        same_result(response.json(), expected(text), f"text {text[:20]!r}")
    response = httpx.post(f"{server.url}/predict", json={"texts": TEXTS}, timeout=120)
    same_result(response.json(), expected(TEXTS))
    for options in ({"arguments": False}, {"decoding": "argmax"}, {"document_date": "2025-05-18"},
                    {"argument_min_score": 0.9}):
        response = httpx.post(f"{server.url}/predict", json={"texts": TEXTS[:2], **options}, timeout=120)
        same_result(response.json(), expected(TEXTS[:2], **options), str(options))
    # A threshold a request sets leaves out what predict() leaves out: fewer arguments, all over it.
    every = httpx.post(f"{server.url}/predict", json={"text": ARTICLE[:600], "argument_min_score": 0}, timeout=120).json()
    scores = sorted(a["score"] for ev in every["events"] for a in ev["arguments"])
    middle = scores[len(scores) // 2]
    kept = httpx.post(f"{server.url}/predict", json={"text": ARTICLE[:600], "argument_min_score": middle}, timeout=120).json()
    kept_scores = [a["score"] for ev in kept["events"] for a in ev["arguments"]]
    assert 0 < len(kept_scores) < len(scores) and min(kept_scores) >= middle - 1e-4
    dated = httpx.post(f"{server.url}/predict", json={"text": CALL, "document_date": "2025-05-18"}, timeout=120).json()
    assert dated["document_date"] == {"value": "2025-05-18", "source": "caller"}
    bad = httpx.post(f"{server.url}/predict", json={"text": CALL, "document_date": "18 May"}, timeout=120)
    assert bad.status_code == 422 and "document_date: '18 May' is not a date" in bad.json()["error"]
    # The article has events with arguments: the comparison above was not of empty lists only.
    assert any(ev["arguments"] for ev in expected(ARTICLE[:600])["events"])


def test_fifty_concurrent_requests_are_all_answered_correctly_in_shared_batches(server, expected):
    texts = [t for t, _ in load_texts(ROOT / "data")][:50]
    before = health(server.url)

    async def fifty():
        async with httpx.AsyncClient(base_url=server.url, timeout=300,
                                     limits=httpx.Limits(max_connections=50)) as client:
            return await asyncio.gather(*(client.post("/predict", json={"text": t}) for t in texts))

    responses = asyncio.run(fifty())
    assert [r.status_code for r in responses] == [200] * 50
    for t, r in zip(texts, responses):
        same_result(r.json(), expected(t), t[:30])
    # Each answer says how long it waited and which shared call it ran in.
    timings = [r.headers["server-timing"] for r in responses]
    assert all("queue;dur=" in t and "predict;dur=" in t for t in timings)
    assert any("for 1 requests" not in t for t in timings)
    after = health(server.url)
    assert after["requests"] - before["requests"] == 50
    assert after["batches"] - before["batches"] < 50, "no two requests shared a predict() call"
    assert after["largest_batch"] <= 32


def test_over_the_text_limit_is_413_naming_the_limit(server):
    response = httpx.post(f"{server.url}/predict", json={"text": "ب" * (MAX_CHARACTERS + 1)}, timeout=120)
    assert response.status_code == 413
    assert "1,000,001 characters exceed this server's limit of 1,000,000 characters" in response.json()["error"]
    status, _, body = raw_request(server.url, post_head("/predict", 50_000_000))
    assert status == 413 and b"50,000,000 bytes declared" in body


def test_bad_json_and_wrong_types_are_4xx_naming_the_key(server):
    for body, status, key in [(b'{"text": "x",', 400, b"not valid JSON"), (b'{"texts": []}', 422, b"texts"),
                              (b'{"texts": ["x", null]}', 422, b"texts[1]"), (b'{"text": "x", "model": "/tmp"}', 422, b"model")]:
        response = httpx.post(f"{server.url}/predict", content=body, timeout=30)
        assert response.status_code == status and key in response.content, response.text
    # curl -d sends a form content type: the body is read as JSON all the same.
    response = httpx.post(f"{server.url}/predict", content=json.dumps({"text": CALL}).encode(),
                          headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30)
    assert response.status_code == 200
    assert httpx.get(f"{server.url}/predict", timeout=30).status_code == 405


def test_a_body_that_never_ends_is_cut_off_at_the_size_limit(server):
    import select

    limit = ServeSettings(model="m").max_body_bytes
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])), timeout=30) as s:
        s.sendall(post_head("/predict") + b'6\r\n{"text\r\n')
        chunk = f"{65536:x}\r\n".encode() + b"a" * 65536 + b"\r\n"
        sent = 0
        # Bounded: the server must answer long before three times its limit.
        try:
            while sent < 3 * limit and not select.select([s], [], [], 0)[0]:
                s.sendall(chunk)
                sent += 65536
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered and closed between two chunks: the answer is still there to read
        status, headers, body = read_response(s)
        assert status == 413 and b"limit" in body
        assert limit <= sent < 3 * limit
        # The rest of the endless body is not read: the connection is closed.
        assert headers.get("connection") == "close"
        try:
            assert s.recv(1) == b""
        except ConnectionResetError:
            pass


def test_a_body_that_stops_arriving_is_408_after_the_body_timeout(server):
    started = time.monotonic()
    status, _, body = raw_request(server.url, post_head("/predict", 100) + b'{"text": "')
    assert status == 408 and b"within 3 s" in body
    assert 2.5 < time.monotonic() - started < 30


def test_clients_that_leave_mid_request_are_dropped_and_the_next_is_served(server):
    dropped = health(server.url)["dropped"]
    # Half a body, then gone.
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1]))) as s:
        s.sendall(post_head("/predict", 1000) + b'{"text": "')
    # A whole request for a long text, then gone before the answer.
    body = json.dumps({"text": ARTICLE * 4}).encode()
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1]))) as s:
        s.sendall(post_head("/predict", len(body)) + body)
        time.sleep(0.2)
    deadline = time.monotonic() + 60
    while health(server.url)["dropped"] < dropped + 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert health(server.url)["dropped"] == dropped + 2
    response = httpx.post(f"{server.url}/predict", json={"text": CALL}, timeout=120)
    assert response.status_code == 200 and response.json()["entities"]


def test_the_server_says_what_model_it_serves_and_describes_its_api_offline(server, tiny_model):
    model = httpx.get(f"{server.url}/model", timeout=30).json()
    config = json.loads((Path(tiny_model) / "config.json").read_text())
    assert model["entity_labels"] == config["entity_labels"] and model["event_types"] == config["event_types"]
    assert model["roles"] == config["admitted_roles"]
    assert model["normalization"] == {"scheme": config["normalization"], "version": config["normalization_version"]}
    assert model["versions"]["torch"] and model["versions"]["fastapi"] and model["max_characters"] == MAX_CHARACTERS
    assert model["argument_min_score"] == 0.0 and "argument_min_score" in model["request_options"]
    assert str(tiny_model) not in json.dumps(model), "the server's paths are nobody's business"
    schema = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
    assert {"/predict", "/view", "/health", "/model"} <= set(schema["paths"])
    body = schema["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"text", "texts", "arguments", "decoding"} <= set(body["properties"])
    docs = httpx.get(f"{server.url}/docs", timeout=30)
    assert docs.status_code == 200 and "POST /predict" in docs.text
    page = httpx.get(f"{server.url}/", timeout=30)
    for html_page in (docs.text, page.text):
        assert "http://" not in html_page and "https://" not in html_page and "//cdn" not in html_page
    assert 'dir="rtl"' in page.text and "script-src 'self'" in page.headers["content-security-policy"]
    assert httpx.get(f"{server.url}/static/app.js", timeout=30).status_code == 200
    assert httpx.get(f"{server.url}/static/..%2Fapp.py", timeout=30).status_code == 404
    # CORS is off unless enabled: a page of another origin gets no permission to read the answers.
    response = httpx.post(f"{server.url}/predict", json={"text": CALL}, headers={"Origin": "http://elsewhere.example"}, timeout=60)
    assert "access-control-allow-origin" not in response.headers


def test_it_listens_on_this_machine_only_unless_told(server):
    host = server.url.split("//")[1].split(":")[0]
    assert host == "127.0.0.1"


def test_an_api_key_guards_predict_and_model_and_cors_opens_to_the_named_origin(guarded_server):
    srv, _ = guarded_server
    for path, method in (("/predict", "post"), ("/model", "get")):
        kwargs = {"json": {"text": CALL}} if method == "post" else {}
        response = getattr(httpx, method)(f"{srv.url}{path}", timeout=60, **kwargs)
        assert response.status_code == 401 and "X-API-Key" in response.json()["error"]
        wrong = getattr(httpx, method)(f"{srv.url}{path}", headers={"X-API-Key": "guess"}, timeout=60, **kwargs)
        assert wrong.status_code == 401
        for headers in ({"X-API-Key": "s3cret"}, {"Authorization": "Bearer s3cret"}):
            assert getattr(httpx, method)(f"{srv.url}{path}", headers=headers, timeout=120, **kwargs).status_code == 200
    assert health(srv.url)["api_key_required"] is True
    assert httpx.get(f"{srv.url}/", timeout=30).status_code == 200
    preflight = httpx.options(f"{srv.url}/predict", timeout=30, headers={
        "Origin": "http://newsroom.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-api-key"})
    assert preflight.headers.get("access-control-allow-origin") == "http://newsroom.example"
    other = httpx.options(f"{srv.url}/predict", timeout=30, headers={
        "Origin": "http://elsewhere.example", "Access-Control-Request-Method": "POST"})
    assert other.headers.get("access-control-allow-origin") is None


def test_the_models_held_out_scores_are_served_where_evaluate_wrote_them(guarded_server):
    srv, model = guarded_server
    info = httpx.get(f"{srv.url}/model", headers={"X-API-Key": "s3cret"}, timeout=30).json()
    written = json.loads((model / "evaluation.json").read_text())
    served = info["held_out_scores"]["evaluation.json"]["held-out documents"]
    assert served["entities"]["f1"] == written["entities"]["micro"]["f1"]
    assert set(served) >= {"entities", "triggers", "arguments_gold_triggers", "arguments_end_to_end"}


def test_a_full_queue_is_503_with_retry_after_and_the_waiting_are_still_served(guarded_server):
    srv, _ = guarded_server
    key = {"X-API-Key": "s3cret"}
    answers = {}

    def post(name, text):
        answers[name] = httpx.post(f"{srv.url}/predict", json={"text": text}, headers=key, timeout=300)

    long_text = ARTICLE * 8
    first = threading.Thread(target=post, args=("first", long_text))
    first.start()
    deadline = time.monotonic() + 60
    while health(srv.url)["running"] == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    second = threading.Thread(target=post, args=("second", CALL))
    second.start()
    while health(srv.url)["queued"] == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    state = health(srv.url)
    assert state["running"] == 1 and state["queued"] == 1, f"the first request finished too soon to fill the queue: {state}"
    third = httpx.post(f"{srv.url}/predict", json={"text": CALL}, headers=key, timeout=60)
    assert third.status_code == 503 and "retry" in third.json()["error"]
    assert int(third.headers["retry-after"]) >= 1
    first.join(300)
    second.join(300)
    assert answers["first"].status_code == answers["second"].status_code == 200
    assert health(srv.url)["rejected"] == 1


def test_the_load_benchmark_runs_every_level_and_prints_its_targets(tiny_model, tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, "-m", "arabic_news_tagger.cli", "bench-serve", "--model", str(tiny_model),
                           "--levels", "1,16", "--duration", "2", "--warmup", "0.5", "--reference-seconds", "1",
                           "--report-json", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "ratio 16 clients vs 1 client:" in proc.stdout and "ratio 16 clients vs predict() 16 per call:" in proc.stdout
    result = json.loads(out.read_text())
    assert [level["clients"] for level in result["levels"]] == [1, 16]
    for level in result["levels"]:
        assert level["failed"] == 0 and level["documents"] > 0 and level["words_per_s"] > 0
        assert level["p50_ms"] <= level["p95_ms"] <= level["p99_ms"]
    assert result["levels"][1]["requests_per_batch"] > 1, "16 clients never shared a predict() call"
    assert result["reference"]["words_per_s"] > 0


# --- a person at the page ---------------------------------------------------------------------------


def _chromium() -> str:
    """The system's Chromium for Playwright, or a skip naming what is missing (a failure under CI=true)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    missing = []
    if not chromium:
        missing.append("chromium is not installed (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package is not installed (pip install -e '.[dev]')")
    if missing:
        message = "; ".join(missing) + ": skipping the page's browser test"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; under CI=true it must run", pytrace=False)
        pytest.skip(message)
    return chromium


def test_a_person_pastes_an_article_and_sees_what_predict_finds(server, expected, tmp_path):
    chromium = _chromium()
    from playwright.sync_api import sync_playwright

    article = ARTICLE[:1500]
    want = expected(article)
    assert want["entities"] and want["events"], "the article should give the page something to show"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900}, accept_downloads=True)
            problems = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
            outside = []
            page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((server.url, "data:", "about:", "blob:")) else None)
            page.goto(server.url + "/")
            assert page.get_attribute("html", "dir") == "rtl"
            page.fill("#text", article)
            page.click("#submit")
            page.wait_for_selector("body[data-state=done]", timeout=120_000)
            view = page.frame_locator("#view")
            # The same view as `predict --html`: one <mark> per entity (cut into pieces where it
            # crosses an event's span, the pieces sharing one data-span).
            pieces = view.locator("mark.ent").evaluate_all(
                "els => els.map(e => [e.dataset.span, e.dataset.type, e.textContent])")
            entities: dict[str, list] = {}
            for span_id, kind, text in pieces:
                entities.setdefault(span_id, [kind, ""])[1] += text
            assert [tuple(v) for v in entities.values()] == [(e["type"], e["text"]) for e in want["entities"]]
            triggers = view.locator("span.trigger[id]").evaluate_all("els => els.map(e => e.dataset.type)")
            assert triggers == [ev["type"] for ev in want["events"]]
            rows = view.locator("table.events tbody tr").evaluate_all(
                "rows => rows.map(r => [r.querySelector('.etype').textContent, "
                "[...r.querySelectorAll('li')].map(li => [li.dataset.role, li.querySelector('.argtext').textContent])])")
            assert rows == [[ev["type"], [[a["role"], a["text"]] for a in ev["arguments"]]] for ev in want["events"]]
            with page.expect_download() as download:
                page.click("#download")
            saved = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
            assert saved["text"] == article
            same_result({k: v for k, v in saved.items() if k != "text"}, want)
            page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
            assert not problems, problems
            assert not outside, f"the page asked for something this server does not serve: {outside}"
        finally:
            browser.close()
