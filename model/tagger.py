"""The tagger: one shared encoder, a BIO head per layer, and trigger-conditioned argument tagging.

Entities and triggers are tagged in one forward pass. For arguments, the sentence is encoded again
with the trigger's pieces marked (token type 1), and each word is classified from its own vector,
the trigger's vector and an embedding of the event type, so that two events in one sentence each get
their own arguments.

A saved model is a self-contained directory:

    tagger.json          labels, admitted roles, normalisation, window size, held-out documents, ...
    heads.safetensors    the heads
    encoder/             the fine-tuned encoder (Hugging Face format, safetensors) and its tokenizer
    argument_encoder/    only with ``separate_argument_encoder``: the argument tagger's own encoder
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

FORMAT_VERSION = 1
TAGGER_FILE = "tagger.json"
HEADS_FILE = "heads.safetensors"
ENCODER_DIR = "encoder"
ARGUMENT_ENCODER_DIR = "argument_encoder"


class ModelDirectoryError(OSError):
    """A model directory is missing, incomplete or inconsistent; the message names the file."""


@dataclass
class TaggerSpec:
    """Everything besides weights that a saved tagger needs to predict exactly as it was trained."""

    entity_labels: list[str]
    trigger_labels: list[str]
    argument_labels: list[str]
    event_types: list[str]
    admitted_roles: dict[str, list[str]]
    normalization: str = "arabertv02"
    max_length: int = 256
    backbone: str = ""
    held_out_documents: list[str] = field(default_factory=list)
    train_documents: list[str] = field(default_factory=list)
    training_config: dict = field(default_factory=dict)
    separate_argument_encoder: bool = False
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=2)

    @classmethod
    def from_file(cls, path: Path) -> "TaggerSpec":
        try:
            values = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelDirectoryError(f"{path.parent}: not a tagger directory (no {path.name}); train one with `arabic-news-tagger train`") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ModelDirectoryError(f"{path}: unreadable ({e}); the directory may be half-written") from None
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(values) - known)
        missing = sorted(k for k in ("entity_labels", "trigger_labels", "argument_labels", "event_types", "admitted_roles") if k not in values)
        if unknown or missing:
            raise ModelDirectoryError(f"{path}: unknown keys {unknown} / missing keys {missing}")
        if values.get("format_version") != FORMAT_VERSION:
            raise ModelDirectoryError(f"{path}: format_version {values.get('format_version')} is not {FORMAT_VERSION}")
        return cls(**values)


class EventTagger(nn.Module):
    def __init__(self, encoder: nn.Module, spec: TaggerSpec, dropout: float = 0.1, argument_encoder: nn.Module | None = None):
        super().__init__()
        self.encoder = encoder
        # Shared by default (one encoder, half the weights); a copy of its own where the spec asks.
        if spec.separate_argument_encoder and argument_encoder is None:
            import copy

            argument_encoder = copy.deepcopy(encoder)
        self.argument_encoder = argument_encoder
        self.spec = spec
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.entity_head = nn.Linear(hidden, len(spec.entity_labels))
        self.trigger_head = nn.Linear(hidden, len(spec.trigger_labels))
        self.event_type_embedding = nn.Embedding(len(spec.event_types), hidden)
        self.argument_head = nn.Sequential(
            nn.Linear(3 * hidden, hidden), nn.GELU(), nn.Linear(hidden, len(spec.argument_labels))
        )

    def head_state_dict(self) -> dict[str, torch.Tensor]:
        return {k: v for k, v in self.state_dict().items() if not k.startswith(("encoder.", "argument_encoder."))}

    def encode(self, input_ids, attention_mask, token_type_ids=None, encoder=None):
        out = (encoder or self.encoder)(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        return self.dropout(out.last_hidden_state)

    def tag(self, input_ids, attention_mask):
        """Entity and trigger logits, ``(batch, length, labels)`` each."""
        h = self.encode(input_ids, attention_mask)
        return self.entity_head(h), self.trigger_head(h)

    def arguments(self, input_ids, attention_mask, trigger_mask, event_type_ids):
        """Role logits for each position, given the trigger's pieces (``trigger_mask``) and type."""
        h = self.encode(input_ids, attention_mask, token_type_ids=trigger_mask.long(), encoder=self.argument_encoder)
        m = trigger_mask.unsqueeze(-1).to(h.dtype)
        trigger_vec = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        cond = trigger_vec + self.event_type_embedding(event_type_ids)
        cond = cond.unsqueeze(1).expand(-1, h.size(1), -1)
        return self.argument_head(torch.cat([h, cond, h * cond], dim=-1))


def save_tagger(model: EventTagger, tokenizer, directory: Path) -> None:
    """Write the tagger into ``directory`` (which the caller makes atomic)."""
    from safetensors.torch import save_file

    from .backbone import quiet_transformers

    quiet_transformers()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model.encoder.save_pretrained(directory / ENCODER_DIR, safe_serialization=True)
    if model.argument_encoder is not None:
        model.argument_encoder.save_pretrained(directory / ARGUMENT_ENCODER_DIR, safe_serialization=True)
    tokenizer.save_pretrained(directory / ENCODER_DIR)
    save_file({k: v.contiguous() for k, v in model.head_state_dict().items()}, str(directory / HEADS_FILE))
    (directory / TAGGER_FILE).write_text(model.spec.to_json(), encoding="utf-8")


def load_tagger(directory: str | Path, device: str | torch.device = "cpu"):
    """``(model, tokenizer)`` from a saved tagger directory, in eval mode on ``device``."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file
    from transformers import AutoModel, AutoTokenizer

    from .backbone import BackboneError, check_safetensors_only, quiet_transformers

    quiet_transformers()
    directory = Path(directory)
    if not directory.is_dir():
        raise ModelDirectoryError(f"{directory}: no such model directory")
    spec = TaggerSpec.from_file(directory / TAGGER_FILE)
    enc_dir = directory / ENCODER_DIR
    if not enc_dir.is_dir():
        raise ModelDirectoryError(f"{enc_dir}: missing; the model directory is incomplete")
    try:
        check_safetensors_only(enc_dir, "the model's encoder")
    except BackboneError as e:
        raise ModelDirectoryError(str(e)) from None
    if not (directory / HEADS_FILE).is_file():
        raise ModelDirectoryError(f"{directory / HEADS_FILE}: missing; the model directory is incomplete")
    try:
        encoder = AutoModel.from_pretrained(enc_dir, use_safetensors=True)
        argument_encoder = None
        if spec.separate_argument_encoder:
            check_safetensors_only(directory / ARGUMENT_ENCODER_DIR, "the model's argument encoder")
            argument_encoder = AutoModel.from_pretrained(directory / ARGUMENT_ENCODER_DIR, use_safetensors=True)
        tokenizer = AutoTokenizer.from_pretrained(enc_dir)
        heads = load_file(str(directory / HEADS_FILE))
    except (OSError, ValueError, SafetensorError) as e:
        raise ModelDirectoryError(f"{directory}: cannot read the weights ({e})") from None
    model = EventTagger(encoder, spec, dropout=0.0, argument_encoder=argument_encoder)
    expected = model.head_state_dict()
    for key, tensor in expected.items():
        if key not in heads:
            raise ModelDirectoryError(f"{directory / HEADS_FILE}: tensor {key} is missing")
        if heads[key].shape != tensor.shape:
            raise ModelDirectoryError(
                f"{directory / HEADS_FILE}: {key} has shape {tuple(heads[key].shape)} but {TAGGER_FILE}'s labels "
                f"need {tuple(tensor.shape)}: the label maps disagree with the weights"
            )
    model.load_state_dict(heads, strict=False)
    return model.to(device).eval(), tokenizer
