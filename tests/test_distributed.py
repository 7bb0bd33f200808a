"""Two processes, as `torchrun --nproc_per_node 2` starts them on a CPU (gloo): training and archive tagging.

A user with two GPUs (or two machines) runs the same commands under `accelerate launch`; here the
processes share the CPU, which is enough to prove the sharding, the collectives and the writes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds or trains models

ROOT = Path(__file__).resolve().parents[1]


def _config(tmp_path: Path, name: str, batch_size: int, accumulation: int = 1) -> Path:
    """tiny, six epochs, small batches (enough steps for the held-out scores to mean something)."""
    text = (ROOT / "configs" / "tiny.toml").read_text(encoding="utf-8")
    text = text.replace('corpus_dir = "data"', f'corpus_dir = "{ROOT / "data"}"')
    # Two held-out articles (about 200 entities, 60 triggers): one alone moves by several points on a
    # handful of triggers whatever the number of processes.
    text = text.replace('held_out_documents = ["004"]', 'held_out_documents = ["003", "004"]')
    text = text.replace("epochs = 40", "epochs = 6").replace("batch_size = 8", f"batch_size = {batch_size}")
    text = text.replace("[training]", f"[training]\ngradient_accumulation_steps = {accumulation}")
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(args: list[str], processes: int, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "ACCELERATE_USE_CPU": "1", "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    if processes > 1:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(processes), "--standalone",
               "-m", "arabic_news_tagger.cli", *args]
    else:
        cmd = [sys.executable, "-m", "arabic_news_tagger.cli", *args]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _held_out_scores(model_dir: Path) -> dict:
    from arabic_news_tagger.evaluate.runner import held_out_sequences
    from arabic_news_tagger.evaluate.scoring import score_all

    scores = score_all(held_out_sequences(model_dir, ROOT / "data"))
    return {layer: scores[layer]["micro"]["f1"] for layer in ("entities", "triggers", "arguments_gold_triggers")}


@pytest.mark.slow
def test_two_processes_train_like_one_with_the_same_effective_batch(tmp_path):
    # Two processes of batch 2 against one process of batch 2 with 2 accumulation steps: both take
    # optimiser steps on 4 windows.
    two = tmp_path / "two"
    _run(["train", "--config", str(_config(tmp_path, "two", 2)), "--output-dir", str(two)], processes=2)
    one = tmp_path / "one"
    _run(["train", "--config", str(_config(tmp_path, "one", 2, accumulation=2)), "--output-dir", str(one)], processes=1)

    metrics = json.loads((two / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["processes"] == 2
    first, second = metrics["batches_per_process"]
    assert first == second > 0, "both processes ran the same number of steps"
    assert metrics["optimizer_steps"] == json.loads((one / "metrics.json").read_text(encoding="utf-8"))["optimizer_steps"]

    import arabic_news_tagger  # noqa: F401  (registers the tagger with AutoModel)
    from transformers import AutoModel

    from arabic_news_tagger import EventTaggerModel, predict

    assert isinstance(AutoModel.from_pretrained(two), EventTaggerModel)
    text = "أجرى الرئيس الروسي فلاديمير بوتين محادثة هاتفية مع الرئيس الأميركي دونالد ترامب"
    result = predict(text, model=two)
    assert all(text[e["start"]:e["end"]] == e["text"] for e in result["entities"])

    scores_two, scores_one = _held_out_scores(two), _held_out_scores(one)
    print("held-out micro F1, two processes:", scores_two, "one:", scores_one)
    assert scores_one["entities"] > 0.05, f"one process learnt nothing in six epochs ({scores_one}): the comparison would be empty"
    for layer in scores_one:
        assert abs(scores_two[layer] - scores_one[layer]) <= 0.05, f"{layer}: two processes {scores_two} vs one {scores_one}"


def _archive(tmp_path: Path, n: int = 23) -> Path:
    from arabic_news_tagger.data.corpus import read_corpus
    from arabic_news_tagger.data.segment import sentences

    documents, _ = read_corpus(ROOT / "data")
    texts = [d.text[s:e] for d in documents for s, e in sentences(d.text)][:n - 2] + ["", "not Arabic at all"]
    path = tmp_path / "archive.jsonl"
    path.write_text("".join(json.dumps({"id": f"doc-{i}", "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts)),
                    encoding="utf-8")
    return path


@pytest.mark.slow
def test_two_processes_tag_an_archive_exactly_as_one(tiny_model, tmp_path):
    archive = _archive(tmp_path)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    common = ["predict", "--model", str(tiny_model), "--input", str(archive), "--shard-size", "4"]
    _run([*common, "--output", str(one)], processes=1)
    _run([*common, "--output", str(two)], processes=2)
    assert one.read_bytes() == two.read_bytes()
    rows = [json.loads(line) for line in one.read_text(encoding="utf-8").splitlines()]
    assert [r["document"] for r in rows] == [f"doc-{i}" for i in range(23)], "one line per document, in input order"
    assert rows[-2]["entities"] == [] and rows[-1]["entities"] == []
    assert not (tmp_path / "two.jsonl.shards").exists(), "the shards are removed once merged"


def test_a_killed_archive_run_resumes_and_ends_identical(tiny_model, tmp_path):
    from arabic_news_tagger.model.archive import tag_archive

    archive = _archive(tmp_path, n=11)
    straight, resumed = tmp_path / "straight.jsonl", tmp_path / "resumed.jsonl"
    quiet = lambda *a: None  # noqa: E731
    tag_archive(archive, straight, tiny_model, shard_size=3, log=quiet)
    with pytest.raises(SystemExit, match="stopped after 2"):
        tag_archive(archive, resumed, tiny_model, shard_size=3, stop_after_shards=2, log=quiet)
    shards = tmp_path / "resumed.jsonl.shards"
    assert not resumed.exists() and len(list(shards.glob("shard-*.jsonl"))) == 2
    (shards / ".shard-000002.jsonl.x.tmp").write_text("half a shard", encoding="utf-8")  # a write cut off by the kill
    messages = []
    tag_archive(archive, resumed, tiny_model, shard_size=3, log=messages.append)
    assert any("2 of 4 shards already done" in m for m in messages)
    assert resumed.read_bytes() == straight.read_bytes()


def test_shards_of_another_archive_are_not_mixed_in(tiny_model, tmp_path):
    from arabic_news_tagger.model.archive import tag_archive

    archive = _archive(tmp_path, n=5)
    out = tmp_path / "out.jsonl"
    with pytest.raises(SystemExit):
        tag_archive(archive, out, tiny_model, shard_size=2, stop_after_shards=1, log=lambda *a: None)
    with pytest.raises(ValueError, match="another archive, model or options"):
        tag_archive(archive, out, tiny_model, shard_size=3, log=lambda *a: None)


def test_archive_kinds_and_their_errors(tmp_path):
    from arabic_news_tagger.model.archive import read_archive

    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "b.txt").write_text("نص ثان", encoding="utf-8")
    (folder / "a.txt").write_text("نص أول", encoding="utf-8")
    assert read_archive(folder) == [("a.txt", "نص أول"), ("b.txt", "نص ثان")]

    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"text": ["واحد", "اثنان"]}), tmp_path / "docs.parquet")
    assert read_archive(tmp_path / "docs.parquet") == [("docs.parquet:0", "واحد"), ("docs.parquet:1", "اثنان")]

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"body": "no text field"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.jsonl:2: expected an object with a string \"text\" field"):
        read_archive(bad)
    with pytest.raises(FileNotFoundError, match="no such archive"):
        read_archive(tmp_path / "missing.jsonl")
