"""Atomic file and directory writes (a killed process leaves the old file or none, never half), the
one cache directory the package writes to, and the one progress bar it shows."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path


#: Environment variable that overrides the cache root.
CACHE_ENV_VAR = "ARABIC_NEWS_TAGGER_CACHE"


def cache_root() -> Path:
    """``$ARABIC_NEWS_TAGGER_CACHE``, or ``~/.cache/arabic_news_tagger``: built backbones, int8 graphs of
    read-only models, and the default model of ``predict()`` live under it."""
    return Path(os.environ.get(CACHE_ENV_VAR) or "~/.cache/arabic_news_tagger").expanduser()


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would make shared outputs unreadable
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_output(path: str | Path):
    """Yield a temporary sibling path to write ``path`` in pieces (a stream too large to hold);
    on success it replaces ``path`` in one rename, on any error it is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        yield Path(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_directory(path: str | Path):
    """Yield a temporary sibling directory; on success it replaces ``path`` in one rename.

    The previous directory (if any) stays readable until the new one is complete.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp's 0700 would hide the directory from other users
        yield tmp
        old = None
        if path.exists():
            old = path.with_name(f".{path.name}.old-{os.getpid()}")
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def progress(items, min_items: int = 0, **kwargs):
    """A tqdm bar for people at a terminal; nothing in logs, pipes, CI, and jobs under ``min_items``."""
    import sys

    from tqdm.auto import tqdm

    short = min_items and hasattr(items, "__len__") and len(items) < min_items
    return tqdm(items, disable=bool(short) or not sys.stderr.isatty(), **kwargs)
