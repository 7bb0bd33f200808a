"""``predict()``: texts in, entities and events out, every span with offsets into the input text.

    >>> from arabic_news_tagger import predict
    >>> result = predict("أجرى الرئيس الروسي فلاديمير بوتين محادثة هاتفية مع ترامب", model="runs/tiny")
    >>> result["entities"][0]        # {"type": "OCC", "text": "الرئيس الروسي", "start": 5, "end": 18, "score": 0.98}

Sentences of all the texts of a call are batched together, sorted by length to cut padding; the
argument passes of all triggers of a batch run together. The model is loaded once per
(directory, device) and reused by later calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..data.document import Document, Event, Sentence, Span, sentence_from_words
from ..data.tags import covered_words
from arabic_news_tagger.io import progress

from .batching import length_sorted_batches, pad
from .decode import check_decoding, decode, spans, word_spans
from .encode import Window, best_window_per_word, make_windows, trigger_mask, window_for_trigger, word_pieces
from .tagger import ModelDirectoryError, load_tagger
from .values import add_values, document_dates, stream_dates

MAX_CHARACTERS = 1_000_000  # per call; see README "Limits"
# Windows per forward pass. 16 beat 32 by 4 to 9% on 2 CPU cores for e5-small (fp32 and int8, with
# and without arguments; the README's bench texts): less padding per length-sorted batch, and the
# activations stay in cache. On a GPU, pass a larger batch_size.
DEFAULT_BATCH_SIZE = 16
SENTENCES_PER_CHUNK = 512  # sentences decoded together; bounds memory on long inputs
# With arguments from kept states (shared and top_layers designs), every window's states stay until its
# chunk's triggers are known: smaller chunks keep that memory flat (512 sentences held about 50 MB more
# on e5-small when streaming twenty times the articles).
SENTENCES_PER_CHUNK_WITH_STATES = 128
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


def _glibc_malloc_trim():
    try:
        import ctypes

        return ctypes.CDLL(None).malloc_trim  # glibc only; musl and macOS have none
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _glibc_malloc_trim()


TRIM_EVERY_PASSES = 4
_passes_since_trim = 0


def release_freed_memory() -> None:
    """Hand the pages of freed tensors back to the OS every few forward passes.

    glibc keeps them, and as batch shapes vary its heap fragments: streaming 20 times the corpus
    through ``predict`` peaked 224 MB above streaming it once without this. Trimming after every pass
    cost 5% of the speed (the pages are faulted back in by the next pass); see the README's benchmark
    for what every ``TRIM_EVERY_PASSES`` passes costs and saves.
    """
    global _passes_since_trim
    _passes_since_trim += 1
    if _MALLOC_TRIM is not None and _passes_since_trim >= TRIM_EVERY_PASSES:
        _passes_since_trim = 0
        _MALLOC_TRIM(0)


@dataclass
class _SentenceWork:
    """What a call keeps while it tags one ``Sentence``: the text it is in, and the windows cut from
    it and their hidden states, until the sentence's spans are on its ``Document``."""

    doc: int  # the text's index in the call
    sentence: Sentence
    windows: list[Window] | None = None
    hidden: dict[int, torch.Tensor] | None = None  # window index -> its hidden states (shared design)

    @property
    def offsets(self) -> tuple[tuple[int, int], ...]:
        return self.sentence.words


#: What ``predict()`` uses when no model is given: the recommended model, trained once by the user.
DEFAULT_MODEL_CONFIG = "configs/news-e5-small.toml"


def default_model_dir() -> Path:
    """``$ARABIC_NEWS_TAGGER_MODEL``, or ``models/default`` under the package's cache directory."""
    import os

    from arabic_news_tagger.io import cache_root

    return Path(os.environ.get("ARABIC_NEWS_TAGGER_MODEL") or cache_root() / "models" / "default").expanduser()


def resolve_model_path(model: str | Path | None) -> Path:
    """A local tagger directory, a hub repository id downloaded (once) to the local cache, or (None)
    the default model directory."""
    if model is None:
        path = default_model_dir()
        if not (path / "config.json").is_file():
            raise ModelDirectoryError(
                f"no model given, and no trained model at the default location {path}; create it with "
                f"`arabic-news-tagger train --config {DEFAULT_MODEL_CONFIG} --output-dir {path}` "
                "(or pass model=DIR, or set ARABIC_NEWS_TAGGER_MODEL)")
        return path
    path = Path(model).expanduser()
    if path.exists():
        return path
    if isinstance(model, str) and re.fullmatch(r"[\w.-]+/[\w.-]+", model):
        try:
            from huggingface_hub import snapshot_download

            return Path(snapshot_download(model, allow_patterns=["*.json", "*.safetensors", "*.txt", "*.model", "encoder/*", "README.md"]))
        except Exception as e:  # the hub client raises many kinds; all mean "not reachable here"
            raise ModelDirectoryError(
                f"model {model!r}: no such local directory, and the Hugging Face hub could not provide it ({type(e).__name__}). "
                "Offline, train one with `arabic-news-tagger train --config configs/tiny.toml` or "
                "`--config configs/news-e5-small.toml` and pass its output directory."
            ) from None
    raise ModelDirectoryError(f"model {str(model)!r}: no such model directory")


def load_network(path: Path, device: str | None = None, int8: bool = False):
    """``(network, tokenizer, device)`` of a model directory: the ``EventTaggerModel`` on ``device``
    (a GPU where there is one), or with ``int8`` its int8 graphs under ONNX Runtime on the CPU."""
    if not isinstance(int8, bool):
        raise TypeError(f"int8: expected True or False, got {int8!r}")
    if int8:
        # ONNX Runtime's dynamically quantised graphs (model/int8.py): a CPU path by design.
        if device is not None and torch.device(device).type != "cpu":
            raise ValueError(f"int8=True runs on the CPU (ONNX Runtime); device={device!r} is not available with it")
        from .int8 import load_int8

        return (*load_int8(path), torch.device("cpu"))
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    return (*load_tagger(path, device), device)


def role_mask(config) -> np.ndarray:
    """``(event type, argument label)``: whether the type admits the label's role (``O`` always):
    roles an event type does not admit are masked out of its argument probabilities."""
    mask = np.zeros((len(config.event_types), len(config.argument_labels)), dtype=bool)
    for i, t in enumerate(config.event_types):
        allowed = set(config.admitted_roles.get(t, []))
        for j, lab in enumerate(config.argument_labels):
            mask[i, j] = lab == "O" or lab[2:] in allowed
    return mask


class Predictor:
    """A trained model loaded for prediction (the network, an ``EventTaggerModel``, or its int8 graphs;
    its tokenizer and label maps): what ``predict()`` runs, loaded once per model by ``load_predictor``.

    Loading is ``load_network``, batching ``model/batching.py``, decoding ``model/decode.py``; this
    class runs them over a call's sentences: entities and triggers first, then the argument passes."""

    def __init__(self, model: str | Path, device: str | None = None, int8: bool = False):
        if not isinstance(int8, bool):
            raise TypeError(f"int8: expected True or False, got {int8!r}")
        self.path = resolve_model_path(model)
        self.model, self.tokenizer, self.device = load_network(self.path, device, int8)
        self.int8 = int8
        config = self.model.config
        self.config = config
        self.entity_labels = config.entity_labels
        self.trigger_labels = config.trigger_labels
        self.argument_labels = config.argument_labels
        self.event_index = {t: i for i, t in enumerate(config.event_types)}
        # The training configuration's [model] argument_min_score (absent in older models: keep all).
        self.argument_min_score = check_argument_min_score(
            (getattr(config, "training_config", None) or {}).get("model", {}).get("argument_min_score", 0.0),
            f"{self.path}: model.argument_min_score")
        self.role_mask = role_mask(config)
        self.pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0

    # --- public ------------------------------------------------------------------------------

    def predict_documents(self, texts: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE, arguments: bool = True,
                          gold_triggers: Sequence[Sequence[Span]] | None = None, decoding: str = "viterbi",
                          argument_min_score: float | None = None) -> list[Document]:
        """Documents with predicted spans; ``gold_triggers`` (per text) replaces the predicted
        triggers for the argument pass, which is how arguments are scored given gold triggers.
        ``decoding``: how word probabilities become tags (``model/decode.py``); ``argument_min_score``:
        arguments scored under it are left out (None: the model's own, ``[model] argument_min_score``)."""
        check_decoding(decoding)
        min_score = (self.argument_min_score if argument_min_score is None
                     else check_argument_min_score(argument_min_score, "argument_min_score"))
        docs = [Document(id=str(i), text=t) for i, t in enumerate(texts)]
        sents: list[_SentenceWork] = []
        for d, doc in enumerate(docs):
            if not _ARABIC.search(doc.text):
                continue  # no Arabic at all: nothing this model was trained to find
            sents += [_SentenceWork(d, sentence) for sentence in doc.sentences]
        per_chunk = SENTENCES_PER_CHUNK_WITH_STATES if arguments and self.config.argument_design != "reencode" else SENTENCES_PER_CHUNK
        for chunk_start in range(0, len(sents), per_chunk):
            # Bounded chunks: memory stays flat however long the input is.
            self._predict_sentences(texts, sents[chunk_start:chunk_start + per_chunk], docs, batch_size, arguments, gold_triggers,
                                    decoding, min_score)
        for doc in docs:
            doc.entities.sort(key=lambda s: s.start)
            doc.events.sort(key=lambda e: e.trigger.start)
        return docs

    def windows(self, sentence_words: Sequence[Sequence[str]]) -> list[list[Window]]:
        """The subword windows the model sees for each sentence, given as its words."""
        tok = self.tokenizer
        return [make_windows(p, tok.cls_token_id, tok.sep_token_id, self.config.max_length)
                for p in word_pieces(tok, sentence_words, self.config.normalization)]

    # --- internals ---------------------------------------------------------------------------

    def _word_probs(self, texts, sents: list[_SentenceWork], batch_size: int, keep_hidden: bool = False) -> list[tuple[np.ndarray, np.ndarray]]:
        """Entity and trigger probabilities of every word of every sentence, ``(words, labels)`` each.

        ``keep_hidden`` keeps each window's hidden states on its sentence (``s.hidden``) for the
        argument layers of the shared design.
        """
        all_words = [[texts[s.doc][a:b] for a, b in s.offsets] for s in sents]
        for s, windows in zip(sents, self.windows(all_words)):
            s.windows = windows
        jobs = [(si, wi) for si, s in enumerate(sents) for wi in range(len(s.windows))]
        ent_probs: dict[tuple[int, int], np.ndarray] = {}
        trg_probs: dict[tuple[int, int], np.ndarray] = {}
        batches = list(length_sorted_batches(jobs, lambda j: sents[j[0]].windows[j[1]], batch_size))
        for batch in progress(batches, min_items=20, leave=False, desc="tagging", unit="batch"):
            wins = [sents[si].windows[wi] for si, wi in batch]
            ids, mask = pad([w.input_ids for w in wins], self.pad_id)
            with torch.inference_mode():
                ent, trg, hidden = self.model.tag(ids.to(self.device), mask.to(self.device))
            ent = torch.softmax(ent.float(), -1).cpu().numpy()
            trg = torch.softmax(trg.float(), -1).cpu().numpy()
            release_freed_memory()
            for k, (job, win) in enumerate(zip(batch, wins)):
                ent_probs[job] = ent[k, win.first_piece]
                trg_probs[job] = trg[k, win.first_piece]
                if keep_hidden:
                    sents[job[0]].hidden[job[1]] = hidden[k, :len(win.input_ids)]
        out = []
        for si, s in enumerate(sents):
            choice = best_window_per_word(s.windows, len(s.offsets))
            out.append((np.stack([ent_probs[(si, wi)][k] for wi, k in choice]),
                        np.stack([trg_probs[(si, wi)][k] for wi, k in choice])))
        return out

    def tag_words(self, sentences_words: Sequence[Sequence[str]], batch_size: int = DEFAULT_BATCH_SIZE,
                  decoding: str = "viterbi") -> list[list[str]]:
        """Entity tags for sentences already split into words (CoNLL corpora), one tag per word."""
        check_decoding(decoding)
        texts, sents = [], []
        for d, ws in enumerate(sentences_words):
            text, sentence = sentence_from_words(ws)
            texts.append(text)
            sents.append(_SentenceWork(d, sentence))
        out: list[list[str]] = [[] for _ in sentences_words]
        keep = [s for s in sents if s.offsets]
        for chunk in range(0, len(keep), 512):
            part = keep[chunk:chunk + 512]
            for s, (ent, _) in zip(part, self._word_probs(texts, part, batch_size)):
                out[s.doc] = [self.entity_labels[i] for i in decode(ent, self.entity_labels, decoding)]
        return out

    def _predict_sentences(self, texts, sents: list[_SentenceWork], docs: list[Document], batch_size: int, arguments: bool,
                           gold_triggers, decoding: str, min_score: float = 0.0) -> None:
        # A model never taught events (trained on entity-only corpora) predicts none.
        events_taught = "triggers" in self.config.trained_layers
        arguments = arguments and "arguments" in self.config.trained_layers
        keep_hidden = arguments and self.config.argument_design != "reencode"
        for s in sents:
            s.hidden = {} if keep_hidden else None
        probs = self._word_probs(texts, sents, batch_size, keep_hidden)
        triggers: list[tuple[int, Span, int, int]] = []  # (sentence, trigger span, first word, end word)
        for si, (s, (ent, trg)) in enumerate(zip(sents, probs)):
            text = texts[s.doc]
            docs[s.doc].entities.extend(spans(text, s.offsets, ent, self.entity_labels, decoding))
            if gold_triggers is not None:
                s_start, s_end = s.offsets[0][0], s.offsets[-1][1]
                for g in gold_triggers[s.doc]:
                    if s_start <= g.start and g.end <= s_end:
                        covered = covered_words(s.offsets, g.start, g.end)
                        triggers.append((si, g, covered.start, covered.stop))
                continue
            if not events_taught:
                continue
            for a, b, label, score in word_spans(trg, self.trigger_labels, decoding):
                start, end = s.offsets[a][0], s.offsets[b - 1][1]
                triggers.append((si, Span(start, end, label, text[start:end], score), a, b))
        if not arguments:
            for si, trig, _, _ in triggers:
                docs[sents[si].doc].events.append(Event(trig))
            return
        self._predict_arguments(texts, sents, triggers, docs, batch_size, decoding, min_score)
        for s in sents:
            s.hidden = None

    def _predict_arguments(self, texts, sents, triggers, docs, batch_size, decoding: str, min_score: float = 0.0) -> None:
        jobs = []
        for ti, (si, trig, a, b) in enumerate(triggers):
            s = sents[si]
            # The window that holds the trigger whole, with the most context around it.
            wi = window_for_trigger(s.windows, a, b)
            wi = 0 if wi is None else wi
            jobs.append((ti, s.windows[wi], wi))
        results: dict[int, np.ndarray] = {}
        for batch in length_sorted_batches(jobs, lambda j: j[1], batch_size):
            ids, mask = pad([w.input_ids for _, w, _ in batch], self.pad_id)
            tmask, _ = pad([trigger_mask(w, triggers[ti][2], triggers[ti][3]) for ti, w, _ in batch], 0)
            types = torch.tensor([self.event_index[triggers[ti][1].label] for ti, _, _ in batch])
            hidden = None
            if self.config.argument_design != "reencode":
                states = [sents[triggers[ti][0]].hidden[wi] for ti, _, wi in batch]
                hidden = torch.zeros((len(states), ids.shape[1], states[0].shape[-1]), dtype=states[0].dtype, device=self.device)
                for k, h in enumerate(states):
                    hidden[k, :h.shape[0]] = h
            # Only each word's first piece is read: the top_layers design computes its last layer there only.
            wanted = torch.zeros(ids.shape, dtype=torch.bool)
            for k, (_, w, _) in enumerate(batch):
                wanted[k, w.first_piece] = True
            with torch.inference_mode():
                logits = self.model.arguments(hidden, ids.to(self.device), mask.to(self.device), tmask.to(self.device),
                                              types.to(self.device), wanted=wanted.to(self.device))
            probs = torch.softmax(logits.float(), -1).cpu().numpy()
            release_freed_memory()
            for k, (ti, w, _) in enumerate(batch):
                p = probs[k, w.first_piece] * self.role_mask[types[k].item()]
                results[ti] = (w, p / p.sum(-1, keepdims=True))
        for ti, (si, trig, a, b) in enumerate(triggers):
            s, text = sents[si], texts[sents[si].doc]
            win, probs = results[ti]
            offsets = s.offsets[win.word_start:win.word_end]
            args = tuple(a for a in spans(text, offsets, probs, self.argument_labels, decoding) if a.score >= min_score)
            docs[s.doc].events.append(Event(trig, args))


_LOADED: dict[tuple[str, str | None, bool], Predictor] = {}


def _cache_key(model: str | Path) -> str:
    return str(Path(model).expanduser().resolve()) if Path(model).expanduser().exists() else str(model)


def load_predictor(model: str | Path, device: str | None = None, int8: bool = False) -> Predictor:
    """The ``Predictor`` for a model, loaded on first use and kept for later calls."""
    if model is None:
        model = resolve_model_path(None)
    key = (_cache_key(model), device, int8)
    if key not in _LOADED:
        _LOADED[key] = Predictor(model, device, int8=int8)
    return _LOADED[key]


def unload_predictor(model: str | Path) -> None:
    """Drop the kept ``Predictor``s of a model (every device, fp32 and int8): its memory is freed
    once no caller holds it. For loops over many models, such as ``crossval``'s folds."""
    name = _cache_key(model)
    for key in [k for k in _LOADED if k[0] == name]:
        del _LOADED[key]


def check_argument_min_score(value, where: str) -> float:
    """``value`` as a score threshold in [0, 1], or a ValueError naming ``where``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{where}: expected a number from 0 to 1 (an argument's score), got {value!r}")
    return float(value)


def check_texts(texts) -> tuple[list[str], bool]:
    if isinstance(texts, str):
        return [texts], True
    if isinstance(texts, (bytes, bytearray)):
        raise TypeError("texts: expected str or a list of str, got bytes (decode it first, e.g. data.decode('utf-8'))")
    if not isinstance(texts, (list, tuple)):
        raise TypeError(f"texts: expected str or a list of str, got {type(texts).__name__}")
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"texts[{i}]: expected str, got {type(t).__name__}")
    return list(texts), False


def predict(texts, model: str | Path | None = None, batch_size: int = DEFAULT_BATCH_SIZE, *,
            device: str | None = None, arguments: bool = True, int8: bool = False, max_characters: int = MAX_CHARACTERS,
            decoding: str = "viterbi", document_date=None, argument_min_score: float | None = None):
    """Entities and events of a text (a dict) or of a list of texts (a list of dicts, in order).

    Each result is ``{"entities": [{type, text, start, end, score}], "events": [{type, trigger:
    {text, start, end, score}, arguments: [{role, text, start, end, score}]}]}``, and for every span
    ``text[start:end]`` of the input is the span's text. ``model`` is a directory written by
    ``arabic-news-tagger train`` or a hub repository holding one; None uses ``default_model_dir()``
    (``$ARABIC_NEWS_TAGGER_MODEL``, else ``~/.cache/arabic_news_tagger/models/default``). ``int8=True`` runs the model's
    int8 graphs with ONNX Runtime on the CPU (``pip install 'arabic-news-tagger[int8]'``), exported
    and quantised into ``MODEL/int8/`` on first use; see the README's benchmark for its speed and F1.
    ``decoding``: ``"viterbi"`` reads each sentence's most probable valid BIO tags, ``"argmax"`` each
    word's most probable tag (``model/decode.py``; the README's Scores compare them).

    Spans of times, durations and counts carry their ``value`` (docs/values.md), and each result its
    ``document_date``: ``document_date`` is the texts' publication date (a ``datetime.date`` or
    ``"YYYY-MM-DD"``, or a list with one per text, None where unknown), against which «أمس» or
    «الأحد الماضي» are read; without it, a dateline the text states is used.

    ``argument_min_score``: arguments whose score is under it are left out (None: the model's own
    default, its configuration's ``[model] argument_min_score``, 0 for a model that sets none).
    """
    items, single = check_texts(texts)
    dates = document_dates(document_date, len(items))
    check_decoding(decoding)
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size: expected a positive int, got {batch_size!r}")
    if model is not None and not isinstance(model, (str, Path)):
        raise TypeError(f"model: expected a directory path or hub id (str), got {type(model).__name__}")
    total = sum(len(t) for t in items)
    if total > max_characters:
        raise ValueError(f"texts: {total:,} characters exceed max_characters={max_characters:,} for one call; "
                         "split the input into several calls (or raise max_characters)")
    if argument_min_score is not None:
        check_argument_min_score(argument_min_score, "argument_min_score")
    docs = load_predictor(model, device, int8).predict_documents(items, batch_size=batch_size, arguments=arguments,
                                                                 decoding=decoding, argument_min_score=argument_min_score)
    results = [_with_values(d, date) for d, date in zip(docs, dates)]
    return results[0] if single else results


def _with_values(doc: Document, date) -> dict:
    return add_values({k: v for k, v in doc.to_dict().items() if k != "id"}, date, text=doc.text)


def predict_stream(texts: Iterable[str], model: str | Path | None = None, batch_size: int = DEFAULT_BATCH_SIZE, *, documents_per_chunk: int = 64,
                   device: str | None = None, int8: bool = False, decoding: str = "viterbi", document_date=None,
                   argument_min_score: float | None = None) -> Iterator[dict]:
    """Results one by one for an iterable of texts, a chunk at a time: memory does not grow with input.
    ``document_date``, ``argument_min_score``: as ``predict()``'s (one date for all texts or a list
    with one per text)."""
    check_decoding(decoding)
    if argument_min_score is not None:
        check_argument_min_score(argument_min_score, "argument_min_score")
    dates = stream_dates(document_date)
    tagger = load_predictor(model, device, int8)
    chunk: list[str] = []
    for text in texts:
        chunk.append(text)
        if len(chunk) == documents_per_chunk:
            yield from (_with_values(d, next(dates)) for d in tagger.predict_documents(
                chunk, batch_size, decoding=decoding, argument_min_score=argument_min_score))
            chunk = []
    if chunk:
        yield from (_with_values(d, next(dates)) for d in tagger.predict_documents(
            chunk, batch_size, decoding=decoding, argument_min_score=argument_min_score))
