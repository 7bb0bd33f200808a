"""Read a validated brat corpus directory into documents."""

from __future__ import annotations

from pathlib import Path

from .brat import AnnotationError, corpus_files, parse_ann, to_document
from .document import Document
from .schema import Schema, load_schema
from .validate import validate_file


def read_corpus(directory: str | Path, schema: Schema | None = None) -> tuple[list[Document], Schema]:
    """The documents of a brat directory, in file-name order; refuses a corpus with any problem."""
    schema = schema or load_schema(directory)
    documents, problems = [], []
    for txt in corpus_files(directory):
        ann = parse_ann(txt)
        problems.extend(validate_file(ann, schema))
        documents.append(to_document(ann, schema))
    if problems:
        shown = "\n".join(str(p) for p in problems[:50])
        more = f"\n... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise AnnotationError(f"{directory}: {len(problems)} annotation problem(s); run `arabic-news-tagger validate {directory}`:\n{shown}{more}")
    if not documents:
        raise AnnotationError(f"{directory}: no .txt documents in this directory")
    return documents, schema


def read_corpora(directories, schema: Schema | None = None) -> tuple[list[Document], Schema]:
    """The documents of several brat directories under one schema (the first directory's unless
    given), in directory then file-name order; a document id found twice is an error."""
    directories = list(directories)
    schema = schema or load_schema(directories[0])
    documents, seen = [], {}
    for directory in directories:
        docs, _ = read_corpus(directory, schema)
        for d in docs:
            if d.id in seen:
                raise AnnotationError(f"{directory}: document {d.id!r} is also in {seen[d.id]}; document ids must be unique")
            seen[d.id] = directory
        documents.extend(docs)
    return documents, schema
