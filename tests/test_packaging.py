"""One import namespace: nothing of ours shadows Hugging Face's `evaluate` or claims `model`."""

import subprocess
import sys


def test_no_bare_top_level_stage_modules(tmp_path):
    code = ("import importlib.util as u, json; "
            "print(json.dumps({n: (u.find_spec(n).origin if u.find_spec(n) else None) for n in ('model','data','train','evaluate')}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    import json

    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    found = json.loads(out)
    for name, origin in found.items():
        # None, or a module that is not ours (Hugging Face's evaluate, say): never a folder of this
        # repository, wherever it is checked out.
        # (A virtual environment inside the checkout installs into site-packages: not a stage folder.)
        path = Path(origin).resolve() if origin else None
        assert path is None or "site-packages" in path.parts or not path.is_relative_to(repo), (name, origin)


def test_the_stages_import_under_the_namespace():
    import arabic_news_tagger.data
    import arabic_news_tagger.evaluate
    import arabic_news_tagger.model
    import arabic_news_tagger.train  # noqa: F401
