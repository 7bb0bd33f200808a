"""Any text gets results; a killed training run loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arabic_news_tagger.data.document import Document
from arabic_news_tagger.model.predict import Predictor

PIECES = [
    "بوتين", "وترامب", "الرئيس الروسي", "محادثة هاتفية", "اتفقا", "موسكو", "أَجْرَى", "بوتيـــن", "١٩",
    "ﻻ", "Trump", "NHL", "2025", "76.68%", "👍🏽", "🇷🇺", "👩\u200d💻", "\u200f", "\u200d", "\u202b", "\u2066",
    "\u064b", "ـ", ".", "،", "؟", "!", "«", "»", "(", ")", "/", "\n", " ", "   ", "\t", "ا" * 300,
]
TEXT = st.lists(st.sampled_from(PIECES), max_size=30).map(" ".join) | st.text(max_size=60)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(TEXT, min_size=1, max_size=4))
def test_predict_never_fails_and_every_span_fits_the_text(tiny_model, texts):
    tagger = _tagger(tiny_model)
    for text, doc in zip(texts, tagger.predict_documents(texts, batch_size=3)):
        segmented = Document("", text)
        ents = sorted(doc.entities, key=lambda s: s.start)
        for a, b in zip(ents, ents[1:]):
            assert a.end <= b.start
        for span in ents + [ev.trigger for ev in doc.events] + [a for ev in doc.events for a in ev.arguments]:
            assert 0 <= span.start < span.end <= len(text) and text[span.start:span.end] == span.text
        for ev in doc.events:
            home = segmented.sentence_holding(ev.trigger.start, ev.trigger.end)
            assert home is not None
            assert all(segmented.sentence_holding(a.start, a.end) is home for a in ev.arguments)


_PREDICTORS: dict = {}


def _tagger(path):
    if path not in _PREDICTORS:
        _PREDICTORS[path] = Predictor(path)
    return _PREDICTORS[path]


@pytest.mark.slow
def test_a_killed_training_run_resumes_from_its_last_checkpoint(tmp_path, repo_root):
    config = tmp_path / "short.toml"
    config.write_text((repo_root / "configs" / "tiny.toml").read_text(encoding="utf-8")
                      .replace("epochs = 40", "epochs = 6").replace("checkpoint_every_epochs = 10", "checkpoint_every_epochs = 1")
                      .replace('corpus_dir = "data"', f'corpus_dir = "{repo_root / "data"}"'), encoding="utf-8")
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "arabic_news_tagger.cli", "train", "--config", str(config), "--output-dir", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and not (out / "checkpoints" / "epoch-2").is_dir():
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # as a power cut would, possibly in the middle of a save
    proc.wait()
    assert not (out / "config.json").exists()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert "resuming from" in done.stdout
    assert (out / "config.json").is_file()
    assert not [p for p in (out / "checkpoints").iterdir() if p.name.startswith(".")]  # cut-off saves cleaned up
    Predictor(out)  # the final model loads
