"""The evaluation stage, installed as ``arabic_news_tagger.evaluate``."""

# Python run from the repository root has the root on sys.path first, and so also finds this folder
# as a bare ``evaluate``, which would hide Hugging Face's ``evaluate``. Imported under that name, the
# import is handed over to the package of that name further along sys.path.
if __name__ == "evaluate":
    import importlib.machinery
    import importlib.util
    import os
    import sys

    _root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    _spec = importlib.machinery.PathFinder.find_spec(
        __name__, [p for p in sys.path if os.path.abspath(p or os.curdir) != _root])
    if _spec is None:
        raise ModuleNotFoundError(
            f"No module named 'evaluate' (Hugging Face's: pip install evaluate); {os.path.dirname(__file__)} is "
            "this project's evaluation stage, imported as arabic_news_tagger.evaluate", name=__name__)
    _module = importlib.util.module_from_spec(_spec)
    sys.modules[__name__] = _module
    _spec.loader.exec_module(_module)
