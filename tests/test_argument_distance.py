"""``argument_distance``: the argument layers are told how far each position lies from the trigger.

A user who re-runs only the encoder's top layer per trigger (the fast design) gives those layers what
twelve layers of a whole re-encoding would work out for themselves: which words are near the trigger
and on which side. The distance is derived from the trigger mask alone, so predict(), training and
the int8 graph need no new input.
"""

from __future__ import annotations

import pytest
import torch

from arabic_news_tagger.model.tagger import DISTANCE_BUCKETS, EventTaggerConfig, EventTaggerModel, distance_buckets


def _model(**fields) -> EventTaggerModel:
    from transformers import BertConfig

    torch.manual_seed(0)
    encoder = BertConfig(vocab_size=50, hidden_size=32, num_hidden_layers=3, num_attention_heads=4, intermediate_size=64)
    return EventTaggerModel(EventTaggerConfig(encoder=encoder, argument_labels=["O", "B-Time", "I-Time", "B-Place", "I-Place"],
                                              event_types=["CALL", "MEET"], **fields)).eval()


def test_positions_are_bucketed_by_side_and_by_powers_of_two_from_the_trigger():
    mask = torch.zeros(1, 45, dtype=torch.long)
    mask[0, 5:7] = 1  # a trigger of two pieces
    buckets = distance_buckets(mask)[0].tolist()
    on = DISTANCE_BUCKETS
    assert buckets[5] == buckets[6] == on                       # the trigger itself
    assert buckets[4] == on - 1 and buckets[7] == on + 1        # right beside it, before and after
    assert buckets[3] == buckets[2] == on - 2                   # 2-3 pieces before
    assert buckets[1] == buckets[0] == on - 3                   # 4-5 pieces before
    assert buckets[8] == buckets[9] == on + 2 and buckets[10] == on + 3
    assert buckets[6 + 31] == on + 5 and buckets[6 + 32] == buckets[44] == 2 * on  # 32 and more: the last bucket


def test_every_row_is_measured_from_its_own_trigger():
    mask = torch.zeros(2, 6, dtype=torch.long)
    mask[0, 0], mask[1, 5] = 1, 1
    buckets = distance_buckets(mask)
    assert buckets[0].tolist() == [6, 7, 8, 8, 9, 9]
    assert buckets[1].tolist() == [3, 3, 4, 4, 5, 6]


@pytest.mark.parametrize("design", ["top_layers", "shared"])
def test_the_distance_changes_the_argument_logits_and_starts_small(design):
    """An untrained distance embedding is small (added to pretrained states), yet it is used."""
    plain = _model(argument_design=design, argument_layers=1)
    distance = _model(argument_design=design, argument_layers=1, argument_distance=True)
    distance.load_state_dict(plain.state_dict(), strict=False)
    assert distance.trigger_distance.weight.std() < 0.05
    ids = torch.randint(5, 50, (1, 12))
    mask, tmask = torch.ones_like(ids), torch.zeros_like(ids)
    tmask[0, 4] = 1
    with torch.no_grad():
        hidden = plain.tag(ids, mask)[2]
        a = plain.arguments(hidden, ids, mask, tmask, torch.tensor([0]))
        b = distance.arguments(hidden, ids, mask, tmask, torch.tensor([0]))
    assert not torch.allclose(a, b)


@pytest.mark.parametrize("argument_layers", [1, 2])
def test_with_the_distance_the_first_pieces_alone_still_get_the_whole_pass_logits(argument_layers):
    model = _model(argument_layers=argument_layers, argument_distance=True)
    ids = torch.randint(5, 50, (2, 9))
    mask = torch.ones_like(ids)
    mask[1, 6:] = 0
    tmask = torch.zeros_like(ids)
    tmask[0, 2:4], tmask[1, 5] = 1, 1
    wanted = torch.zeros_like(ids, dtype=torch.bool)
    wanted[0, [1, 2, 5, 7]], wanted[1, [1, 3, 4]] = True, True
    types = torch.tensor([0, 1])
    with torch.no_grad():
        hidden = model.tag(ids, mask)[2]
        whole = model.arguments(hidden, ids, mask, tmask, types)
        kept = model.arguments(hidden, ids, mask, tmask, types, wanted=wanted)
    assert torch.allclose(kept[wanted], whole[wanted], atol=1e-5)


def test_the_int8_argument_graph_computes_the_distance_for_any_window_length(tmp_path):
    """Traced on one length and checked on another by build_int8 (it refuses a graph that differs)."""
    pytest.importorskip("onnxruntime")
    from arabic_news_tagger.model.int8 import build_int8

    model = _model(argument_layers=1, argument_distance=True)
    with torch.no_grad():
        model.trigger_distance.weight.normal_(std=1.0)  # large enough that a wrong bucket shows
    assert (build_int8(model, tmp_path / "int8", {"model.safetensors": "test"}, log=lambda m: None) / "arguments.onnx").is_file()


def test_reencode_has_no_distance_to_add(tmp_path, repo_root):
    from arabic_news_tagger.train.config import ConfigError, load_config

    # One rule, one message, whether a saved model's configuration or a run's configuration breaks it.
    with pytest.raises(ValueError, match="argument_distance: only for the 'top_layers' and 'shared' designs"):
        EventTaggerConfig(argument_design="reencode", argument_distance=True)
    text = (repo_root / "configs" / "tiny.toml").read_text(encoding="utf-8")
    path = tmp_path / "bad.toml"
    path.write_text(text.replace("[model]", '[model]\nargument_design = "reencode"\nargument_distance = true', 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.toml:model.argument_distance: only for the 'top_layers' and 'shared'"):
        load_config(path)
