"""Tagging an archive: many documents, one or several processes, resumable.

    arabic-news-tagger predict --model DIR --input ARCHIVE --output OUT.jsonl
    torchrun --nproc_per_node 2 -m arabic_news_tagger.cli predict --model DIR --input ARCHIVE --output OUT.jsonl

``ARCHIVE`` is a folder of ``*.txt`` files (one document each, in name order), a JSON Lines file (one
object per line with a ``"text"`` field and an optional ``"id"`` and ``"date"``), or a Parquet file (a
``text`` column and optional ``id`` and ``date`` columns). A document's ``date`` (``YYYY-MM-DD``) is
its publication date, against which the relative times of its spans' values are read
(docs/values.md); ``--document-date`` gives one for the documents without. The documents are cut into shards of ``shard_size`` in input
order; under ``torchrun`` / ``accelerate launch`` each process takes its share of the shards
(``split_between_processes``). Each shard is written whole (a temporary file, then a rename) to
``OUT.jsonl.shards/``; a shard already there is skipped, so a run that was killed resumes where it
stopped and nothing is tagged twice. When all shards exist, the main process joins them, in input
order, into ``OUT.jsonl`` (again whole or not at all) and removes the shard folder.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

from arabic_news_tagger.io import atomic_write_text

from .values import add_values, parse_document_date

DEFAULT_SHARD_SIZE = 64
MANIFEST = "manifest.json"


def read_archive(path: str | Path, with_dates: bool = False) -> list[tuple]:
    """``(id, text)`` of every document of a folder of .txt files, a .jsonl or a .parquet file;
    ``with_dates``: ``(id, text, date or None)``, a bad date naming the file and line (or row)."""
    docs = _read_archive(Path(path))
    return docs if with_dates else [(doc_id, text) for doc_id, text, _ in docs]


def _read_archive(path: Path) -> list[tuple]:
    if path.is_dir():
        files = sorted(path.glob("*.txt"))
        if not files:
            raise ValueError(f"{path}: a folder archive must hold *.txt files (one document each); none found")
        docs = []
        for f in files:
            try:
                docs.append((f.name, f.read_text(encoding="utf-8"), None))
            except UnicodeDecodeError as e:
                raise ValueError(f"{f}: not UTF-8 ({e.reason} at byte {e.start})") from None
        return docs
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such archive (a folder of .txt files, a .jsonl or a .parquet file)")
    if path.suffix == ".jsonl":
        docs = []
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}:{n}: not JSON ({e.msg})") from None
                if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                    raise ValueError(f"{path}:{n}: expected an object with a string \"text\" field")
                date = parse_document_date(row.get("date"), f'{path}:{n}: "date"')
                docs.append((str(row.get("id", f"{path.name}:{n}")), row["text"], date))
        return docs
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        if "text" not in table.column_names:
            raise ValueError(f"{path}: no 'text' column (columns: {', '.join(table.column_names)})")
        texts = table.column("text").to_pylist()
        ids = table.column("id").to_pylist() if "id" in table.column_names else [f"{path.name}:{i}" for i in range(len(texts))]
        bad = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
        if bad is not None:
            raise ValueError(f"{path}: row {bad}: 'text' is {type(texts[bad]).__name__}, not a string")
        dates = table.column("date").to_pylist() if "date" in table.column_names else [None] * len(texts)
        dates = [parse_document_date(d, f'{path}: row {i}: "date"') for i, d in enumerate(dates)]
        return [(str(i), t, d) for i, t, d in zip(ids, texts, dates)]
    raise ValueError(f"{path}: unknown archive kind (a folder of .txt files, a .jsonl or a .parquet file)")


def _fingerprint(docs: list[tuple[str, str]], model: str, shard_size: int, options: dict) -> str:
    h = hashlib.sha256(json.dumps([model, shard_size, options], sort_keys=True).encode())
    for doc_id, text in docs:
        h.update(doc_id.encode() + b"\0" + hashlib.sha256(text.encode()).digest())
    return h.hexdigest()


def tag_archive(archive: str | Path, output: str | Path, model: str | Path, *, shard_size: int = DEFAULT_SHARD_SIZE,
                batch_size: int = 16, int8: bool = False, arguments: bool = True, stop_after_shards: int | None = None,
                log: Callable[[str], None] = print, decoding: str = "viterbi", document_date=None,
                argument_min_score: float | None = None) -> Path | None:
    """Tag every document of ``archive`` into ``output`` (JSON Lines, input order); see the module doc.
    ``document_date``: the date of the documents whose row gives none; ``argument_min_score``: as
    ``predict()``'s.

    Returns ``output`` on the main process once it is complete. ``stop_after_shards`` ends this process
    after writing that many shards, as a kill would (tests).
    """
    import torch
    from accelerate import PartialState

    from .predict import check_argument_min_score, load_predictor

    # Without cpu=True, processes started by torchrun on a machine without a GPU would each think they
    # are alone (and all write everything).
    state = PartialState(cpu=int8 or not torch.cuda.is_available())
    output = Path(output)
    shard_dir = output.with_name(output.name + ".shards")
    default_date = parse_document_date(document_date)
    dated = [(doc_id, text, date or default_date) for doc_id, text, date in read_archive(archive, with_dates=True)]
    docs = [(doc_id, text) for doc_id, text, _ in dated]
    dates = [date.isoformat() if date else None for _, _, date in dated]
    options = {"int8": int8, "arguments": arguments, "dates": dates}
    if argument_min_score is not None:  # only where given, so archives begun before the option still resume
        options["argument_min_score"] = check_argument_min_score(argument_min_score, "argument_min_score")
    fingerprint = _fingerprint(docs, str(model), shard_size, options)
    if state.is_main_process:
        shard_dir.mkdir(parents=True, exist_ok=True)
        manifest = shard_dir / MANIFEST
        if manifest.is_file():
            recorded = json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint")
            if recorded != fingerprint:
                raise ValueError(f"{shard_dir}: holds shards of another archive, model or options; remove it to start over")
        else:
            atomic_write_text(manifest, json.dumps({"fingerprint": fingerprint, "documents": len(docs), "shard_size": shard_size}))
    state.wait_for_everyone()

    n_shards = (len(docs) + shard_size - 1) // shard_size
    names = [shard_dir / f"shard-{i:06d}.jsonl" for i in range(n_shards)]
    todo = [i for i in range(n_shards) if not names[i].is_file()]
    state.wait_for_everyone()  # every process has listed the same shards before any writes one
    if len(todo) < n_shards:
        log(f"resuming: {n_shards - len(todo)} of {n_shards} shards already done")
    predictor = load_predictor(model, "cpu" if int8 else str(state.device), int8=int8) if todo else None
    written = 0
    with state.split_between_processes(todo) as mine:
        for i in mine:
            part = docs[i * shard_size:(i + 1) * shard_size]
            results = predictor.predict_documents([t for _, t in part], batch_size=batch_size, arguments=arguments,
                                                  decoding=decoding, argument_min_score=argument_min_score)
            part_dates = dates[i * shard_size:(i + 1) * shard_size]
            lines = [json.dumps({"document": doc_id, **add_values({k: v for k, v in r.to_dict().items() if k != "id"},
                                                                  date, text=text)}, ensure_ascii=False)
                     for (doc_id, text), r, date in zip(part, results, part_dates)]
            atomic_write_text(names[i], "".join(line + "\n" for line in lines))
            written += 1
            if stop_after_shards is not None and written >= stop_after_shards:
                raise SystemExit(f"stopped after {written} shard(s) (run the same command again to resume)")
    state.wait_for_everyone()
    if not state.is_main_process:
        return None
    missing = [n.name for n in names if not n.is_file()]
    if missing:
        raise RuntimeError(f"{shard_dir}: shards {missing[:3]} are missing after every process finished")
    tmp = output.with_name(f".{output.name}.partial")
    with open(tmp, "wb") as out:
        for name in names:
            with open(name, "rb") as f:
                shutil.copyfileobj(f, out)
    tmp.replace(output)
    shutil.rmtree(shard_dir, ignore_errors=True)
    log(f"{len(docs)} documents in {n_shards} shards -> {output}")
    return output
