"""`arabic-news-tagger bench`: the report a user reads, ending in the ratio lines the issues fix.

No figure is checked here (speed is the benchmark's to print, not a test's to time); what is checked
is that every variant ran in its own process, scored the held-out document, and that the report's
shape is the promised one."""

from __future__ import annotations

import re
import shutil

import pytest

pytestmark = pytest.mark.slow  # builds or trains models

pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def small_corpus(repo_root, tmp_path_factory):
    """The held-out document alone (and the schema): a bench that runs in seconds."""
    out = tmp_path_factory.mktemp("bench-corpus")
    for f in [*repo_root.glob("data/004_*"), repo_root / "data" / "annotation.conf"]:
        shutil.copy(f, out / f.name)
    return out


@pytest.fixture(scope="module")
def model_copy(tiny_model, tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "model"
    shutil.copytree(tiny_model, out, ignore=shutil.ignore_patterns("checkpoints"))
    return out


def test_the_bench_reports_every_variant_and_ends_with_the_ratios(model_copy, small_corpus):
    from arabic_news_tagger.evaluate.bench import VARIANTS, run_bench

    printed = []
    result = run_bench(model_copy, repeats=1, corpus_dir=small_corpus, log=printed.append)
    text = printed[0]
    lines = text.strip().splitlines()
    assert re.fullmatch(r"ratio entities\+triggers: \d+\.\d\dx", lines[-5])
    assert re.fullmatch(r"ratio full: \d+\.\d\dx", lines[-4])
    assert re.fullmatch(r"ratio int8: \d+\.\d\dx", lines[-3])
    assert re.fullmatch(r"ratio full vs pipeline16: \d+\.\d\dx", lines[-2])
    assert re.fullmatch(r"ratio int8-full vs pipeline16: \d+\.\d\dx", lines[-1])

    variants = result["variants"]
    assert list(variants) == list(VARIANTS)
    for name, r in variants.items():
        assert f"| {name} |" in text
        assert r["words_per_second"] > 0 and r["peak_mb"] > 50  # a real process that loaded a model
        assert r["held_out"] == ["004_d8de9215c69d2de7"]
        if name != "bare":
            assert r["entity_f1"] is not None and 0.0 <= r["entity_f1"] <= 1.0
    # int8 is checked against fp32 on the same work, and the memory check streamed both files.
    assert re.search(r"^int8 entity F1 [\d.]+ against fp32 \(entities\+triggers\)", text, re.M)
    stream = result["stream"]
    assert stream["documents"] == 1 and stream["copies"] == 20 and stream["many_mb"] > 0
    ratio = variants["int8"]["words_per_second"] / variants["pipeline"]["words_per_second"]
    assert lines[-3] == f"ratio int8: {ratio:.2f}x"
    ratio = variants["int8-full"]["words_per_second"] / variants["pipeline16"]["words_per_second"]
    assert lines[-1] == f"ratio int8-full vs pipeline16: {ratio:.2f}x"
    assert re.search(r"^full: [\d.]+% of entities\+triggers", text, re.M)


def test_the_bench_names_a_wrong_variant():
    from arabic_news_tagger.evaluate.bench import run_variant

    with pytest.raises(ValueError, match="--variant: 'fast' is not one of"):
        run_variant("fast", "unused", "unused")


def test_the_bench_times_predict_at_its_default_batch_size():
    from arabic_news_tagger.evaluate.bench import BATCH_SIZE
    from arabic_news_tagger.model.predict import DEFAULT_BATCH_SIZE

    assert BATCH_SIZE == DEFAULT_BATCH_SIZE
