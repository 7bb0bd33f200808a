"""CoNLL readers for the public corpora in ../shared/corpora (ANERcorp, Wojood sample, AQMAR).

Counting convention (checked below): ../shared/corpora/README.md counts blank-line-separated blocks
and non-blank lines of the files as they are. The ANERcorp ``-DOCSTART-`` line is a block of its
own there (one "sentence" of one "token"), and Wojood's ``$#$`` separator lines are tokens. The
reader drops both, so it gives ANERcorp README - 1 sentences and README - 1 tokens, and Wojood the
README's segments and README - (number of ``$#$`` lines) tokens; AQMAR matches as it is.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from arabic_news_tagger.data.conll import (
    LABEL_MAPS,
    MAPPING_TABLE_MD,
    SEPARATOR,
    WOJOOD_TYPES,
    corpus_file,
    default_corpora_dir,
    load_conll_corpus,
    read_conll,
    repair_and_map,
)
from arabic_news_tagger.data.loader import features
from arabic_news_tagger.data.schema import load_schema
from arabic_news_tagger.data.tags import tags_to_word_spans

from conftest import require_corpora

REPO = Path(__file__).resolve().parents[1]
CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"

def needs_corpora(test):
    """The project's ``shared`` marker: skipped with a clear message where the folder is absent, and a
    failure under CI=true (conftest.py)."""
    return pytest.mark.shared(test)

# -DOCSTART- lines and $#$ lines in each file
DOCSTARTS_SEPARATORS = {
    ("anercorp", "train"): (1, 0),
    ("anercorp", "dev"): (1, 0),
    ("wojood", "train"): (0, 350),
    ("wojood", "val"): (0, 56),
    ("aqmar", "train"): (0, 0),
    ("aqmar", "dev"): (0, 0),
}

# (corpus, split, README sentences/segments, README tokens)
README_COUNTS = [
    ("anercorp", "train", 3300, 98280),
    ("anercorp", "dev", 708, 21882),
    ("wojood", "train", 1114, 18887),
    ("wojood", "val", 158, 2743),
    ("aqmar", "train", 1328, 36050),
    ("aqmar", "dev", 710, 19519),
]

_cache: dict[tuple[str, str], list[dict]] = {}


def rows_of(corpus: str, split: str) -> list[dict]:
    require_corpora()
    if (corpus, split) not in _cache:
        _cache[corpus, split] = read_conll(corpus_file(corpus, split, CORPORA), corpus)
    return _cache[corpus, split]


def raw_lines(corpus: str, split: str) -> list[str]:
    return corpus_file(corpus, split, CORPORA).read_text(encoding="utf-8").split("\n")


def test_the_corpora_are_found_from_the_working_directory_or_the_environment(monkeypatch, tmp_path):
    # Never from where the package is installed (site-packages, for a wheel).
    monkeypatch.delenv("ARABIC_NEWS_TAGGER_CORPORA", raising=False)
    monkeypatch.chdir(REPO)
    assert default_corpora_dir().resolve() == CORPORA.resolve()
    monkeypatch.setenv("ARABIC_NEWS_TAGGER_CORPORA", str(tmp_path))
    assert default_corpora_dir() == tmp_path
    assert corpus_file("anercorp", "dev") == tmp_path / "anercorp" / "dev.txt"
    assert corpus_file("wojood", "val", CORPORA) == CORPORA / "wojood-sample" / "val.txt"
    with pytest.raises(ValueError, match="no split 'test'"):
        corpus_file("aqmar", "test")
    with pytest.raises(ValueError, match="unknown corpus 'conll2003'"):
        corpus_file("conll2003", "train")


# --- the real files ----------------------------------------------------------------------------

@needs_corpora
@pytest.mark.parametrize("corpus,split,readme_sentences,readme_tokens", README_COUNTS)
def test_counts_match_the_readme(corpus, split, readme_sentences, readme_tokens):
    rows = rows_of(corpus, split)
    lines = raw_lines(corpus, split)
    docstarts = sum(1 for line in lines if line.startswith("-DOCSTART-"))
    separators = sum(1 for line in lines if line.split()[:1] == [SEPARATOR])
    assert (docstarts, separators) == DOCSTARTS_SEPARATORS[corpus, split]
    n_tokens = sum(len(r["words"]) for r in rows)
    # The README counts the -DOCSTART- line as a one-token sentence and $#$ lines as tokens.
    assert len(rows) + docstarts == readme_sentences
    assert n_tokens + docstarts + separators == readme_tokens


@needs_corpora
@pytest.mark.parametrize("corpus,split", [(c, s) for c, s, _, _ in README_COUNTS])
def test_rows_have_the_sentence_view_shape(corpus, split):
    rows = rows_of(corpus, split)
    schema_types = set(load_schema(REPO / "data").entity_types)
    ids = set()
    for row in rows:
        words = row["words"]
        assert words and SEPARATOR not in words and "-DOCSTART-" not in words
        text = " ".join(words)
        assert row["sentence_start"] == 0
        assert [text[s:e] for s, e in zip(row["word_starts"], row["word_ends"])] == words
        assert all(not any(ch.isspace() for ch in w) for w in words)
        assert row["trigger_tags"] == ["O"] * len(words)
        tags = row["entity_tags"]
        assert len(tags) == len(words)
        assert repair_and_map(tags, {t: t for t in schema_types}) == tags  # already valid IOB2
        assert {label for _, _, label in tags_to_word_spans(tags)} <= schema_types
        ids.add((row["document_id"], row["sentence_id"]))
    assert len(ids) == len(rows)  # (document_id, sentence_id) identifies a row


@needs_corpora
def test_document_ids():
    aner = rows_of("anercorp", "dev")
    assert {r["document_id"] for r in aner} == {"anercorp-dev-doc1"}  # the one -DOCSTART- document
    assert [r["sentence_id"] for r in aner] == list(range(len(aner)))
    aqmar = rows_of("aqmar", "dev")
    assert [r["document_id"] for r in aqmar[:2]] == ["aqmar-dev-00000", "aqmar-dev-00001"]
    assert {r["sentence_id"] for r in aqmar} == {0}
    assert rows_of("wojood", "val")[157]["document_id"] == "wojood-val-00157"


@needs_corpora
@pytest.mark.parametrize("corpus,split", [(c, s) for c, s, _, _ in README_COUNTS])
def test_label_mapping_on_the_real_files(corpus, split):
    """Span counts per type after mapping = the source's lenient span counts, relabelled."""
    lines = raw_lines(corpus, split)
    blocks, cur = [], []
    for line in lines + [""]:
        cols = line.split()
        if not cols or cols[0] == "-DOCSTART-":
            if cur:
                blocks.append(cur)
            cur = []
        elif cols[0] != SEPARATOR:
            tag = cols[1] if cols[1] in ("O",) or cols[1][:2] in ("B-", "I-") else "O"
            cur.append(tag)
    source = {}
    for tags in blocks:
        for _, _, label in tags_to_word_spans(tags):
            target = LABEL_MAPS[corpus][label]
            if target is not None:
                source[target] = source.get(target, 0) + 1
    mapped = {}
    for row in rows_of(corpus, split):
        for _, _, label in tags_to_word_spans(row["entity_tags"]):
            mapped[label] = mapped.get(label, 0) + 1
    assert mapped == source
    if corpus in ("anercorp", "aqmar"):
        assert set(mapped) == {"PERS", "ORG", "GPE"}  # LOC became GPE, MISC/MIS dropped


@needs_corpora
def test_specific_lines_of_the_real_files():
    # ANERcorp train, first sentence after -DOCSTART-: «ورفض حمدان الاجراءات ...».
    first = rows_of("anercorp", "train")[0]
    assert first["words"][:2] == ["ورفض", "حمدان"] and first["entity_tags"][:2] == ["O", "B-PERS"]
    # Wojood train, first segment: «... مجلس الأمن ضد الأسد» — the outer ORG column wins over PERS.
    seg = rows_of("wojood", "train")[0]
    i = seg["words"].index("مجلس")
    assert seg["words"][i : i + 4] == ["مجلس", "الأمن", "ضد", "الأسد"]
    assert seg["entity_tags"][i : i + 4] == ["B-ORG", "I-ORG", "I-ORG", "I-ORG"]
    # ANERcorp dev line 18122 has a lone U+200F as its tag: read as O, the ORG before it ends there.
    dev = rows_of("anercorp", "dev")
    hit = [(r, j) for r in dev for j, w in enumerate(r["words"]) if w == "الأمن\u200f1706"]
    assert len(hit) == 1
    r, j = hit[0]
    assert r["words"][j - 1] == "مجلس" and r["entity_tags"][j - 1 : j + 1] == ["B-ORG", "O"]


@needs_corpora
def test_load_conll_corpus_gives_the_loaders_features():
    schema = load_schema(REPO / "data")
    ds = load_conll_corpus(corpus_file("wojood", "val", CORPORA), "wojood", schema)
    assert ds.features == features(schema)[0]
    assert len(ds) == 158
    names = ds.features["entity_tags"].feature
    rows = rows_of("wojood", "val")
    assert [names.int2str(t) for t in ds[3]["entity_tags"]] == rows[3]["entity_tags"]
    # the schema may also be given as a path, or left out (the package's annotation.conf)
    assert load_conll_corpus(corpus_file("aqmar", "dev", CORPORA), "aqmar", REPO / "data").features == ds.features
    assert len(load_conll_corpus(corpus_file("aqmar", "dev", CORPORA), "aqmar")) == 710


# --- small files in tmp_path (no ../shared needed) ---------------------------------------------

def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_mapping_table():
    assert LABEL_MAPS["anercorp"] == {"PERS": "PERS", "ORG": "ORG", "LOC": "GPE", "MISC": None}
    assert LABEL_MAPS["aqmar"] == {"PER": "PERS", "ORG": "ORG", "LOC": "GPE", "MIS": None}
    assert LABEL_MAPS["wojood"] == {t: t for t in WOJOOD_TYPES} and len(WOJOOD_TYPES) == 21
    assert set(WOJOOD_TYPES) == set(load_schema(REPO / "data").entity_types)
    assert "| ANERcorp | LOC | GPE |" in MAPPING_TABLE_MD
    assert "| AQMAR | MIS | (dropped: O) |" in MAPPING_TABLE_MD


def test_anercorp_mapping_and_lenient_repair(tmp_path):
    path = write(tmp_path, "mini.txt", "-DOCSTART- -X- -X- O\n\nقال O\nمحمد B-PERS\nعلي I-PERS\nفي O\nالقاهرة B-LOC\n"
                 "كأس B-MISC\nالعالم I-MISC\n\nالأمم I-ORG\nالمتحدة I-ORG\nو O\nباريس I-LOC\nمحمد B-PERS\nروما I-LOC\n")
    rows = read_conll(path, "anercorp")
    assert [r["entity_tags"] for r in rows] == [
        ["O", "B-PERS", "I-PERS", "O", "B-GPE", "O", "O"],
        ["B-ORG", "I-ORG", "O", "B-GPE", "B-PERS", "B-GPE"],
    ]
    assert [(r["document_id"], r["sentence_id"]) for r in rows] == [("anercorp-mini-doc1", 0), ("anercorp-mini-doc1", 1)]
    assert rows[0]["word_starts"][:3] == [0, 4, 9] and rows[0]["word_ends"][:3] == [3, 8, 12]


def test_wojood_first_column_and_separators(tmp_path):
    path = write(tmp_path, "mini.txt", "مجلس B-ORG\nالأمن I-ORG B-PERS\n$#$ O\nفي O\n\n$#$ O\n$#$ O\n\nعيد I-EVENT\n")
    rows = read_conll(path, "wojood")
    assert [r["words"] for r in rows] == [["مجلس", "الأمن", "في"], ["عيد"]]  # all-separator block skipped
    assert [r["entity_tags"] for r in rows] == [["B-ORG", "I-ORG", "O"], ["B-EVENT"]]
    assert [r["document_id"] for r in rows] == ["wojood-mini-00000", "wojood-mini-00001"]


def test_crlf_and_bom_are_tolerated(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes("\ufeffقال O\r\nبوتين B-PER\r\n\r\n".encode("utf-8"))
    assert read_conll(path, "aqmar")[0]["entity_tags"] == ["O", "B-PERS"]


@pytest.mark.parametrize(
    "corpus,text,line,fragment",
    [
        ("anercorp", "قال O\nمحمد\n", 2, "no tag column"),
        ("anercorp", "قال O\n\nمحمد B-PERSON\n", 3, "unknown tag 'B-PERSON'"),
        ("aqmar", "قال O\nمحمد B-PERS\n", 2, "unknown tag 'B-PERS'"),  # AQMAR says PER
        ("aqmar", "قال O O\n", 1, "found 3 columns"),
        ("wojood", "قال O\nمجلس B-ORG X-GPE\n", 2, "unknown tag 'X-GPE'"),
        ("wojood", "قال O\nمجلس B-ORG\nالأمن I-ORG B-NATION\n", 3, "unknown tag 'B-NATION'"),
    ],
)
def test_a_malformed_line_is_a_value_error_naming_file_and_line(tmp_path, corpus, text, line, fragment):
    path = write(tmp_path, "bad.txt", text)
    with pytest.raises(ValueError, match=fragment) as err:
        read_conll(path, corpus)
    assert str(err.value).startswith(f"{path}:{line}: ")


def test_a_non_utf8_file_is_a_value_error_naming_it(tmp_path):
    path = tmp_path / "cp1256.txt"
    path.write_bytes("قال O\n".encode("cp1256"))
    with pytest.raises(ValueError, match="not UTF-8") as err:
        read_conll(path, "anercorp")
    assert str(path) in str(err.value)


def test_a_missing_file_names_the_path_and_every_way_to_give_the_corpora(tmp_path):
    path = tmp_path / "anercorp" / "train.txt"
    with pytest.raises(FileNotFoundError) as err:
        read_conll(path, "anercorp")
    for part in (str(path), "--corpora-dir DIR", "$ARABIC_NEWS_TAGGER_CORPORA", "../shared/corpora from the working directory"):
        assert part in str(err.value)
    with pytest.raises(FileNotFoundError):
        load_conll_corpus(path, "anercorp")


def test_unknown_corpus_and_schema_without_the_types(tmp_path):
    path = write(tmp_path, "ok.txt", "قال O\n")
    with pytest.raises(ValueError, match="unknown corpus"):
        read_conll(path, "conll2003")
    conf = (REPO / "data" / "annotation.conf").read_text(encoding="utf-8").replace("\nGPE\n", "\n", 1).replace("|GPE|", "|")
    (tmp_path / "annotation.conf").write_text(conf, encoding="utf-8")
    with pytest.raises(ValueError, match=r"maps to \['GPE'\]"):
        load_conll_corpus(path, "anercorp", tmp_path)
