"""The training sources of a run, read into the loader's views: brat directories (every layer) and
public CoNLL corpora from ../shared/corpora (the entity layer only).

``load_sources(config)`` gives one ``SourceData`` per ``[[data.sources]]`` entry (or per directory of
the one-source shorthand), each with what training needs to turn it into examples: its sentences and
triggers as ``datasets``, the layers it teaches, and, for a corpus with a coarser label
set, the set of our labels each of its tags allows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..data.conll import COARSE_TYPES, CORPUS_FILES, coarse_label_sets, corpus_file, load_conll_corpus, mapped_source_lines
from ..data.corpus import read_corpora
from ..data.loader import build_dataset_dict, features, resolve_document_ids
from ..data.schema import Schema, load_schema
from ..model.designs import TRAINABLE_LAYERS
from .config import SourceConfig, RunConfig, resolve_sources, source_layers, source_name


@dataclass
class SourceData:
    name: str
    source: SourceConfig
    sentences: object  # datasets.Dataset, the loader's sentence view
    arguments: object  # datasets.Dataset, the loader's trigger view (empty for a CoNLL corpus)
    entity_label_sets: list[tuple[int, ...]] | None  # a coarser corpus: tag id -> allowed entity label ids
    documents: list[str]  # brat documents trained on, or ["corpus:split"]
    texts: list[str]  # the training texts (a scratch tokenizer learns from them)

    @property
    def layers(self) -> list[str]:
        """The layers this source teaches (``[[data.sources]] layers``, else every layer it annotates)."""
        return source_layers(self.source)


@dataclass
class TrainingData:
    sources: list[SourceData]
    schema: Schema
    held_out: list[str]  # brat document ids, then "corpus:split" of each CoNLL source's eval split

    @property
    def train_documents(self) -> list[str]:
        # A directory may be listed twice (its events more often than its entities): its documents once.
        return list(dict.fromkeys(d for s in self.sources for d in s.documents))

    @property
    def trained_layers(self) -> list[str]:
        taught = {layer for s in self.sources for layer in s.layers}
        return [layer for layer in TRAINABLE_LAYERS if layer in taught]


def _sample(dataset, arguments, n: int, seed: int):
    """A fixed seeded sample of ``n`` sentences (and the triggers of those sentences)."""
    if not n or n >= len(dataset):
        return dataset, arguments
    keep = sorted(random.Random(seed).sample(range(len(dataset)), n))
    dataset = dataset.select(keep)
    if len(arguments):
        kept = set(zip(dataset["document_id"], dataset["sentence_id"]))
        arguments = arguments.filter(lambda r: (r["document_id"], r["sentence_id"]) in kept)
    return dataset, arguments


def load_sources(config: RunConfig, corpora_root=None) -> TrainingData:
    from datasets import Dataset

    sources = resolve_sources(config.data)
    schema = load_schema(config.data.corpus_dir)
    entity_labels = schema.label_list("entities")
    _, argument_view = features(schema)
    no_events = Dataset.from_dict({k: [] for k in argument_view}, features=argument_view)

    brat_dirs = list(dict.fromkeys(s.path for s in sources if s.format == "brat"))
    documents, _ = read_corpora(brat_dirs, schema) if brat_dirs else ([], schema)
    held_out = resolve_document_ids(config.data.held_out_documents, [d.id for d in documents], "data.held_out_documents")
    by_dir: dict[str, list] = {}
    if brat_dirs:
        from ..data.brat import corpus_files

        owner = {f.stem: d for d in brat_dirs for f in corpus_files(d)}
        for doc in documents:
            by_dir.setdefault(owner[doc.id], []).append(doc)

    out: list[SourceData] = []
    for i, src in enumerate(sources):
        name = source_name(src)
        seed = config.training.seed * 1_009 + i
        if src.format == "brat":
            docs = [d for d in by_dir.get(src.path, []) if d.id not in held_out]
            if not docs:
                continue
            ds = build_dataset_dict(docs, schema)
            sentences, arguments = _sample(ds["train"], ds["train_arguments"], src.max_sentences, seed)
            out.append(SourceData(name, src, sentences, arguments, None, [d.id for d in docs], [d.text for d in docs]))
            continue
        skip: set[int] = set()
        if src.exclude_mapped_sentences:
            folder, splits = CORPUS_FILES[src.corpus]
            wanted = f"{folder}/{splits.get(src.train_split, '')}"
            skip = {line for file, line in mapped_source_lines(src.exclude_mapped_sentences) if file == wanted}
        partial = src.corpus in COARSE_TYPES and src.coarse_labels == "partial"
        sentences = load_conll_corpus(corpus_file(src.corpus, src.train_split, corpora_root), src.corpus, schema,
                                      labels="source" if partial else "mapped", skip_lines=skip)
        sentences, _ = _sample(sentences, no_events, src.max_sentences, seed)
        sets = coarse_label_sets(src.corpus, entity_labels) if partial else None
        out.append(SourceData(name, src, sentences, no_events, sets, [name],
                              [" ".join(w) for w in sentences["words"]]))
    if not out:
        raise ValueError("data: every source's documents are held out; nothing is left to train on")
    held_out = held_out + [f"{s.corpus}:{s.eval_split}" for s in sources if s.format == "conll"]
    return TrainingData(out, schema, held_out)
