"""A user who installs the wheel, not the checkout: predict(), evaluate and validate work from anywhere."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import CORPORA, ROOT

TEXT = "أجرى الرئيس الروسي فلاديمير بوتين محادثة هاتفية مع دونالد ترامب في موسكو."


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh virtual environment outside the checkout holding the built wheel (its dependencies
    are those of the test's own environment, reached through a .pth file, not installed again)."""
    where = tmp_path_factory.mktemp("wheel")
    # Built from a copy: an in-tree build would leave build/ in the checkout, whose stale files a later
    # build could package.
    source = where / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv*", "runs", ".cache", "build", "*.egg-info",
                                                                "__pycache__", "data", "tests"))
    shutil.copytree(ROOT / "data", source / "data", ignore=shutil.ignore_patterns("raw", "anercorp", "__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(where / "dist"), str(source)], check=True, capture_output=True)
    (wheel,) = (where / "dist").glob("arabic_news_tagger-*.whl")
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True,
                   capture_output=True)
    return venv


def run(venv: Path, args: list[str], cwd: Path, **env):
    environment = {k: v for k, v in os.environ.items() if k != "ARABIC_NEWS_TAGGER_CORPORA"}
    environment.update(HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", **env)
    return subprocess.run([str(venv / "bin" / args[0]), *args[1:]], cwd=cwd, env=environment, capture_output=True,
                          text=True, timeout=900)


def test_the_installed_package_is_the_wheel_not_the_checkout(installed, tmp_path):
    out = run(installed, ["python", "-c", "import arabic_news_tagger.data as d; print(d.__file__)"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert "site-packages" in out.stdout and not Path(out.stdout.strip()).is_relative_to(ROOT)


def test_predict_from_the_wheel_gives_what_the_checkout_gives(installed, tiny_model, tmp_path):
    from arabic_news_tagger import predict

    code = f"import json; from arabic_news_tagger import predict; print(json.dumps(predict({TEXT!r}, model={str(tiny_model)!r})))"
    out = run(installed, ["python", "-c", code], tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == json.loads(json.dumps(predict(TEXT, model=tiny_model)))


def test_validate_and_evaluate_from_the_wheel_with_the_corpus_and_the_corpora_named(installed, tiny_model, tmp_path):
    out = run(installed, ["arabic-news-tagger", "validate", str(ROOT / "data")], tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    report = tmp_path / "evaluation.json"
    out = run(installed, ["arabic-news-tagger", "evaluate", "--model", str(tiny_model), "--corpus-dir", str(ROOT / "data"),
                          "--corpora-dir", str(CORPORA), "--report-json", str(report)], tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    scores = json.loads(report.read_text(encoding="utf-8"))
    assert scores["entities"]["micro"]["f1"] > 0
    if CORPORA.is_dir():
        assert "wojood:val" in scores["other_sources"]


def test_a_corpus_that_is_not_found_names_every_way_to_give_it(installed, tiny_model, tmp_path):
    # A model records its corpus as the configuration named it: a path relative to where it trained.
    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    config["training_config"]["data"]["corpus_dir"] = "data"
    (model / "config.json").write_text(json.dumps(config), encoding="utf-8")
    out = run(installed, ["arabic-news-tagger", "evaluate", "--model", str(model)], tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "data: no such" in out.stderr and "--corpus-dir DIR" in out.stderr

    code = "from arabic_news_tagger.data.conll import read_conll, corpus_file; read_conll(corpus_file('wojood', 'val'), 'wojood')"
    out = run(installed, ["python", "-c", code], tmp_path)
    assert out.returncode != 0
    for way in ("--corpora-dir DIR", "$ARABIC_NEWS_TAGGER_CORPORA", "../shared/corpora from the working directory"):
        assert way in out.stderr
