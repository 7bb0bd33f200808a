"""The project's evaluate/ folder never hides Hugging Face's ``evaluate``, even for a user whose
script runs from the repository root (where that folder is on sys.path as a bare ``evaluate``)."""

from __future__ import annotations

import os
import subprocess
import sys


def _run_from_root(repo_root, code: str, extra_path=None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(extra_path) if extra_path else ""
    return subprocess.run([sys.executable, "-c", code], cwd=repo_root, env=env, capture_output=True, text=True, timeout=120)


def test_import_evaluate_from_the_repository_root_gives_hugging_faces_package(repo_root, tmp_path):
    # A stand-in for Hugging Face's evaluate, installed further along sys.path than the repository root.
    (tmp_path / "evaluate").mkdir()
    (tmp_path / "evaluate" / "__init__.py").write_text("def load(name):\n    return 'hf:' + name\n", encoding="utf-8")
    done = _run_from_root(repo_root, "import sys, evaluate; print(evaluate.load('seqeval'), evaluate.__file__); "
                                     "import arabic_news_tagger.evaluate.scoring as s; print(s.__name__)", tmp_path)
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert first.startswith("hf:seqeval ") and str(tmp_path) in first
    assert second == "arabic_news_tagger.evaluate.scoring"


def test_without_hugging_faces_evaluate_the_import_fails_as_a_missing_module(repo_root):
    done = _run_from_root(repo_root, "try:\n    import evaluate\nexcept ModuleNotFoundError as e:\n    print('missing', e.name)\n")
    if "missing" not in done.stdout:  # Hugging Face's evaluate is installed here: then it must be the one found
        done = _run_from_root(repo_root, "import evaluate; print(evaluate.__file__)")
        assert done.returncode == 0 and "site-packages" in done.stdout, done.stderr
        return
    assert done.stdout.strip() == "missing evaluate"
