"""Public Arabic NER corpora in CoNLL format (ANERcorp, the Wojood sample, AQMAR) as sentence rows.

The corpora live in ``../shared/corpora/`` beside the repository (see its README); they are never
copied into the project, and are found through ``--corpora-dir``, ``$ARABIC_NEWS_TAGGER_CORPORA`` or
the working directory (``default_corpora_dir``). ``read_conll(path, corpus)`` reads one file into rows with the same keys as
the loader's sentence view (``loader.features()``), and ``load_conll_corpus(path, corpus, schema)``
turns them into a ``datasets.Dataset`` with those features, so a model trained on the brat corpus can
be scored on (or trained with) these sentences unchanged.

What a row is
    One blank-line-separated block of the file: a sentence (ANERcorp, AQMAR) or a segment (Wojood).
    ``words`` are the file's tokens as written (invisible characters such as U+200F inside or as
    whole tokens are kept, with their tags); the sentence text is the words joined with single
    spaces, and ``word_starts``/``word_ends`` are offsets in that text, so ``sentence_start`` is 0.
    ``trigger_tags`` are all ``O``: these corpora have no events.

document_id / sentence_id
    A file with ``-DOCSTART-`` lines (ANERcorp) is cut into documents there:
    ``anercorp-train-doc1`` is the text after the first ``-DOCSTART-`` line, and ``sentence_id``
    counts that document's sentences from 0. In a file without them (Wojood, AQMAR) every
    sentence/segment is its own document, ``wojood-val-00042`` (the 43rd segment of val.txt), with
    ``sentence_id`` 0. The ``-DOCSTART-`` line is no token and no sentence.

Wojood's ``$#$`` tokens
    They are separators (line breaks of the source), always tagged ``O``. They are **dropped**; the
    segment stays one row (a segment made of nothing else is skipped, none is in the sample).

Wojood's nesting
    A line has one tag per nesting layer; the first column is the outermost layer and is the one
    read (the schema's entity layer is flat, outermost wins, as the guidelines say). Every column is
    still checked for well-formedness.

Tags
    Read leniently, as seqeval's default mode and ``tags.tags_to_spans`` do: an ``I-X`` that does not
    continue a ``B-X``/``I-X`` starts a span. Spans are then relabelled through ``LABEL_MAPS`` (a
    type mapped to ``None`` is dropped: its words become ``O``) and written back as valid IOB2.
    A tag column made only of invisible format characters (ANERcorp dev.txt line 18122 has a lone
    U+200F where the tag belongs) reads as ``O``.

Counting convention of ../shared/corpora/README.md
    Its figures count blank-line-separated blocks and non-blank lines of the files as they are: the
    ``-DOCSTART-`` line counts as a one-token sentence and ``$#$`` lines count as tokens. So
    ``read_conll`` gives ANERcorp one sentence and one token fewer than the README (3,299 / 98,279
    for train), and Wojood as many segments and fewer tokens (the ``$#$`` lines).

Errors
    A missing file is a ``FileNotFoundError`` naming the path and where the corpora are expected; a
    malformed line (no tag column, an unknown tag, extra columns where the corpus has one tag
    column) is a ``ValueError`` naming ``file:line``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

from .document import sentence_from_words
from .schema import Schema, load_schema
from .segment import INVISIBLE
from .tags import tags_to_word_spans

CORPORA = ("anercorp", "wojood", "aqmar")

WOJOOD_TYPES = (
    "PERS", "NORP", "OCC", "ORG", "GPE", "LOC", "FAC", "EVENT", "DATE", "TIME", "LANGUAGE",
    "WEBSITE", "LAW", "PRODUCT", "CARDINAL", "ORDINAL", "PERCENT", "QUANTITY", "UNIT", "MONEY", "CURR",
)  # fmt: skip

# Source type -> the corpus schema's entity type, or None: the span is dropped (its words become O).
LABEL_MAPS: dict[str, dict[str, str | None]] = {
    # ANERcorp LOC is mostly countries and cities (GPE in Wojood's and our terms); regions such as
    # الشرق الأوسط become GPE too, a known coarseness. MISC (events, products, nationalities...) has no
    # single counterpart and is dropped.
    "anercorp": {"PERS": "PERS", "ORG": "ORG", "LOC": "GPE", "MISC": None},
    # AQMAR (Wikipedia) uses the same four classes under other names.
    "aqmar": {"PER": "PERS", "ORG": "ORG", "LOC": "GPE", "MIS": None},
    # Our entity layer is Wojood's inventory: identity.
    "wojood": {t: t for t in WOJOOD_TYPES},
}

# What a coarse corpus's tag may be in our schema, for training with partial labels: the set of our
# types a span of that type may have. None: "any type the corpus does not annotate" (ANERcorp's
# MISC, and its O, may be a DATE, an OCC, a NORP, a CARDINAL..., or nothing). Wojood is not here:
# its labels are ours.
COARSE_TYPES: dict[str, dict[str, tuple[str, ...] | None]] = {
    "anercorp": {"PERS": ("PERS",), "ORG": ("ORG",), "LOC": ("GPE", "LOC", "FAC"), "MISC": None},
    "aqmar": {"PER": ("PERS",), "ORG": ("ORG",), "LOC": ("GPE", "LOC", "FAC"), "MIS": None},
}



def scored_as(corpus: str) -> dict[str, str]:
    """Our entity type -> the coarse corpus's type it is scored as: ``{"GPE": "LOC", "LOC": "LOC",
    "FAC": "LOC", "PERS": "PERS", "ORG": "ORG"}`` for ANERcorp (AQMAR likewise, with its names)."""
    return {ours: theirs for theirs, allowed in COARSE_TYPES[corpus].items() if allowed for ours in allowed}


# Where each corpus lies under ../shared/corpora, and its split files.
CORPUS_FILES: dict[str, tuple[str, dict[str, str]]] = {
    "anercorp": ("anercorp", {"train": "train.txt", "dev": "dev.txt"}),
    "wojood": ("wojood-sample", {"train": "train.txt", "val": "val.txt"}),
    "aqmar": ("aqmar", {"train": "train.txt", "dev": "dev.txt"}),
}

DOCSTART = "-DOCSTART-"
SEPARATOR = "$#$"

_NAMES = {"anercorp": "ANERcorp", "wojood": "Wojood", "aqmar": "AQMAR"}
_TAG = re.compile(r"^([BI])-(\S+)$")


def _mapping_table_md() -> str:
    rows = ["| corpus | source type | schema type |", "|---|---|---|"]
    for corpus in ("anercorp", "aqmar"):
        for source, target in LABEL_MAPS[corpus].items():
            rows.append(f"| {_NAMES[corpus]} | {source} | {target or '(dropped: O)'} |")
    rows.append(f"| Wojood | {', '.join(WOJOOD_TYPES)} | the same type (identity) |")
    notes = [
        "",
        "- Tags are read leniently (an `I-X` without a preceding `B-X`/`I-X` starts a span), spans are",
        "  relabelled by the table, and the result is written back as valid IOB2; a dropped type's",
        "  words are `O`.",
        "- Wojood: the first tag column (the outermost nesting layer) is read; `$#$` separator tokens",
        "  are dropped and the segment stays one row.",
        "- ANERcorp's `-DOCSTART-` line starts a document and is neither a token nor a sentence.",
    ]
    return "\n".join(rows + notes) + "\n"


MAPPING_TABLE_MD: str = _mapping_table_md()


CORPORA_ENV_VAR = "ARABIC_NEWS_TAGGER_CORPORA"


def default_corpora_dir() -> Path:
    """``$ARABIC_NEWS_TAGGER_CORPORA``, else ``../shared/corpora`` from the working directory.

    Never a path from where the package is installed: installed from a wheel, that is
    ``site-packages``. Run from a checkout's root, the default finds the corpora laid beside it.
    """
    return Path(os.environ.get(CORPORA_ENV_VAR) or Path("..") / "shared" / "corpora")


def corpora_hint() -> str:
    """The ways to say where the public corpora are, for an error that cannot find them."""
    return (f"give the folder with --corpora-dir DIR or ${CORPORA_ENV_VAR}; the default is ../shared/corpora "
            f"from the working directory (here {default_corpora_dir().resolve()})")


def corpus_file(corpus: str, split: str, root: str | Path | None = None) -> Path:
    """The file of a corpus split, e.g. ``corpus_file("wojood", "val")``."""
    corpus = _check_corpus(corpus)
    folder, splits = CORPUS_FILES[corpus]
    if split not in splits:
        raise ValueError(f"{corpus}: no split {split!r} (splits: {', '.join(splits)})")
    return Path(root if root is not None else default_corpora_dir()) / folder / splits[split]


def _check_corpus(corpus: str) -> str:
    if corpus not in LABEL_MAPS:
        raise ValueError(f"unknown corpus {corpus!r} (known: {', '.join(CORPORA)})")
    return corpus


class TokenLine(NamedTuple):
    """A token line of a CoNLL file: its 1-based number, its text and its whitespace-split columns."""

    number: int
    text: str
    columns: list[str]


class Block(NamedTuple):
    """A blank-line-separated block of a CoNLL file (a sentence or a segment): its token lines."""

    document: int  # how many -DOCSTART- lines come before it
    lines: list[TokenLine]


def read_blocks(path: str | Path) -> tuple[list[Block], bool]:
    """The blocks of a CoNLL file and whether it has ``-DOCSTART-`` lines: the one reader of the
    file's lines (``read_conll``, the bundles' sentence selection and their external check).

    A blank line or a ``-DOCSTART-`` line ends a block; neither is a token line. Columns are not
    checked here: what a line must hold is the caller's to say."""
    path = Path(path)
    blocks: list[Block] = []
    lines: list[TokenLine] = []
    document, has_docstart = 0, False
    for number, text in enumerate(_read_lines(path), 1):
        columns = text.split()
        if columns and columns[0] != DOCSTART:
            lines.append(TokenLine(number, text, columns))
            continue
        if lines:
            blocks.append(Block(document, lines))
        lines = []
        if columns:
            has_docstart, document = True, document + 1
    if lines:
        blocks.append(Block(document, lines))
    return blocks, has_docstart


def visible_tokens(block: Block) -> list[tuple[TokenLine, str]]:
    """Each token line of a block with its token stripped of invisible marks, the tokens made of
    nothing else left out: the words of a bundle line rebuilt from the corpus (``select_sentences``)."""
    out = []
    for line in block.lines:
        token = INVISIBLE.sub("", line.columns[0])
        if token:
            out.append((line, token))
    return out


def _read_lines(path: Path) -> list[str]:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file; {corpora_hint()}")
    try:
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not UTF-8 ({e.reason} at byte {e.start})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    # Split on "\n" only: str.splitlines() would also cut at U+2028, U+0085 and friends inside a
    # token and make every line number after it wrong.
    return [line.rstrip("\r") for line in text.split("\n")]


def _parse_tag(field: str, mapping: dict[str, str | None], where: str, corpus: str) -> str:
    tag = INVISIBLE.sub("", field)
    if tag in ("", "O"):
        return "O"
    m = _TAG.match(tag)
    if not m or m.group(2) not in mapping:
        known = ", ".join(mapping)
        raise ValueError(f"{where}: unknown tag {field!r}; {_NAMES[corpus]} tags are O or B-/I- {known}")
    return tag


def _iob2(n: int, spans: list[tuple[int, int, str]]) -> list[str]:
    tags = ["O"] * n
    for s, e, label in spans:
        tags[s] = f"B-{label}"
        for i in range(s + 1, e):
            tags[i] = f"I-{label}"
    return tags


def repair_and_map(tags: list[str], mapping: dict[str, str | None]) -> list[str]:
    """Valid IOB2 tags in the schema's types: lenient spans of ``tags``, relabelled by ``mapping``."""
    spans = [(s, e, mapping[label]) for s, e, label in tags_to_word_spans(tags)]
    return _iob2(len(tags), [(s, e, label) for s, e, label in spans if label is not None])


def source_labels(corpus: str) -> list[str]:
    """The corpus's own IOB2 labels: O, then B-/I- of each of its types in LABEL_MAPS order."""
    return ["O"] + [f"{p}-{t}" for t in LABEL_MAPS[_check_corpus(corpus)] for p in "BI"]


def coarse_label_sets(corpus: str, entity_labels: list[str]) -> list[tuple[int, ...]]:
    """For each of ``source_labels(corpus)``, the ids of ``entity_labels`` (our IOB2 labels) it allows.

    ``B-LOC`` allows ``B-GPE``, ``B-LOC``, ``B-FAC``; ``O`` and a type mapped to None allow ``O``
    and every B-/I- label of a type the corpus does not annotate.
    """
    coarse = COARSE_TYPES.get(_check_corpus(corpus))
    if coarse is None:
        raise ValueError(f"{corpus}: its labels are the schema's own; it needs no label sets")
    covered = {t for types in coarse.values() if types for t in types}
    index = {label: i for i, label in enumerate(entity_labels)}
    free = tuple(i for label, i in index.items() if label == "O" or label[2:] not in covered)
    sets = []
    for label in source_labels(corpus):
        types = None if label == "O" else coarse[label[2:]]
        if types is None:
            sets.append(free)
        else:
            missing = [t for t in types if f"{label[0]}-{t}" not in index]
            if missing:
                raise ValueError(f"{corpus} {label} maps to {missing}, which the label set {entity_labels[:5]}... lacks")
            sets.append(tuple(index[f"{label[0]}-{t}"] for t in types))
    return sets


def mapped_source_lines(mapping_tsv: str | Path) -> set[tuple[str, int]]:
    """``(source file, line)`` of the first (visible) token of every sentence a mapping.tsv lists
    (the file as ``anercorp/train.txt``, relative to the corpora folder)."""
    import csv

    path = Path(mapping_tsv)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such mapping file")
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    if rows and not {"source", "first_source_line"} <= set(rows[0]):
        raise ValueError(f"{path}: expected the columns source and first_source_line, found {', '.join(rows[0])}")
    out = set()
    for n, row in enumerate(rows, 2):
        try:
            out.add((row["source"], int(row["first_source_line"])))
        except (TypeError, ValueError):
            raise ValueError(f"{path}:{n}: first_source_line {row.get('first_source_line')!r} is not a line number") from None
    return out


def read_conll(path: str | Path, corpus: str, *, labels: str = "mapped", skip_lines: set[int] | frozenset = frozenset()) -> list[dict]:
    """The sentences (segments) of a CoNLL file as sentence-view rows (see the module docstring).

    ``labels="mapped"``: entity tags in the schema's types (``LABEL_MAPS``); ``"source"``: the
    corpus's own types (``source_labels``), repaired to IOB2 but not mapped. A sentence with a
    token on a line of ``skip_lines`` is left out.
    """
    corpus = _check_corpus(corpus)
    if labels not in ("mapped", "source"):
        raise ValueError(f"labels: {labels!r} is not one of 'mapped', 'source'")
    path = Path(path)
    file_blocks, has_docstart = read_blocks(path)
    mapping = LABEL_MAPS[corpus]
    target = mapping if labels == "mapped" else {t: t for t in mapping}
    nested = corpus == "wojood"

    blocks: list[tuple[int, list[str], list[str]]] = []  # (document number, words, raw tags)
    for block in file_blocks:
        words: list[str] = []
        tags: list[str] = []
        block_lines: list[int] = []
        for lineno, line, cols in block.lines:
            where = f"{path}:{lineno}"
            if len(cols) < 2:
                raise ValueError(f"{where}: expected 'TOKEN TAG', found no tag column: {line[:60]!r}")
            if len(cols) > 2 and not nested:
                raise ValueError(f"{where}: expected 'TOKEN TAG', found {len(cols)} columns: {line[:60]!r}")
            layer_tags = [_parse_tag(c, mapping, where, corpus) for c in cols[1:]]
            if nested and cols[0] == SEPARATOR:
                continue
            block_lines.append(lineno)
            words.append(cols[0])
            tags.append(layer_tags[0])
        if words and not skip_lines.intersection(block_lines):
            blocks.append((block.document, words, tags))

    stem = path.stem
    rows: list[dict] = []
    per_doc: dict[int, int] = {}
    for n, (d, block_words, block_tags) in enumerate(blocks):
        if has_docstart:
            document_id = f"{corpus}-{stem}-doc{d}"
            sentence_id = per_doc.get(d, 0)
            per_doc[d] = sentence_id + 1
        else:
            document_id, sentence_id = f"{corpus}-{stem}-{n:05d}", 0
        _, sentence = sentence_from_words(block_words)
        rows.append({
            "document_id": document_id,
            "sentence_id": sentence_id,
            "sentence_start": 0,
            "words": block_words,
            "word_starts": [start for start, _ in sentence.words],
            "word_ends": [end for _, end in sentence.words],
            "entity_tags": repair_and_map(block_tags, target),
            "trigger_tags": ["O"] * len(block_words),
        })
    return rows


def load_conll_corpus(path: str | Path, corpus: str, schema: Schema | str | Path | None = None, *,
                      labels: str = "mapped", skip_lines: set[int] | frozenset = frozenset()):
    """A CoNLL file as a ``datasets.Dataset`` with the loader's sentence-view features.

    ``schema`` is a ``Schema``, a path to an annotation.conf (or a directory that has one), or None
    for the package's own ``annotation.conf``. Every type the corpus maps to must be one of its
    entity types. With ``labels="source"`` the entity tags' ClassLabel is ``source_labels(corpus)``.
    """
    from datasets import ClassLabel, Dataset, Sequence

    from .loader import features

    corpus = _check_corpus(corpus)
    if not isinstance(schema, Schema):
        schema = load_schema(schema if schema is not None else Path(__file__).with_name("annotation.conf"))
    missing = sorted({t for t in LABEL_MAPS[corpus].values() if t is not None} - set(schema.entity_types))
    if missing:
        raise ValueError(f"{corpus} maps to {missing}, which {schema.path} does not list as entity types")
    sentence_view, _ = features(schema)
    if labels == "source":
        sentence_view = sentence_view.copy()
        sentence_view["entity_tags"] = Sequence(ClassLabel(names=source_labels(corpus)))
    return Dataset.from_list(read_conll(path, corpus, labels=labels, skip_lines=skip_lines), features=sentence_view)
