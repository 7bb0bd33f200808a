"""A user who reads an event score of 0.43 asks what went wrong: triggers missed or mistyped,
arguments missed, cut short, given the wrong role or hung on the wrong trigger. These tests build
documents by hand, one error of each kind, and check the classes, then that the classes add up to
the seqeval figures ``evaluate`` prints beside them."""

from __future__ import annotations

import json
import random

import pytest

from arabic_news_tagger.data.document import Document, Event, make_span
from arabic_news_tagger.evaluate.event_errors import EventErrors, table
from arabic_news_tagger.evaluate.scoring import TagSequences, add_document, span_counts

# One sentence per line; 24 distinct words each, so a span is named by its word indices.
WORDS = ("أجرى الرئيس الروسي اتصالا هاتفيا مع نظيره الأمريكي في موسكو صباح الاثنين واستمر ساعتين "
         "وبحث الجانبان الحرب بأوكرانيا وتبادل الأسرى بين البلدين بوساطة تركية").split()
assert len(WORDS) == 24 and len(set(WORDS)) == 24
TEXT = "\n".join([" ".join(WORDS)] * 3)


def word_offsets(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for w in text.split():
        start = text.index(w, pos)
        out.append((start, start + len(w)))
        pos = start + len(w)
    return out


OFFSETS = word_offsets(TEXT)


def span(first: int, last: int, label: str, line: int = 0):
    """Words ``first`` to ``last`` (inclusive) of sentence ``line``."""
    base = 24 * line
    return make_span(TEXT, OFFSETS[base + first][0], OFFSETS[base + last][1], label)


def event(trigger, *arguments) -> Event:
    return Event(trigger, tuple(arguments))


def doc(*events, entities=()) -> Document:
    return Document("doc", TEXT, list(entities), list(events))


def classified(gold: Document, pred: Document, given: Document) -> dict:
    errors = EventErrors()
    errors.add(gold, pred, given)
    return errors.to_dict()


def seqeval_counts(gold: Document, pred: Document, given: Document, layer: str) -> dict:
    seqs = TagSequences()
    add_document(seqs, gold, pred, given)
    return span_counts(seqs.gold[layer], seqs.pred[layer])


def nonzero(row: dict) -> dict:
    return {k: v for k, v in row.items() if v}


# --- triggers -----------------------------------------------------------------------------------


def test_each_trigger_error_is_named_and_counted_under_the_gold_type():
    gold = doc(event(span(3, 3, "CALL")), event(span(13, 13, "NEGOTIATE")), event(span(16, 17, "ATTACK")),
               event(span(19, 19, "EXCHANGE")))
    pred = doc(event(span(3, 3, "CALL")),           # right
               event(span(13, 13, "MEET")),         # the same word, another type
               event(span(17, 17, "ATTACK")),       # one word of the two
               # EXCHANGE at 19: not found
               event(span(22, 22, "RELEASE")))      # no gold trigger there
    out = classified(gold, pred, gold)["triggers"]
    assert nonzero(out["all"]) == {"gold": 4, "predicted": 4, "correct": 1, "wrong_type": 1, "boundary": 1,
                                   "missed": 1, "spurious": 1}
    assert nonzero(out["per_type"]["NEGOTIATE"]) == {"gold": 1, "wrong_type": 1}
    assert nonzero(out["per_type"]["MEET"]) == {"predicted": 1}  # the wrong type is no spurious trigger
    assert nonzero(out["per_type"]["ATTACK"]) == {"gold": 1, "predicted": 1, "boundary": 1}
    assert nonzero(out["per_type"]["EXCHANGE"]) == {"gold": 1, "missed": 1}
    assert nonzero(out["per_type"]["RELEASE"]) == {"predicted": 1, "spurious": 1}
    # The same counts seqeval scores the trigger layer on: 1 right of 4 gold and 4 predicted.
    assert seqeval_counts(gold, pred, gold, "triggers") == {"gold": 4, "predicted": 4, "both": 1, "f1": 0.25}


def test_a_trigger_across_a_sentence_cut_is_missed_as_the_score_misses_it():
    # «المباحثات» of line 0's last word to line 1's first: predict() tags sentence by sentence.
    across = make_span(TEXT, OFFSETS[23][0], OFFSETS[24][1], "MEET")
    gold = doc(event(across), event(span(3, 3, "CALL", line=1)))
    pred = doc(event(span(3, 3, "CALL", line=1)))
    out = classified(gold, pred, gold)["triggers"]
    assert nonzero(out["all"]) == {"gold": 2, "predicted": 1, "correct": 1, "missed": 1}
    assert seqeval_counts(gold, pred, gold, "triggers")["gold"] == 2


# --- arguments ----------------------------------------------------------------------------------

CALL = span(3, 3, "CALL")
MEET = span(14, 14, "MEET")
#: The gold: a call with five arguments, a meeting with one.
GOLD = doc(event(CALL, span(1, 2, "Participant"), span(6, 6, "Agent"), span(8, 9, "Place"), span(10, 11, "Time"),
                 span(15, 20, "Topic")),
           event(MEET, span(21, 22, "Participant")))
#: What the argument model gives each gold trigger: one argument of each kind of error.
GIVEN = doc(event(CALL, span(1, 2, "Participant"),     # right
                  span(6, 6, "Participant"),            # Agent: the right word, another role
                  span(9, 9, "Place"),                  # the place cut by a word («موسكو» of «في موسكو»)
                  # Time 10-11: not found
                  span(13, 13, "Duration"),             # nothing in the gold there
                  span(15, 16, "Topic"),                # the topic clause cut short by four words
                  span(21, 22, "Participant")),         # the meeting's participant, hung on the call
            event(MEET))


def test_each_argument_error_given_the_gold_triggers_is_named_once():
    out = classified(GOLD, GIVEN, GIVEN)["arguments_gold_triggers"]
    assert nonzero(out["all"]) == {"gold": 6, "predicted": 6, "correct": 1, "wrong_role": 1, "wrong_trigger": 1,
                                   "boundary_word": 1, "boundary_more": 1, "missed": 1, "spurious": 1}
    per = {role: nonzero(row) for role, row in out["per_role"].items()}
    assert per == {
        "Agent": {"gold": 1, "wrong_role": 1},
        "Duration": {"predicted": 1, "spurious": 1},
        "Participant": {"gold": 2, "predicted": 3, "correct": 1, "wrong_trigger": 1},
        "Place": {"gold": 1, "predicted": 1, "boundary_word": 1},
        "Time": {"gold": 1, "missed": 1},
        "Topic": {"gold": 1, "predicted": 1, "boundary_more": 1},
    }
    assert seqeval_counts(GOLD, GIVEN, GIVEN, "arguments_gold_triggers") == {
        "gold": 6, "predicted": 6, "both": 1, "f1": pytest.approx(2 / 12)}


def test_end_to_end_the_arguments_of_a_trigger_not_found_are_lost_with_it():
    # The meeting's trigger typed NEGOTIATE: to the end-to-end score the gold meeting was not found
    # and the negotiation is no gold event; an attack is seen where there is none.
    pred = doc(GIVEN.events[0], event(span(14, 14, "NEGOTIATE"), span(21, 22, "Participant")),
               event(span(18, 18, "ATTACK"), span(19, 19, "Agent")))
    out = classified(GOLD, pred, GIVEN)["arguments_end_to_end"]
    # The call's arguments as given the gold trigger, but the participant hung on the call is
    # now spurious: its own event, the meeting, was not found.
    assert nonzero(out["all"]) == {"gold": 6, "predicted": 8, "correct": 1, "wrong_role": 1, "boundary_word": 1,
                                   "boundary_more": 1, "missed": 1, "trigger_missed": 1, "spurious": 2,
                                   "trigger_spurious": 2}
    assert nonzero(out["per_role"]["Participant"]) == {"gold": 2, "predicted": 4, "correct": 1, "trigger_missed": 1,
                                                        "spurious": 1, "trigger_spurious": 1}
    assert seqeval_counts(GOLD, pred, GIVEN, "arguments_end_to_end") == {
        "gold": 6, "predicted": 8, "both": 1, "f1": pytest.approx(2 / 14)}


def test_an_argument_two_gold_events_share_is_missed_not_misattached_where_found_under_one():
    shared = span(1, 2, "Participant")
    gold = doc(event(CALL, shared), event(MEET, shared))
    given = doc(event(CALL), event(MEET, shared))
    out = classified(gold, given, given)["arguments_gold_triggers"]
    assert nonzero(out["all"]) == {"gold": 2, "predicted": 1, "correct": 1, "missed": 1}


def test_a_boundary_a_word_off_at_each_end_is_off_by_more_than_a_word():
    gold = doc(event(CALL, span(15, 18, "Topic")))
    given = doc(event(CALL, span(16, 19, "Topic")))
    out = classified(gold, given, given)["arguments_gold_triggers"]["all"]
    assert (out["boundary_word"], out["boundary_more"]) == (0, 1)
    longer = doc(event(CALL, span(15, 19, "Topic")))  # one word more, at the end
    out = classified(gold, longer, longer)["arguments_gold_triggers"]["all"]
    assert (out["boundary_word"], out["boundary_more"]) == (1, 0)
    beside = doc(event(CALL, span(19, 20, "Topic")))  # the two words after the topic: no word shared
    out = classified(gold, beside, beside)["arguments_gold_triggers"]["all"]
    assert nonzero(out) == {"gold": 1, "predicted": 1, "missed": 1, "spurious": 1}


# --- adding up ----------------------------------------------------------------------------------

ROLES = ("Participant", "Agent", "Place", "Topic")
TYPES = ("CALL", "MEET", "ATTACK")


def random_gold(rng: random.Random) -> list[tuple[tuple, list[tuple]]]:
    """Up to three events: a trigger of one or two words, up to four arguments, as word indices."""
    events = []
    for w in rng.sample(range(23), rng.randint(0, 3)):
        args = []
        for _ in range(rng.randint(0, 4)):
            first = rng.randrange(24)
            args.append((first, min(23, first + rng.randint(0, 3)), rng.choice(ROLES)))
        events.append(((w, w + rng.randint(0, 1), rng.choice(TYPES)), args))
    return events


def blunder(rng: random.Random, item: tuple, labels: tuple) -> tuple | None:
    """The item kept, relabelled, cut or stretched by a word, shifted by two, or dropped."""
    first, last, label = item
    how = rng.choice(("keep", "keep", "label", "word", "shift", "drop"))
    if how == "label":
        return first, last, rng.choice([x for x in labels if x != label])
    if how == "word":
        return (first, min(23, last + 1), label) if first == last or rng.random() < 0.5 else (first + 1, last, label)
    if how == "shift":
        return min(23, first + 2), min(23, last + 2), label
    return None if how == "drop" else item


def predicted(rng: random.Random, gold: list, triggers_given: bool) -> list[tuple[tuple, list[tuple]]]:
    events = []
    for trigger, args in gold:
        if not triggers_given:
            trigger = blunder(rng, trigger, TYPES)
        if trigger is not None:
            events.append((trigger, [a for a in (blunder(rng, a, ROLES) for a in args) if a is not None]))
    if len(events) > 1 and rng.random() < 0.5:  # an argument hung on another event of the sentence
        (_, one), (_, other) = rng.sample(events, 2)
        if one:
            other.append(one.pop())
    if not triggers_given and rng.random() < 0.3:
        events.append(((20, 20, rng.choice(TYPES)), [(21, 22, rng.choice(ROLES))]))
    return events


def build(events: list, line: int) -> list[Event]:
    return [event(span(*trigger, line=line), *(span(*a, line=line) for a in args)) for trigger, args in events]


def test_over_random_documents_the_classes_add_up_to_the_seqeval_counts_of_every_layer():
    rng = random.Random(25)
    pooled, seqs = EventErrors(), TagSequences()
    for _ in range(60):
        golds = [random_gold(rng) for _ in range(3)]
        gold = doc(*[e for line, g in enumerate(golds) for e in build(g, line)])
        pred = doc(*[e for line, g in enumerate(golds) for e in build(predicted(rng, g, False), line)])
        given = doc(*[e for line, g in enumerate(golds) for e in build(predicted(rng, g, True), line)])
        pooled.add(gold, pred, given)
        add_document(seqs, gold, pred, given)
    out = pooled.to_dict()
    for layer in ("triggers", "arguments_gold_triggers", "arguments_end_to_end"):
        row = out[layer]["all"]
        counts = span_counts(seqs.gold[layer], seqs.pred[layer])
        assert (row["gold"], row["predicted"], row["correct"]) == (counts["gold"], counts["predicted"], counts["both"]), layer
        gold_side = [k for k in row if k not in ("gold", "predicted", "correct", "spurious", "trigger_spurious")]
        paired = [k for k in gold_side if k not in ("missed", "trigger_missed")]
        assert row["gold"] == row["correct"] + sum(row[k] for k in gold_side), layer
        assert row["predicted"] == row["correct"] + sum(row[k] for k in paired) + row["spurious"] + row.get("trigger_spurious", 0), layer
        assert all(row[k] for k in row), f"{layer}: some class never occurred in 60 random documents: {row}"
        # Per type or role, every gold span is in exactly one class of its own label.
        per = out[layer].get("per_type") or out[layer]["per_role"]
        assert all(r["gold"] == r["correct"] + sum(r[k] for k in gold_side) for r in per.values()), layer
        assert sum(r["predicted"] for r in per.values()) == row["predicted"]


def test_folds_pool_by_adding_and_the_table_prints_every_class():
    one, two = EventErrors(), EventErrors()
    one.add(GOLD, GIVEN, GIVEN)
    two.add(GOLD, doc(), GIVEN)
    pooled = EventErrors()
    pooled.extend(one)
    pooled.extend(two)
    assert pooled.to_dict()["arguments_gold_triggers"]["all"]["wrong_trigger"] == 2
    assert pooled.to_dict()["arguments_end_to_end"]["all"]["trigger_missed"] == 6  # no trigger predicted in two
    assert pooled.documents == ["doc", "doc"]
    text = table(json.loads(json.dumps(pooled.to_dict())))  # as read back from a report
    assert "=== Arguments given gold triggers: errors by class (micro F1 0.167;" in text
    assert "| role | gold | correct | wrong role | wrong trigger | boundary: a word | boundary: more | missed | predicted | spurious |" in text
    assert "| Topic | 2 | 0 | 0 | 0 | 0 | 2 | 0 | 2 | 0 |" in text


# --- evaluate and crossval ------------------------------------------------------------------------


def assert_classes_explain_the_scores(scores: dict) -> None:
    """The error table of a report adds up to the seqeval figures printed beside it."""
    for layer in ("triggers", "arguments_gold_triggers", "arguments_end_to_end"):
        row = scores["event_errors"][layer]["all"]
        assert row["gold"] == scores[layer]["micro"]["support"], layer
        f1 = 2 * row["correct"] / (row["gold"] + row["predicted"]) if row["gold"] + row["predicted"] else 0.0
        assert round(f1, 4) == pytest.approx(scores[layer]["micro"]["f1"], abs=1e-4), layer


def test_evaluate_prints_the_error_table_after_the_seqeval_reports_and_writes_it_to_the_report(
        tiny_model, repo_root, tmp_path, capsys):
    from arabic_news_tagger.cli import main

    report = tmp_path / "eval.json"
    assert main(["evaluate", "--model", str(tiny_model), "--corpus-dir", str(repo_root / "data"), "--no-public-corpora",
                 "--report-json", str(report)]) == 0
    out = capsys.readouterr().out
    assert out.index("=== Arguments end to end (from predicted triggers) — seqeval strict") < out.index(
        "=== Event triggers: errors by class") < out.index("=== Arguments given gold triggers: errors by class") < out.index(
        "=== Arguments end to end: errors by class") < out.index("summary (micro F1)")
    scores = json.loads(report.read_text(encoding="utf-8"))
    assert scores["event_errors"]["documents"] == ["004_d8de9215c69d2de7"]
    assert_classes_explain_the_scores(scores)
    assert "| role | gold | correct | wrong role |" in report.with_suffix(".md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_crossval_scores_each_folds_model_on_the_held_out_bundles_too_and_pools_them(repo_root, tmp_path, capsys):
    """Two articles, one fold each; three news-wire bundles beside them, two of them held out of
    every fold: one run gives the articles' figures and the held-out bundles', each fold's and pooled."""
    import shutil

    from arabic_news_tagger.cli import main

    articles, bundles = tmp_path / "articles", tmp_path / "bundles"
    for directory, names in ((articles, ("000_*", "001_*")), (bundles, ("anercorp-001.*", "anercorp-019.*", "anercorp-020.*"))):
        directory.mkdir()
        shutil.copy(repo_root / "data" / "annotation.conf", directory)
        source = repo_root / "data" if directory == articles else repo_root / "data" / "anercorp"
        for pattern in names:
            for f in source.glob(pattern):
                shutil.copy(f, directory)
    config = (repo_root / "configs" / "tiny.toml").read_text(encoding="utf-8")
    config = config.replace('corpus_dir = "data"', f'corpus_dir = "{articles}"\nextra_corpus_dirs = ["{bundles}"]')
    config = config.replace('held_out_documents = ["004"]', 'held_out_documents = ["anercorp-019", "anercorp-020"]')
    config = config.replace("epochs = 40", "epochs = 1")
    (tmp_path / "cv.toml").write_text(config, encoding="utf-8")
    report = tmp_path / "cv.json"
    assert main(["crossval", "--config", str(tmp_path / "cv.toml"), "--output-dir", str(tmp_path / "cv"),
                 "--report-json", str(report)]) == 0
    out = capsys.readouterr().out
    assert f"=== held-out documents of {bundles} (anercorp-019, anercorp-020), scored by each fold's model" in out
    assert out.count("=== Arguments end to end: errors by class") >= 4  # each fold's, then pooled: articles and bundles

    result = json.loads(report.read_text(encoding="utf-8"))
    folds, pooled = result["folds"], result["pooled"]
    assert [f[:3] for f in folds] == ["000", "001"]
    bundles_pooled = pooled["other_sources"][str(bundles)]
    assert bundles_pooled["documents"] == ["anercorp-019", "anercorp-020"] * 2
    for scores in (pooled, bundles_pooled, *folds.values(), *(f["other_sources"][str(bundles)] for f in folds.values())):
        assert_classes_explain_the_scores(scores)
    # Pooled is the sum of the folds: seqeval's supports, and every class of the error table.
    for name, of in (("articles", lambda s: s), ("bundles", lambda s: s["other_sources"][str(bundles)])):
        assert of(pooled)["entities"]["micro"]["support"] == sum(of(f)["entities"]["micro"]["support"] for f in folds.values()), name
        for layer in ("triggers", "arguments_gold_triggers", "arguments_end_to_end"):
            assert of(pooled)["event_errors"][layer]["all"] == {
                k: sum(of(f)["event_errors"][layer]["all"][k] for f in folds.values()) for k in of(pooled)["event_errors"][layer]["all"]}
    markdown = report.with_suffix(".md").read_text(encoding="utf-8")
    assert f"## {bundles}" in markdown and "## Summary" in markdown


def test_a_layer_the_model_was_not_trained_for_has_no_error_table():
    from arabic_news_tagger.evaluate.runner import absent_layers, print_reports, scores_with_absent

    seqs = TagSequences(event_errors=EventErrors())
    add_document(seqs, GOLD, GIVEN, GIVEN)
    seqs.event_errors.add(GOLD, GIVEN, GIVEN)
    trained_triggers_only = absent_layers(["entities", "triggers"])
    scores = scores_with_absent(seqs, trained_triggers_only)
    assert set(scores["event_errors"]) == {"triggers", "documents"}
    printed = []
    print_reports(seqs, out=printed.append, absent=trained_triggers_only)
    assert "Event triggers: errors by class" in printed[-1] and "Arguments" not in printed[-1]
    assert "event_errors" not in scores_with_absent(seqs, absent_layers(["entities"]))
