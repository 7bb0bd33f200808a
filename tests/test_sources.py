"""Several sources in one run: brat documents (every layer) beside public CoNLL corpora (entities
only), each with a sampling weight; a coarser corpus trains on the label sets its tags allow, and a
sentence never annotated for events teaches no trigger or argument."""

from __future__ import annotations

import copy
import json
import math

import pytest
import torch

from arabic_news_tagger.data.conll import coarse_label_sets, mapped_source_lines, read_conll, source_labels
from arabic_news_tagger.data.schema import load_schema
from arabic_news_tagger.model.tagger import IGNORE, masked_cross_entropy
from arabic_news_tagger.train.config import ConfigError, SourceConfig, config_from_dict, load_config, resolve_sources
from arabic_news_tagger.train.examples import Example, build_examples, collate
from arabic_news_tagger.train.trainer import EpochBatchSampler



def write(tmp_path, text: str):
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- configuration ---------------------------------------------------------------------------

def test_a_configuration_lists_its_sources_with_weights(tmp_path):
    config = load_config(write(tmp_path, """
[[data.sources]]
path = "data"
weight = 3.0
[[data.sources]]
format = "conll"
corpus = "anercorp"
weight = 0.5
"""))
    brat, conll = resolve_sources(config.data)
    assert (brat.format, brat.path, brat.weight) == ("brat", "data", 3.0)
    # An evaluation split the user did not name is the corpus's dev (val for Wojood).
    assert (conll.corpus, conll.train_split, conll.eval_split, conll.coarse_labels) == ("anercorp", "train", "dev", "partial")


def test_the_one_source_shorthand_still_means_what_it_meant():
    data = config_from_dict({"data": {"corpus_dir": "data", "extra_corpus_dirs": ["data/anercorp"]}}).data
    assert [(s.format, s.path, s.weight) for s in resolve_sources(data)] == [("brat", "data", 1.0), ("brat", "data/anercorp", 1.0)]
    data = config_from_dict({"data": {"format": "conll", "conll_corpus": "wojood"}}).data
    assert [(s.corpus, s.eval_split) for s in resolve_sources(data)] == [("wojood", "val")]


@pytest.mark.parametrize("source,fragment", [
    ('format = "conll"\ncorpus = "conll2003"', "data.sources[0].corpus: 'conll2003' is not one of"),
    ('path = "data"\nweight = 0', "data.sources[0].weight: 0.0 must be above 0"),
    ('path = "data"\nwieght = 2', "data.sources[0]: unknown key(s) 'wieght'"),
    ('format = "conll"\ncorpus = "aqmar"\ncoarse_labels = "merge"', "data.sources[0].coarse_labels: 'merge'"),
    ('format = "conll"\ncorpus = "aqmar"\npath = "x"', "a conll source is named by corpus"),
    ('format = "brat"', "data.sources[0].path: a brat source needs the directory"),
    ('path = "data"\nweight = "2"', "data.sources[0].weight: expected float, got str"),
    ('path = "data"\nlayers = ["events"]', "data.sources[0].layers[0]: 'events' is not one of 'entities', 'triggers'"),
    ('path = "data"\nlayers = ["triggers", "triggers"]', "data.sources[0].layers[1]: 'triggers' is listed twice"),
    ('path = "data"\nlayers = "triggers"', "data.sources[0].layers: expected a list"),
    ('format = "conll"\ncorpus = "aqmar"\nlayers = ["entities", "triggers"]',
     "data.sources[0].layers[1]: a conll corpus is annotated for entities only, not triggers"),
])
def test_a_wrong_source_is_named_with_its_key(tmp_path, source, fragment):
    with pytest.raises(ConfigError, match="c.toml") as e:
        load_config(write(tmp_path, f"[[data.sources]]\n{source}\n"))
    assert fragment in str(e.value)


def test_sources_are_a_list_of_tables_not_one_table(tmp_path):
    with pytest.raises(ConfigError, match=r"data.sources: expected a list of tables"):
        load_config(write(tmp_path, '[data.sources]\npath = "data"\n'))


def test_sources_and_the_shorthand_do_not_mix(tmp_path):
    with pytest.raises(ConfigError, match="extra_corpus_dirs and format = 'conll' are the one-source shorthand"):
        load_config(write(tmp_path, '[data]\nextra_corpus_dirs = ["x"]\n[[data.sources]]\npath = "data"\n'))


# --- partial labels --------------------------------------------------------------------------

def test_a_coarse_tag_allows_the_labels_it_may_be(repo_root):
    labels = load_schema(repo_root / "data").label_list("entities")
    sets = dict(zip(source_labels("anercorp"), coarse_label_sets("anercorp", labels)))
    named = {tag: {labels[i] for i in ids} for tag, ids in sets.items()}
    assert named["B-PERS"] == {"B-PERS"} and named["I-ORG"] == {"I-ORG"}
    # ANERcorp's LOC covers countries, cities and places: our GPE, LOC or FAC.
    assert named["B-LOC"] == {"B-GPE", "B-LOC", "B-FAC"}
    # Its O (and MISC) may be any type it does not annotate: a date, a title, a nationality...
    assert named["O"] == named["B-MISC"]
    assert {"O", "B-DATE", "I-DATE", "B-OCC", "B-NORP", "B-CARDINAL"} <= named["O"]
    assert not named["O"] & {"B-PERS", "I-PERS", "B-ORG", "B-GPE", "I-GPE", "B-LOC", "B-FAC"}
    # 21 types: 5 covered (PERS ORG GPE LOC FAC), 16 free, each with B- and I-, plus O.
    assert len(named["O"]) == 16 * 2 + 1


def test_the_partial_loss_by_hand():
    # One position, three labels with logits log 1, log 2, log 3: softmax (1/6, 2/6, 3/6).
    logits = torch.log(torch.tensor([[[1.0, 2.0, 3.0]]]))
    ignore = torch.full((1, 1), IGNORE)
    one_label = masked_cross_entropy(logits, torch.tensor([[2]]))
    assert one_label.item() == pytest.approx(-math.log(3 / 6), abs=1e-6)
    # Allowed {1, 2}: -log(2/6 + 3/6) = -log(5/6).
    allowed = torch.tensor([[[False, True, True]]])
    assert masked_cross_entropy(logits, ignore, allowed).item() == pytest.approx(-math.log(5 / 6), abs=1e-6)
    # Everything allowed: the position teaches nothing (loss 0), and no set at all counts nowhere.
    assert masked_cross_entropy(logits, ignore, torch.ones(1, 1, 3, dtype=torch.bool)).item() == pytest.approx(0.0, abs=1e-6)
    assert masked_cross_entropy(logits, ignore, torch.zeros(1, 1, 3, dtype=torch.bool)).item() == 0.0
    # A labelled and a set position average: (-log 3/6 - log 5/6) / 2.
    both = masked_cross_entropy(logits.expand(1, 2, 3), torch.tensor([[2, IGNORE]]),
                                torch.tensor([[[False, False, False], [False, True, True]]]))
    assert both.item() == pytest.approx((-math.log(3 / 6) - math.log(5 / 6)) / 2, abs=1e-6)


def test_an_outside_weight_makes_a_missed_role_cost_more_than_a_false_alarm():
    # Two positions, labels O (0) and a role (1); both predicted at probability 1/2.
    logits = torch.zeros(1, 2, 2)
    labels = torch.tensor([[0, 1]])
    plain = masked_cross_entropy(logits, labels)
    weighted = masked_cross_entropy(logits, labels, label_weights=torch.tensor([0.3, 1.0]))
    assert plain.item() == pytest.approx(math.log(2), abs=1e-6)
    # The O term is scaled by 0.3, the role term kept; the sum is still divided by the 2 positions.
    assert weighted.item() == pytest.approx((0.3 + 1.0) * math.log(2) / 2, abs=1e-6)
    # A wrong O costs little, a wrong role the full amount.
    confident_role = torch.log(torch.tensor([[[0.1, 0.9]]]))
    assert masked_cross_entropy(confident_role, torch.tensor([[0]]), label_weights=torch.tensor([0.3, 1.0])).item() \
        == pytest.approx(-0.3 * math.log(0.1) / 1, abs=1e-6)


def test_the_partial_loss_does_not_care_how_probability_is_shared_inside_the_set():
    allowed = torch.tensor([[[False, True, True]]])
    a = masked_cross_entropy(torch.log(torch.tensor([[[1.0, 4.0, 1.0]]])), torch.full((1, 1), IGNORE), allowed)
    b = masked_cross_entropy(torch.log(torch.tensor([[[1.0, 1.0, 4.0]]])), torch.full((1, 1), IGNORE), allowed)
    assert a.item() == pytest.approx(b.item(), abs=1e-6)


# --- examples --------------------------------------------------------------------------------

class Pieces:
    """A tokenizer stand-in ([CLS] 1, [SEP] 2); word_pieces is replaced: one piece per word."""

    cls_token_id, sep_token_id, pad_token_id = 1, 2, 0


def test_sentences_without_event_annotation_teach_no_trigger(monkeypatch):
    import arabic_news_tagger.train.examples as features

    monkeypatch.setattr(features, "word_pieces", lambda tok, sents, norm: [[[10 + i] for i in range(len(s))] for s in sents])
    row = {"document_id": "d", "sentence_id": 0, "words": ["a", "b", "c"], "entity_tags": [1, 0, 0], "trigger_tags": [0, 3, 0]}
    annotated, = build_examples([row], [], Pieces(), "none", 16)
    assert annotated.trigger_labels == [IGNORE, 0, 3, 0, IGNORE]
    unannotated, = build_examples([row], [], Pieces(), "none", 16, layers=["entities"])
    assert unannotated.trigger_labels == [IGNORE] * 5
    assert unannotated.entity_labels == [IGNORE, 1, 0, 0, IGNORE]
    # A coarser corpus: tag 1 allows labels {4, 5}, tag 0 allows {0, 7}.
    coarse, = build_examples([row], [], Pieces(), "none", 16, layers=["entities"], entity_label_sets=[(0, 7), (4, 5)])
    assert coarse.entity_labels == [IGNORE] * 5
    assert coarse.entity_allowed == [None, (4, 5), (0, 7), (0, 7), None]
    batch = collate([coarse, annotated], pad_id=0, n_entity_labels=8)
    assert batch["entity_allowed"].shape == (2, 5, 8)
    assert batch["entity_allowed"][0, 1].nonzero().flatten().tolist() == [4, 5]
    assert not batch["entity_allowed"][1].any()  # the fully labelled example uses entity_labels
    assert "entity_allowed" not in collate([annotated], pad_id=0)


def test_a_source_may_teach_only_some_layers(monkeypatch):
    import arabic_news_tagger.train.examples as features

    monkeypatch.setattr(features, "word_pieces", lambda tok, sents, norm: [[[10 + i] for i in range(len(s))] for s in sents])
    row = {"document_id": "d", "sentence_id": 0, "words": ["a", "b", "c"], "entity_tags": [1, 0, 0], "trigger_tags": [0, 3, 0]}
    argument = {"document_id": "d", "sentence_id": 0, "trigger_word_start": 1, "trigger_word_end": 2,
                "event_type": 2, "argument_tags": [5, 0, 0]}
    every, = build_examples([row], [argument], Pieces(), "none", 16)
    assert every.entity_labels == [IGNORE, 1, 0, 0, IGNORE] and len(every.arguments) == 1
    events, = build_examples([row], [argument], Pieces(), "none", 16, layers=["triggers", "arguments"])
    assert events.entity_labels == [IGNORE] * 5 and events.entity_allowed is None
    assert events.trigger_labels == every.trigger_labels
    assert [a.labels for a in events.arguments] == [a.labels for a in every.arguments] == [[IGNORE, 5, 0, 0, IGNORE]]
    entities, = build_examples([row], [argument], Pieces(), "none", 16, layers=["entities"])
    assert entities.entity_labels == every.entity_labels
    assert entities.trigger_labels == [IGNORE] * 5 and entities.arguments == []
    # A batch of such examples adds nothing to the entity loss (0, not NaN).
    assert masked_cross_entropy(torch.randn(1, 5, 3), torch.tensor([events.entity_labels])).item() == 0.0


def test_a_directory_listed_twice_passes_over_its_events_more_often_than_its_entities(repo_root, tmp_path):
    from arabic_news_tagger.train.sources import load_sources

    config = load_config(write(tmp_path, f"""
[data]
corpus_dir = "{repo_root / 'data'}"
held_out_documents = ["004"]
[[data.sources]]
path = "{repo_root / 'data'}"
weight = 4.0
[[data.sources]]
path = "{repo_root / 'data'}"
weight = 2.0
layers = ["triggers", "arguments"]
"""))
    data = load_sources(config)
    assert [s.name for s in data.sources] == [str(repo_root / "data"), f"{repo_root / 'data'} [triggers, arguments]"]
    assert [s.layers for s in data.sources] == [["entities", "triggers", "arguments"], ["triggers", "arguments"]]
    assert len(data.train_documents) == 4 == len(set(data.train_documents)), "each document once in the model's card"
    assert data.trained_layers == ["entities", "triggers", "arguments"]


def test_a_model_trained_before_an_option_existed_is_still_this_configuration(repo_root):
    from arabic_news_tagger.train.config import same_configuration

    config = load_config(repo_root / "configs" / "experiments" / "news-e5-small-recall.toml")
    saved = copy.deepcopy(config.to_dict())
    for source in saved["data"]["sources"]:
        del source["layers"]  # an option added since, at its default
    assert same_configuration(saved, config)
    saved["data"]["sources"][0]["weight"] = 5.0
    assert not same_configuration(saved, config), "a changed value is another run"
    renamed = copy.deepcopy(config.to_dict())
    renamed["training"]["an_option_since_removed"] = 1
    assert not same_configuration(renamed, config)


# --- sampling --------------------------------------------------------------------------------

def test_weights_decide_how_often_a_source_is_seen_each_epoch():
    # Source A: 10 examples at weight 2; source B: 40 at weight 0.25 (10 a draw).
    sampler = EpochBatchSampler([(0, 10, 2.0), (10, 50, 0.25)], batch_size=4, seed=1)
    for epoch in range(3):
        sampler.set_epoch(epoch)
        batches = sampler.batches()
        flat = [i for b in batches for i in b]
        assert sum(i < 10 for i in flat) == 20 and sum(i >= 10 for i in flat) == 10
        assert all(flat.count(i) == 2 for i in range(10))  # each of A's twice
        assert len(batches) == len(sampler) == 5 + 3
        assert all(all(i < 10 for i in b) or all(i >= 10 for i in b) for b in batches)  # one source a batch
    sampler.set_epoch(0)
    first = sampler.batches()
    sampler.set_epoch(1)
    assert sampler.batches() != first
    sampler.set_epoch(0)
    assert sampler.batches() == first  # a resumed run repeats the epoch


def test_one_source_keeps_the_order_it_had_before_sources():
    import random

    sampler = EpochBatchSampler(10, batch_size=3, seed=5)
    idx = list(range(10))
    random.Random(5 * 100_003 + 0).shuffle(idx)
    assert sampler.batches() == [idx[0:3], idx[3:6], idx[6:9], idx[9:10]]


def test_grouping_by_length_puts_similar_windows_together():
    lengths = [5, 50, 6, 51, 7, 52, 8, 53]
    sampler = EpochBatchSampler(8, batch_size=2, seed=3, lengths=lengths)
    batches = sampler.batches()
    assert sorted(i for b in batches for i in b) == list(range(8))
    assert all(abs(lengths[b[0]] - lengths[b[-1]]) <= 2 for b in batches)


# --- the real corpora ------------------------------------------------------------------------

@pytest.mark.shared
def test_bundle_sentences_are_left_out_of_the_anercorp_source(repo_root):
    from arabic_news_tagger.data.conll import corpus_file

    lines = {line for _, line in mapped_source_lines(repo_root / "data" / "anercorp" / "mapping.tsv")}
    assert len(lines) == 1000
    all_rows = read_conll(corpus_file("anercorp", "train"), "anercorp")
    kept = read_conll(corpus_file("anercorp", "train"), "anercorp", skip_lines=lines)
    assert len(all_rows) - len(kept) == 1000
    bundle = (repo_root / "data" / "anercorp" / "anercorp-001.txt").read_text(encoding="utf-8").splitlines()
    texts = {" ".join(r["words"]) for r in kept}
    assert not texts & set(bundle[:5])
    source = read_conll(corpus_file("anercorp", "train"), "anercorp", labels="source", skip_lines=lines)
    assert {t for r in source for t in r["entity_tags"]} <= set(source_labels("anercorp"))
    assert any("B-MISC" in r["entity_tags"] for r in source) and any("B-LOC" in r["entity_tags"] for r in source)


@pytest.mark.shared
@pytest.mark.slow
def test_one_run_over_brat_and_conll_sources(tiny_config, repo_root, tmp_path, capsys):
    from arabic_news_tagger.cli import main
    from arabic_news_tagger.model.predict import predict
    from arabic_news_tagger.train.trainer import train

    config = copy.deepcopy(tiny_config)
    config.data.held_out_documents = ["004"]
    config.data.sources = [
        SourceConfig(path=str(repo_root / "data"), weight=2.0),
        SourceConfig(path=str(repo_root / "data"), weight=1.0, layers=["triggers", "arguments"]),
        SourceConfig(format="conll", corpus="wojood", weight=0.5),
        SourceConfig(format="conll", corpus="anercorp", max_sentences=100,
                     exclude_mapped_sentences=str(repo_root / "data" / "anercorp" / "mapping.tsv")),
    ]
    config.training.epochs = 2
    config.training.group_by_length = True
    logged: list[str] = []
    model = train(config, tmp_path / "model", log=logged.append)
    assert any("source anercorp:train: 100 sentences" in line and "partial labels" in line for line in logged)
    metrics = json.loads((model / "metrics.json").read_text(encoding="utf-8"))
    per_source = metrics["epochs"][-1]["sources"]
    assert set(per_source) == {str(repo_root / "data"), f"{repo_root / 'data'} [triggers, arguments]",
                               "wojood:train", "anercorp:train"}
    assert all(v["tokens"] > 0 and v["seconds"] > 0 for v in per_source.values())
    spec = json.loads((model / "config.json").read_text(encoding="utf-8"))
    assert spec["trained_layers"] == ["entities", "triggers", "arguments"]
    assert spec["held_out_documents"] == ["004_d8de9215c69d2de7", "wojood:val", "anercorp:dev"]
    assert "wojood:train" in spec["train_documents"] and "anercorp:train" in spec["train_documents"]

    # evaluate: the held-out article, then every public evaluation split, and one summary table.
    assert main(["evaluate", "--model", str(model), "--report-json", str(tmp_path / "eval.json")]) == 0
    out = capsys.readouterr().out
    for heading in ("##### wojood:val", "##### anercorp:dev", "##### aqmar:dev", "=== summary: micro F1 per held-out source"):
        assert heading in out
    assert "Event triggers (type-classified) — absent: wojood:val annotates no events" in out
    scores = json.loads((tmp_path / "eval.json").read_text(encoding="utf-8"))
    assert scores["documents"] == ["004_d8de9215c69d2de7"]
    assert scores["other_sources"]["wojood:val"]["triggers"] == {"absent": "wojood:val annotates no events"}
    assert scores["other_sources"]["aqmar:dev"]["entities"]["micro"]["support"] > 0
    assert predict("اتصل بوتين بترامب.", model=model).keys() >= {"entities", "events"}


@pytest.mark.shared
@pytest.mark.slow
def test_a_model_trained_on_entities_only_predicts_no_events_and_says_so(tiny_config, tmp_path, capsys):
    from arabic_news_tagger.cli import main
    from arabic_news_tagger.model.predict import predict
    from arabic_news_tagger.train.trainer import train

    config = copy.deepcopy(tiny_config)
    config.data.held_out_documents = []
    config.data.sources = [SourceConfig(format="conll", corpus="wojood", max_sentences=200)]
    config.training.epochs = 1
    model = train(config, tmp_path / "model", log=lambda *a: None)
    assert json.loads((model / "config.json").read_text(encoding="utf-8"))["trained_layers"] == ["entities"]
    # Its trigger head was never taught: it must not invent events from untrained weights.
    text = ("اتصل الرئيس الروسي فلاديمير بوتين هاتفيا بنظيره الأمريكي دونالد ترامب أمس، وبحثا الحرب في أوكرانيا. " * 3)
    assert predict(text, model=model)["events"] == []
    assert main(["evaluate", "--model", str(model), "--no-public-corpora", "--report-json", str(tmp_path / "e.json")]) == 0
    out = capsys.readouterr().out
    assert "Event triggers (type-classified) — absent: the model was not trained for triggers" in out
    assert "0.000" not in out.split("=== summary")[1]
    # --no-public-corpora leaves out the others, not the split the model itself held out.
    assert "##### wojood:val" in out and "anercorp:dev" not in out
    scores = json.loads((tmp_path / "e.json").read_text(encoding="utf-8"))["other_sources"]["wojood:val"]
    assert scores["triggers"] == {"absent": "the model was not trained for triggers"}
    assert scores["entities"]["micro"]["support"] > 0
    assert scores["documents"] == ["wojood:val"]
