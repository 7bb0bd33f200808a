"""Shared fixtures (the repository's paths, one tiny model trained once per test session) and the
two markers: ``slow`` (trains or builds a model: ``pytest -m "not slow"`` is the quick loop) and
``shared`` (reads ../shared/corpora: skipped where it is absent, a failure under ``CI=true``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"
#: Fixtures that train a model: a test that uses one is slow.
TRAINING_FIXTURES = {"tiny_model"}


def require_corpora() -> Path:
    """../shared/corpora, or a skip naming it (a failure under CI=true, where it must be present)."""
    if not CORPORA.is_dir():
        message = f"../shared/corpora is not beside the repository (looked for {CORPORA})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; under CI=true the shared corpora must be present", pytrace=False)
        pytest.skip(message)
    return CORPORA


def pytest_collection_modifyitems(config, items):
    for item in items:
        if TRAINING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def pytest_runtest_setup(item):
    if item.get_closest_marker("shared") is not None:
        require_corpora()

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# The suite finds the public corpora wherever pytest is started from (their default is the working directory).
os.environ.setdefault("ARABIC_NEWS_TAGGER_CORPORA", str(CORPORA))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def tiny_config():
    from arabic_news_tagger.train.config import load_config

    config = load_config(ROOT / "configs" / "tiny.toml")
    config.data.corpus_dir = str(ROOT / "data")
    return config


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, tiny_config) -> Path:
    """configs/tiny.toml trained on the gold corpus (document 004 held out), once per session."""
    from arabic_news_tagger.train.trainer import train

    out = tmp_path_factory.mktemp("tiny") / "model"
    train(tiny_config, out, log=lambda *a: None)
    return out
