"""The tagger as a Hugging Face model: one shared encoder, a BIO head per layer, trigger-conditioned arguments.

``EventTaggerConfig`` / ``EventTaggerModel`` are a ``PretrainedConfig`` / ``PreTrainedModel`` pair
registered with ``AutoConfig`` and ``AutoModel`` when ``arabic_news_tagger`` is imported, so a trained
model directory is an ordinary Hugging Face directory::

    config.json          label maps, event types and their roles, normalisation (scheme and version),
                         window size, argument design, training and held-out documents, the encoder's config
    model.safetensors    every weight (encoder and heads)
    tokenizer.json ...   the encoder's tokenizer
    README.md            the model card

    >>> import arabic_news_tagger                      # registers the classes
    >>> from transformers import AutoModel
    >>> model = AutoModel.from_pretrained("runs/tiny")   # an EventTaggerModel

Entities and triggers come from one encoder pass. Arguments are tagged for one trigger at a time,
by one of three designs (``config.argument_design``), the first two optionally told each position's
distance to the trigger (``config.argument_distance``):

``"shared"``
    The tagging pass's hidden states are reused: a trigger marker and the event type are added to
    them and ``argument_layers`` small transformer layers (one by default) re-read the sentence from
    the trigger's point of view. An argument costs a fraction of an encoder pass.
``"top_layers"`` (default)
    The tagging pass's states before the encoder's top ``argument_layers`` layers are reused: a
    trigger marker is added to them and those (pretrained, fine-tuned) top layers run again. An
    argument costs ``argument_layers`` / (number of layers) of a pass.
``"reencode"``
    The sentence is encoded again with the trigger's pieces marked (token type 1): one whole encoder
    pass per trigger; the design of the first releases.

In both, each word's role is classified from its vector, the trigger's vector plus an embedding of
the event type, and their product.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers.configuration_utils import SubConfigSpec
from transformers.utils import ModelOutput

from .designs import ARGUMENT_DESIGNS, TRAINABLE_LAYERS, check_argument_design
from .normalize import NORMALIZATION_VERSION

MODEL_TYPE = "arabic-news-tagger"
#: Bumped when the meaning of a saved field changes; a directory of another version is refused.
FORMAT_VERSION = 2
IGNORE = -100  # positions that carry no label: special tokens, non-first pieces, unannotated layers


class ModelDirectoryError(OSError):
    """A model directory is missing, incomplete or inconsistent; the message names the file."""


class EventTaggerConfig(PretrainedConfig):
    """Everything besides weights that a saved tagger needs to predict exactly as it was trained."""

    model_type = MODEL_TYPE
    sub_configs_defaults = {"encoder": SubConfigSpec(config_class=AutoConfig, model_type="bert")}

    encoder: PretrainedConfig | dict | None = None
    entity_labels: list | None = None
    trigger_labels: list | None = None
    argument_labels: list | None = None
    event_types: list | None = None
    admitted_roles: dict | None = None
    normalization: str = "arabertv02"
    normalization_version: int = NORMALIZATION_VERSION
    max_length: int = 256
    backbone: str = ""
    argument_design: str = "top_layers"
    argument_layers: int = 2
    # top_layers and shared designs: each position's distance to the trigger (in pieces, signed,
    # bucketed by powers of two) is added to the states the argument layers read.
    argument_distance: bool = False
    classifier_dropout: float = 0.1
    argument_loss_weight: float = 1.0
    # The loss weight of an argument position labelled O (training only; see RunConfig's option).
    argument_outside_weight: float = 1.0
    held_out_documents: list | None = None
    train_documents: list | None = None
    training_config: dict | None = None
    # The layers the training data annotated: a layer absent here was never taught (a model trained
    # on an entity-only corpus predicts no triggers, and evaluate reports those layers as absent).
    trained_layers: list | None = None
    format_version: int = FORMAT_VERSION

    def __post_init__(self, **kwargs):
        for name in ("entity_labels", "trigger_labels", "argument_labels", "event_types", "held_out_documents", "train_documents"):
            if getattr(self, name) is None:
                setattr(self, name, [] if "documents" in name else ["O"] if "labels" in name else [])
        self.admitted_roles = self.admitted_roles or {}
        if self.trained_layers is None:
            self.trained_layers = list(TRAINABLE_LAYERS)
        unknown = sorted(set(self.trained_layers) - set(TRAINABLE_LAYERS))
        if unknown:
            raise ValueError(f"trained_layers: {unknown} are not layers (layers: {', '.join(TRAINABLE_LAYERS)})")
        self.training_config = self.training_config or {}
        check_argument_design(self.argument_design, self.argument_distance)
        super().__post_init__(**kwargs)


@dataclass
class EventTaggerOutput(ModelOutput):
    """What ``EventTaggerModel.forward`` returns; ``loss`` only when labels were given."""

    loss: torch.Tensor | None = None
    entity_logits: torch.Tensor | None = None
    trigger_logits: torch.Tensor | None = None
    argument_logits: torch.Tensor | None = None
    hidden_states: torch.Tensor | None = None


def masked_cross_entropy(logits: torch.Tensor, labels: torch.Tensor, allowed: torch.Tensor | None = None,
                         label_weights: torch.Tensor | None = None) -> torch.Tensor:
    """Mean cross-entropy over labelled positions, and 0 (not NaN) where a batch has none: rows
    from a corpus that does not annotate a layer carry ``IGNORE`` everywhere in it.

    ``allowed`` (bool, ``labels``' shape plus the label axis) gives positions a *set* of labels
    instead of one: a corpus with a coarser label set (ANERcorp's LOC is our GPE, LOC or FAC; its O
    may be a DATE or an OCC) only says the label is one of these. Such a position adds
    ``-log P(label in set)``, which is 0 whatever the model spreads inside the set, so the coarse
    corpus teaches what it knows and nothing it does not. Positions with an empty set add nothing.

    ``label_weights`` (one per label) scales each position's term by its gold label's weight; the
    sum is still divided by the number of positions, so weights under 1 lower the loss's scale too.
    """
    labels = labels.reshape(-1)
    flat = logits.reshape(labels.numel(), -1).float()
    weight = None if label_weights is None else label_weights.to(flat.device, flat.dtype)
    total = nn.functional.cross_entropy(flat, labels, weight=weight, ignore_index=IGNORE, reduction="sum")
    count = (labels != IGNORE).sum()
    if allowed is not None:
        allowed = allowed.reshape(labels.numel(), -1).bool()
        has = allowed.any(-1) & (labels == IGNORE)
        if bool(has.any()):
            log_p = flat[has].log_softmax(-1).masked_fill(~allowed[has], float("-inf"))
            total = total - torch.logsumexp(log_p, -1).sum()
            count = count + has.sum()
    return total / count.clamp(min=1)


class ArgumentLayer(nn.Module):
    """One post-norm transformer layer, written out: plain MatMul/Softmax, so that it exports to ONNX
    and quantises like the encoder (``nn.TransformerEncoderLayer``'s fused inference path does not)."""

    def __init__(self, hidden: int, heads: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.out = nn.Linear(hidden, hidden)
        self.norm1 = nn.LayerNorm(hidden)
        self.feed_forward = nn.Sequential(nn.Linear(hidden, 2 * hidden), nn.GELU(), nn.Linear(2 * hidden, hidden))
        self.norm2 = nn.LayerNorm(hidden)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        scores = q @ k.transpose(-1, -2) / (d // self.heads) ** 0.5
        scores = scores + (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -1e4
        context = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, n, d)
        x = self.norm1(x + self.dropout(self.out(context)))
        return self.norm2(x + self.dropout(self.feed_forward(x)))


class EventTaggerModel(PreTrainedModel):
    config_class = EventTaggerConfig
    base_model_prefix = "tagger"
    main_input_name = "input_ids"
    supports_gradient_checkpointing = False

    def __init__(self, config: EventTaggerConfig, encoder: nn.Module | None = None):
        super().__init__(config)
        self.encoder = encoder if encoder is not None else AutoModel.from_config(config.encoder, add_pooling_layer=False)
        hidden = config.encoder.hidden_size
        self.dropout = nn.Dropout(config.classifier_dropout)
        self.entity_head = nn.Linear(hidden, len(config.entity_labels))
        self.trigger_head = nn.Linear(hidden, len(config.trigger_labels))
        self.event_type_embedding = nn.Embedding(max(1, len(config.event_types)), hidden)
        if config.argument_design == "top_layers":
            if not 1 <= config.argument_layers <= config.encoder.num_hidden_layers:
                raise ValueError(f"argument_layers: {config.argument_layers} top layers to re-run, but the encoder has "
                                 f"{config.encoder.num_hidden_layers}")
            self.trigger_marker = nn.Embedding(2, hidden)
            nn.init.normal_(self.trigger_marker.weight, std=0.02)  # added to pretrained states: start small
        if config.argument_design == "shared":
            self.trigger_marker = nn.Embedding(2, hidden)
            heads = config.encoder.num_attention_heads
            self.argument_layers = nn.ModuleList([
                ArgumentLayer(hidden, heads, config.classifier_dropout) for _ in range(config.argument_layers)
            ])
        if config.argument_distance:
            self.trigger_distance = nn.Embedding(2 * DISTANCE_BUCKETS + 1, hidden)
            nn.init.normal_(self.trigger_distance.weight, std=0.02)
        self.argument_head = nn.Sequential(nn.Linear(3 * hidden, hidden), nn.GELU(), nn.Linear(hidden, len(config.argument_labels)))
        self.post_init()

    def _init_weights(self, module):
        # Heads keep PyTorch's default initialisation; the encoder's weights come from its backbone.
        pass

    # --- the passes ---------------------------------------------------------------------------

    def encode(self, input_ids, attention_mask, token_type_ids=None) -> torch.Tensor:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        return self.dropout(out.last_hidden_state)

    def _argument_label_weights(self, argument_logits: torch.Tensor) -> torch.Tensor | None:
        """The argument loss's weight per label: ``argument_outside_weight`` for O, 1 for the roles."""
        weight = float(self.config.argument_outside_weight)
        if weight == 1.0:
            return None  # the unweighted loss, bit for bit
        weights = torch.ones(argument_logits.size(-1))
        weights[self.config.argument_labels.index("O")] = weight
        return weights

    def tag(self, input_ids, attention_mask):
        """``(entity logits, trigger logits, states for the arguments)``, each ``(batch, length, ...)``.

        The states are the last hidden states, or for the top_layers design those entering the top
        ``argument_layers`` layers.
        """
        if self.config.argument_design != "top_layers":
            h = self.encode(input_ids, attention_mask)
            return self.entity_head(h), self.trigger_head(h), h
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        h = self.dropout(out.last_hidden_state)
        return self.entity_head(h), self.trigger_head(h), out.hidden_states[-1 - self.config.argument_layers]

    def arguments(self, hidden, input_ids, attention_mask, trigger_mask, event_type_ids, wanted=None):
        """Role logits for each position of each trigger's window, ``(triggers, length, roles)``.

        ``hidden`` are the tagging pass's states of those windows (used by the shared design);
        ``input_ids`` are used by the reencode design. Either may be None where unused.
        ``wanted`` (triggers, length; bool), optional: the positions whose logits are read (each word's
        first piece). The top_layers design then runs its last layer's queries and feed-forward block,
        and the head, only there (and at the trigger's pieces): the same logits at those positions;
        the others are not to be read. (It saves about a tenth of the argument pass on the articles.)
        """
        if wanted is not None and self.config.argument_design == "top_layers":
            index = kept_positions(wanted.bool() | trigger_mask.bool())
            return spread_positions(self.arguments_at(hidden, attention_mask, trigger_mask, event_type_ids, index),
                                    index, trigger_mask.size(1))
        return self._role_logits(hidden, input_ids, attention_mask, trigger_mask, event_type_ids)

    def arguments_at(self, hidden, attention_mask, trigger_mask, event_type_ids, index):
        """The top_layers design's role logits at positions ``index`` (triggers, K) only, ``(triggers,
        K, roles)``; ``index`` must hold the trigger's pieces (``kept_positions`` makes one). The int8
        graph of this design is exported from this, with ``index`` as an input."""
        return self._role_logits(hidden, None, attention_mask, trigger_mask, event_type_ids, index)

    def _role_logits(self, hidden, input_ids, attention_mask, trigger_mask, event_type_ids, index=None):
        trigger_mask = trigger_mask.long()
        type_vec = self.event_type_embedding(event_type_ids)
        if self.config.argument_design == "reencode":
            h = self.encode(input_ids, attention_mask, token_type_ids=trigger_mask)
        elif self.config.argument_design == "top_layers":
            h = self.rerun_top_layers(self._marked(hidden, trigger_mask), attention_mask, index)
        else:
            h = self._marked(hidden, trigger_mask) + type_vec.unsqueeze(1)
            for layer in self.argument_layers:
                h = layer(h, attention_mask)
        positions_mask = trigger_mask if index is None else trigger_mask.gather(1, index)
        m = positions_mask.unsqueeze(-1).to(h.dtype)
        trigger_vec = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        cond = (trigger_vec + type_vec).unsqueeze(1).expand(-1, h.size(1), -1)
        return self.argument_head(torch.cat([h, cond, h * cond], dim=-1))

    def _marked(self, hidden: torch.Tensor, trigger_mask: torch.Tensor) -> torch.Tensor:
        """The kept states with the trigger marked (and, with ``argument_distance``, every position's distance to it)."""
        h = hidden + self.trigger_marker(trigger_mask)
        if self.config.argument_distance:
            h = h + self.trigger_distance(distance_buckets(trigger_mask))
        return h

    def rerun_top_layers(self, h: torch.Tensor, attention_mask: torch.Tensor, index: torch.Tensor | None = None) -> torch.Tensor:
        """The encoder's top ``argument_layers`` layers over states ``h``; with ``index`` (batch, K),
        the last layer's output only at those positions, ``(batch, K, hidden)``."""
        from transformers.masking_utils import create_bidirectional_mask

        layers = getattr(getattr(self.encoder, "encoder", None), "layer", None)
        if layers is None:
            raise ValueError(f"argument_design 'top_layers' needs a BERT-style encoder (encoder.encoder.layer); "
                             f"{type(self.encoder).__name__} has none: use 'shared' or 'reencode'")
        mask = create_bidirectional_mask(config=self.encoder.config, inputs_embeds=h, attention_mask=attention_mask)
        top = list(layers[len(layers) - self.config.argument_layers:])
        if index is not None and not self.training and _bert_layer(top[-1]):
            for layer in top[:-1]:
                h = layer(h, attention_mask=mask)
            return _bert_layer_at(top[-1], h, attention_mask, index)
        for layer in top:
            h = layer(h, attention_mask=mask)
        h = self.dropout(h)
        return h if index is None else h.gather(1, index.unsqueeze(-1).expand(-1, -1, h.size(-1)))

    def forward(self, input_ids, attention_mask=None, entity_labels=None, trigger_labels=None, argument_rows=None,
                trigger_mask=None, event_type_ids=None, argument_labels=None, entity_allowed=None, **kwargs) -> EventTaggerOutput:
        """Logits of every layer, and the summed loss of the layers whose labels are given.

        Arguments are tagged for the triggers given by ``trigger_mask`` / ``event_type_ids`` (one row
        each), whose windows are rows ``argument_rows`` of the batch (default: row i for trigger i).
        ``entity_allowed`` (batch, length, entity labels; bool) gives positions whose entity label is
        only known as a set (a coarser corpus), see ``masked_cross_entropy``.
        """
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        entity_logits, trigger_logits, hidden = self.tag(input_ids, attention_mask)
        argument_logits = None
        if trigger_mask is not None and trigger_mask.size(0) > 0:
            rows = argument_rows if argument_rows is not None else torch.arange(trigger_mask.size(0), device=input_ids.device)
            argument_logits = self.arguments(hidden[rows], input_ids[rows], attention_mask[rows], trigger_mask, event_type_ids)
        loss = None
        if entity_labels is not None or trigger_labels is not None or argument_labels is not None:
            loss = hidden.new_zeros((), dtype=torch.float32)
            if entity_labels is not None:
                loss = loss + masked_cross_entropy(entity_logits, entity_labels, entity_allowed)
            if trigger_labels is not None:
                loss = loss + masked_cross_entropy(trigger_logits, trigger_labels)
            if argument_labels is not None and argument_logits is not None:
                loss = loss + self.config.argument_loss_weight * masked_cross_entropy(
                    argument_logits, argument_labels, label_weights=self._argument_label_weights(argument_logits))
        return EventTaggerOutput(loss=loss, entity_logits=entity_logits, trigger_logits=trigger_logits,
                                 argument_logits=argument_logits, hidden_states=hidden)


# --- where a position lies from the trigger ------------------------------------------------------

#: Distance buckets on each side of the trigger: 1, 2-3, 4-7, 8-15, 16-31, 32 pieces and more.
DISTANCE_BUCKETS = 6


def distance_buckets(trigger_mask: torch.Tensor) -> torch.Tensor:
    """Each position's signed distance in pieces to the nearest end of its row's trigger (0 on the
    trigger), bucketed by powers of two: ``(batch, length)`` ids in ``0 .. 2 * DISTANCE_BUCKETS``,
    ``DISTANCE_BUCKETS`` on the trigger, lower before it, higher after it.

    Only elementwise operations and reductions, so that it traces into the int8 graph for any length.
    """
    marked = trigger_mask.bool()
    position = torch.cumsum(torch.ones_like(trigger_mask, dtype=torch.long), 1) - 1
    first = torch.where(marked, position, torch.full_like(position, 1 << 30)).min(1, keepdim=True).values
    last = torch.where(marked, position, torch.full_like(position, -1)).max(1, keepdim=True).values
    zero = torch.zeros_like(position)
    signed = torch.where(position < first, position - first, torch.where(position > last, position - last, zero))
    size = torch.floor(torch.log2(signed.abs().clamp(min=1).float())).long() + 1
    size = torch.where(signed == 0, zero, size.clamp(max=DISTANCE_BUCKETS))
    return torch.sign(signed) * size + DISTANCE_BUCKETS


# --- the top_layers design's last layer, at the positions that are read -------------------------


def kept_positions(keep: torch.Tensor) -> torch.Tensor:
    """(batch, K) positions: each row's kept positions in order, then (where a row keeps fewer than
    the longest) some of its other positions, computed like any other and simply not read."""
    k = int(keep.sum(1).max().item()) if keep.numel() else 0
    order = torch.sort((~keep).to(torch.int8), dim=1, stable=True).indices
    return order[:, :max(k, 1)]


def spread_positions(values: torch.Tensor, index: torch.Tensor, length: int) -> torch.Tensor:
    """``values`` (batch, K, n) computed at positions ``index`` (batch, K), put back at those positions
    of a (batch, length, n) tensor; the positions not computed hold 0."""
    full = values.new_zeros((values.size(0), length, values.size(-1)))
    return full.scatter(1, index.unsqueeze(-1).expand(-1, -1, values.size(-1)), values)


def _bert_layer(layer: nn.Module) -> bool:
    attention = getattr(getattr(layer, "attention", None), "self", None)
    return (all(hasattr(attention, name) for name in ("query", "key", "value", "num_attention_heads", "attention_head_size", "scaling"))
            and hasattr(layer.attention, "output") and hasattr(layer, "feed_forward_chunk")
            and not getattr(layer, "is_decoder", False))


def _bert_layer_at(layer: nn.Module, h: torch.Tensor, attention_mask: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """A BERT layer's output at positions ``index`` only (inference): queries, the attention output
    and the feed-forward block there; keys and values over the whole window, so each kept position
    gets the value the whole layer would give it (tests/test_hf_model.py checks this)."""
    att = layer.attention.self
    (batch, length, hidden), kept = h.shape, index.size(1)
    heads, size = att.num_attention_heads, att.attention_head_size
    h_kept = h.gather(1, index.unsqueeze(-1).expand(-1, -1, hidden))
    q = att.query(h_kept).view(batch, kept, heads, size).transpose(1, 2)
    k = att.key(h).view(batch, length, heads, size).transpose(1, 2)
    v = att.value(h).view(batch, length, heads, size).transpose(1, 2)
    keys = attention_mask.bool()[:, None, None, :]
    context = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=keys, scale=att.scaling)
    context = context.transpose(1, 2).reshape(batch, kept, heads * size)
    return layer.feed_forward_chunk(layer.attention.output(context, h_kept))


AutoConfig.register(MODEL_TYPE, EventTaggerConfig, exist_ok=True)
AutoModel.register(EventTaggerConfig, EventTaggerModel, exist_ok=True)


# --- saving and loading ------------------------------------------------------------------------


def save_tagger(model: EventTaggerModel, tokenizer, directory: Path) -> None:
    """Write the tagger into ``directory`` (which the caller makes atomic)."""
    from .backbones import quiet_transformers

    quiet_transformers()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory, safe_serialization=True)
    tokenizer.save_pretrained(directory)


def read_config(directory: str | Path) -> EventTaggerConfig:
    """The tagger configuration of a model directory, checked; errors name the file."""
    import json

    directory = Path(directory)
    path = directory / "config.json"
    if not directory.is_dir():
        raise ModelDirectoryError(f"{directory}: no such model directory")
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelDirectoryError(f"{directory}: not a tagger directory (no config.json); train one with `arabic-news-tagger train`") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ModelDirectoryError(f"{path}: unreadable ({e}); the directory may be half-written") from None
    if values.get("model_type") != MODEL_TYPE:
        raise ModelDirectoryError(f"{path}: model_type {values.get('model_type')!r} is not {MODEL_TYPE!r}: not a tagger "
                                  "directory (a backbone, or an exported token-classification model?)")
    if values.get("format_version") != FORMAT_VERSION:
        raise ModelDirectoryError(f"{path}: format_version {values.get('format_version')} is not {FORMAT_VERSION}; "
                                  "retrain the model with this version")
    if values.get("normalization_version") != NORMALIZATION_VERSION:
        raise ModelDirectoryError(
            f"{path}: the model was trained with normalisation version {values.get('normalization_version')}, this "
            f"package applies version {NORMALIZATION_VERSION}: its input would differ from what it learnt; retrain it, "
            "or install the package version it was trained with")
    try:
        return EventTaggerConfig.from_dict(values)  # the file is read once, above
    except (ValueError, TypeError, KeyError) as e:
        raise ModelDirectoryError(f"{path}: invalid ({e})") from None


def load_tagger(directory: str | Path, device: str | torch.device = "cpu"):
    """``(model, tokenizer)`` from a saved tagger directory, in eval mode on ``device``."""
    from safetensors import SafetensorError
    from transformers import AutoTokenizer

    from .backbones import BackboneError, check_safetensors_only, quiet_transformers

    quiet_transformers()
    directory = Path(directory)
    config = read_config(directory)
    try:
        check_safetensors_only(directory, "the model")
    except BackboneError as e:
        raise ModelDirectoryError(str(e)) from None
    if not (directory / "model.safetensors").is_file():
        raise ModelDirectoryError(f"{directory / 'model.safetensors'}: missing; the model directory is incomplete")
    try:
        model, info = EventTaggerModel.from_pretrained(directory, config=config, use_safetensors=True, output_loading_info=True,
                                                       ignore_mismatched_sizes=True)  # reported below, by name
        tokenizer = AutoTokenizer.from_pretrained(directory)
    except (OSError, ValueError, RuntimeError, SafetensorError) as e:
        raise ModelDirectoryError(f"{directory}: cannot read the weights ({e})") from None
    missing = [k for k in info.get("missing_keys", []) if ".pooler." not in k]
    mismatched = info.get("mismatched_keys", [])
    if missing or mismatched:
        raise ModelDirectoryError(f"{directory / 'model.safetensors'}: weights do not fit config.json "
                                  f"(missing {missing[:5]}, wrong shape {[m[0] for m in mismatched][:5]})")
    return model.to(device).eval(), tokenizer
