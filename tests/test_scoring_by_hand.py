"""The scores a user reads after `arabic-news-tagger evaluate`, checked against counts done by hand.

Every expected figure below is worked out in a comment from the spans themselves (gold spans,
predicted spans, exact matches), never by asking seqeval or the scorer. seqeval counts a span as
correct only when its first word, last word and type all match; P = matches / predicted spans,
R = matches / gold spans, F1 = 2PR / (P + R); figures are rounded to 4 decimals by the scorer.
"""

from __future__ import annotations

import math

import pytest

from arabic_news_tagger.data.document import Document, Event, make_span
from arabic_news_tagger.evaluate.scoring import LAYERS, TagSequences, add_document, score_all, score_layer


def figures(p: float, r: float, f1: float, support: int) -> dict:
    return {"precision": p, "recall": r, "f1": f1, "support": support}


# --- score_layer on tag sequences ----------------------------------------------------------------


def test_exact_matches_give_precision_over_predicted_and_recall_over_gold():
    """A user reads P, R and F1 as counts of whole spans: one right span out of two predicted and
    three gold is P = 1/2 and R = 1/3."""
    gold = [["B-PERS", "I-PERS", "O", "B-GPE", "O", "B-ORG"]]  # PERS(0-1), GPE(3), ORG(5): 3 spans
    pred = [["B-PERS", "I-PERS", "O", "O", "B-LOC", "O"]]  # PERS(0-1) (exact), LOC(4): 2 spans
    # 1 exact match: P = 1/2, R = 1/3, F1 = 2 * (1/6) / (5/6) = 0.4.
    out = score_layer(gold, pred)
    assert out["micro"] == figures(0.5, 0.3333, 0.4, 3)
    # Per type: PERS 1/1 right; GPE and ORG missed (support 1 each); LOC spurious (support 0).
    assert out["per_type"] == {
        "PERS": figures(1.0, 1.0, 1.0, 1),
        "GPE": figures(0.0, 0.0, 0.0, 1),
        "ORG": figures(0.0, 0.0, 0.0, 1),
        "LOC": figures(0.0, 0.0, 0.0, 0),
    }
    # Macro: the plain mean over the four types: P = R = F1 = (1 + 0 + 0 + 0) / 4 = 0.25.
    assert out["macro"] == figures(0.25, 0.25, 0.25, 3)


def test_a_boundary_error_is_both_a_false_positive_and_a_false_negative():
    """A span with one word too few is no partial credit: the user loses a gold span (FN) and
    gains a spurious one (FP), which scores worse than predicting nothing there at all."""
    gold = [["B-PERS", "I-PERS", "O", "B-GPE"]]  # PERS(0-1), GPE(3)
    boundary = [["B-PERS", "O", "O", "B-GPE"]]  # PERS(0) is not PERS(0-1); GPE(3) right
    # gold 2, predicted 2, matches 1: P = 1/2, R = 1/2, F1 = 0.5.
    out = score_layer(gold, boundary)
    assert out["micro"] == figures(0.5, 0.5, 0.5, 2)
    assert out["per_type"]["PERS"] == figures(0.0, 0.0, 0.0, 1)

    missed = [["O", "O", "O", "B-GPE"]]
    # gold 2, predicted 1, matches 1: P = 1, R = 1/2, F1 = 2 * 0.5 / 1.5 = 0.6667 (> 0.5 above).
    assert score_layer(gold, missed)["micro"] == figures(1.0, 0.5, 0.6667, 2)


def test_a_type_error_counts_against_both_types():
    """The right words with the wrong type are wrong: the gold type loses recall, and the
    predicted type, though absent from the gold, appears in the report with support 0."""
    gold = [["B-PERS", "I-PERS", "O", "B-GPE"]]
    pred = [["B-ORG", "I-ORG", "O", "B-GPE"]]
    # gold 2, predicted 2, matches 1 (GPE): P = R = F1 = 0.5.
    out = score_layer(gold, pred)
    assert out["micro"] == figures(0.5, 0.5, 0.5, 2)
    assert out["per_type"] == {
        "PERS": figures(0.0, 0.0, 0.0, 1),
        "ORG": figures(0.0, 0.0, 0.0, 0),
        "GPE": figures(1.0, 1.0, 1.0, 1),
    }
    # Macro over PERS, ORG, GPE: (0 + 0 + 1) / 3 = 0.3333 for each figure.
    assert out["macro"] == figures(0.3333, 0.3333, 0.3333, 2)


def test_strict_iob2_refuses_a_span_that_opens_with_I_where_the_default_mode_accepts_it():
    """The two modes differ exactly on ill-formed tags: a predicted span opening with ``I-PERS``
    is a PERS span in the default (CoNLL) mode, and no span at all in strict IOB2."""
    gold = [["B-PERS", "I-PERS", "O", "B-GPE"]]  # PERS(0-1), GPE(3)
    pred = [["I-PERS", "I-PERS", "O", "B-GPE"]]
    out = score_layer(gold, pred)
    # Default: I-PERS I-PERS reads as PERS(0-1): 2 predicted, 2 right: P = R = F1 = 1.
    assert out["micro"] == figures(1.0, 1.0, 1.0, 2)
    assert out["per_type"]["PERS"] == figures(1.0, 1.0, 1.0, 1)
    # Strict: only GPE(3) is predicted: P = 1/1, R = 1/2, F1 = 2 * 0.5 / 1.5 = 0.6667.
    assert out["strict"]["micro"] == figures(1.0, 0.5, 0.6667, 2)
    # PERS: gold 1, predicted 0: P = 0 (nothing predicted, reported as 0), R = 0.
    assert out["strict"]["per_type"]["PERS"] == figures(0.0, 0.0, 0.0, 1)


def test_strict_mode_also_splits_a_span_whose_type_changes_inside_it():
    """``B-PERS I-ORG`` is two spans to the default mode (PERS(0), ORG(1)) and one PERS(0) span
    in strict IOB2, where an I- of another type continues nothing and opens nothing."""
    gold = [["B-PERS", "I-PERS"]]  # PERS(0-1)
    pred = [["B-PERS", "I-ORG"]]
    out = score_layer(gold, pred)
    # Default: predicted PERS(0), ORG(1); neither is PERS(0-1): P = 0/2, R = 0/1.
    assert out["micro"] == figures(0.0, 0.0, 0.0, 1)
    assert set(out["per_type"]) == {"PERS", "ORG"}
    # Strict: predicted PERS(0) only, still wrong: P = 0/1, R = 0/1; ORG is not in the report.
    assert out["strict"]["micro"] == figures(0.0, 0.0, 0.0, 1)
    assert set(out["strict"]["per_type"]) == {"PERS"}


def test_per_type_support_counts_the_gold_spans_of_each_type_over_all_sentences():
    """Support is how many gold spans of a type there are, summed over sentences; a type only
    ever predicted has support 0."""
    gold = [["B-PERS", "O", "B-PERS", "I-PERS"],  # PERS(0), PERS(2-3)
            ["B-GPE", "O", "B-PERS"]]  # GPE(0), PERS(2)
    pred = [["B-PERS", "O", "O", "O"],  # PERS(0) right
            ["B-ORG", "O", "B-PERS"]]  # ORG(0) wrong, PERS(2) right
    out = score_layer(gold, pred)
    # PERS: gold 3, predicted 2, right 2: P = 1, R = 2/3, F1 = 2 * (2/3) / (5/3) = 0.8.
    assert out["per_type"]["PERS"] == figures(1.0, 0.6667, 0.8, 3)
    assert out["per_type"]["GPE"] == figures(0.0, 0.0, 0.0, 1)
    assert out["per_type"]["ORG"] == figures(0.0, 0.0, 0.0, 0)
    # All types: gold 4, predicted 3, right 2: P = 2/3, R = 1/2, F1 = (2/3) / (7/6) = 4/7 = 0.5714.
    assert out["micro"] == figures(0.6667, 0.5, 0.5714, 4)


def test_a_layer_with_no_span_anywhere_scores_zero_with_no_types():
    """An evaluation where neither gold nor prediction holds a span (a corpus without events,
    say) reports zeros and no per-type rows, in both modes, rather than failing."""
    out = score_layer([["O", "O"], ["O"]], [["O", "O"], ["O"]])
    zero = figures(0.0, 0.0, 0.0, 0)
    for mode in (out, out["strict"]):
        assert mode["micro"] == zero and mode["macro"] == zero and mode["per_type"] == {}


def test_spans_predicted_where_the_gold_has_none_are_all_false_positives():
    """Gold without a span and two predicted spans: precision 0/2, and nothing to recall."""
    out = score_layer([["O", "O", "O"]], [["B-PERS", "O", "B-GPE"]])
    assert out["micro"] == figures(0.0, 0.0, 0.0, 0)
    assert out["per_type"] == {"PERS": figures(0.0, 0.0, 0.0, 0), "GPE": figures(0.0, 0.0, 0.0, 0)}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_strict_figures_are_numbers_even_when_only_ill_formed_tags_were_predicted():
    """A user who gets back a strict macro F1 must get a number, never NaN, whatever the tags."""
    out = score_layer([["I-PERS", "O"]], [["I-PERS", "O"]])
    # Default: one PERS(0) span on each side: P = R = F1 = 1.
    assert out["micro"] == figures(1.0, 1.0, 1.0, 1)
    # Strict: no span on either side: every figure 0, support 0 (as for an all-O layer).
    for avg in ("micro", "macro"):
        assert not any(math.isnan(v) for v in out["strict"][avg].values())
    assert out["strict"]["macro"] == figures(0.0, 0.0, 0.0, 0)


# --- add_document: documents projected onto words, then scored ------------------------------------

TEXT = "اتصل بوتين بترامب في موسكو. التقى الوزير نظيره في القاهرة."
# Sentence 1 (0-27), words: اتصل بوتين بترامب في موسكو .   (6 words)
# Sentence 2 (28-58), words: التقى الوزير نظيره في القاهرة .   (6 words)


def at(surface: str, label: str, after: int = 0, text: str = TEXT):
    start = text.index(surface, after)
    return make_span(text, start, start + len(surface), label)


def s2(surface: str, label: str):
    """A span in sentence 2 (its في is the second one)."""
    return at(surface, label, after=28)


GOLD_ENTITIES = [at("بوتين", "PERS"), at("بترامب", "PERS"), at("موسكو", "GPE"),
                 s2("الوزير", "OCC"), s2("نظيره", "OCC"), s2("القاهرة", "GPE")]
GOLD_EVENTS = [
    Event(at("اتصل", "CALL"), (at("بوتين", "Participant"), at("بترامب", "Participant"), at("موسكو", "Place"))),
    Event(s2("التقى", "MEET"), (s2("الوزير", "Participant"), s2("نظيره", "Participant"), s2("القاهرة", "Place"))),
]


def gold_document(doc_id: str = "doc") -> Document:
    return Document(doc_id, TEXT, list(GOLD_ENTITIES), list(GOLD_EVENTS))


def test_entities_are_projected_on_the_words_of_each_sentence_and_scored():
    """Each sentence becomes one gold and one predicted tag sequence over its words, and the
    scores count the document's spans: a type error, a boundary error and a miss all cost."""
    pred = Document("doc", TEXT, [
        at("بوتين", "PERS"),  # right
        at("بترامب", "GPE"),  # type error
        at("في موسكو", "GPE"),  # boundary error (one word too many)
        s2("الوزير", "OCC"), s2("نظيره", "OCC"),  # right; القاهرة missed
    ])
    seqs = TagSequences()
    add_document(seqs, gold_document(), pred, Document("doc", TEXT))
    assert seqs.documents == ["doc"]
    assert seqs.gold["entities"] == [["O", "B-PERS", "B-PERS", "O", "B-GPE", "O"],
                                     ["O", "B-OCC", "B-OCC", "O", "B-GPE", "O"]]
    assert seqs.pred["entities"] == [["O", "B-PERS", "B-GPE", "B-GPE", "I-GPE", "O"],
                                     ["O", "B-OCC", "B-OCC", "O", "O", "O"]]
    out = score_all(seqs)["entities"]
    # gold 6, predicted 5, right 3 (بوتين, الوزير, نظيره): P = 3/5, R = 3/6,
    # F1 = 2 * 0.3 / 1.1 = 0.5455.
    assert out["micro"] == figures(0.6, 0.5, 0.5455, 6)
    # PERS: gold 2, predicted 1, right 1 -> 1, 0.5, 0.6667. GPE: gold 2, predicted 2, right 0.
    # OCC: gold 2, predicted 2, right 2.
    assert out["per_type"] == {"PERS": figures(1.0, 0.5, 0.6667, 2), "GPE": figures(0.0, 0.0, 0.0, 2),
                               "OCC": figures(1.0, 1.0, 1.0, 2)}
    # Macro: P = (1 + 0 + 1)/3 = 0.6667, R = (0.5 + 0 + 1)/3 = 0.5, F1 = (0.6667 + 0 + 1)/3 = 0.5556.
    assert out["macro"] == figures(0.6667, 0.5, 0.5556, 6)
    # Tags projected from spans are always well formed: strict mode agrees.
    assert out["strict"]["micro"] == out["micro"]


def end_to_end_prediction() -> tuple[Document, Document]:
    """The prediction of the end-to-end story (used twice below)."""
    pred = Document("doc", TEXT, list(GOLD_ENTITIES), [
        # CALL found (same span and type) with 2 of its 3 arguments (بترامب missed).
        Event(at("اتصل", "CALL"), (at("بوتين", "Participant"), at("موسكو", "Place"))),
        # التقى found but typed CALL: a spurious CALL, and the gold MEET is missed.
        Event(s2("التقى", "CALL"), (s2("الوزير", "Participant"), s2("نظيره", "Participant"))),
    ])
    # Arguments predicted for the gold triggers (the trigger given): CALL all right; MEET has
    # Participant الوزير right, نظيره with the wrong role (Place), القاهرة missed.
    pred_gold_triggers = Document("doc", TEXT, [], [
        Event(at("اتصل", "CALL"), (at("بوتين", "Participant"), at("بترامب", "Participant"), at("موسكو", "Place"))),
        Event(s2("التقى", "MEET"), (s2("الوزير", "Participant"), s2("نظيره", "Place"))),
    ])
    return pred, pred_gold_triggers


def test_triggers_are_scored_with_their_type_and_without_it():
    """A trigger on the right word with the wrong event type is wrong in ``triggers`` and right
    in ``triggers_identification``."""
    seqs = TagSequences()
    add_document(seqs, gold_document(), *end_to_end_prediction())
    assert seqs.gold["triggers"] == [["B-CALL"] + ["O"] * 5, ["B-MEET"] + ["O"] * 5]
    assert seqs.pred["triggers"] == [["B-CALL"] + ["O"] * 5, ["B-CALL"] + ["O"] * 5]
    out = score_all(seqs)
    # Typed: gold 2, predicted 2, right 1: P = R = F1 = 0.5.
    assert out["triggers"]["micro"] == figures(0.5, 0.5, 0.5, 2)
    # CALL: gold 1, predicted 2, right 1: P = 0.5, R = 1, F1 = 1 / 1.5 = 0.6667. MEET: missed.
    assert out["triggers"]["per_type"] == {"CALL": figures(0.5, 1.0, 0.6667, 1), "MEET": figures(0.0, 0.0, 0.0, 1)}
    # Typeless: both predicted triggers sit on gold trigger words: 2/2 right.
    assert out["triggers_identification"]["micro"] == figures(1.0, 1.0, 1.0, 2)
    assert set(out["triggers_identification"]["per_type"]) == {"TRIGGER"}


def test_end_to_end_arguments_of_a_missed_event_are_missed_and_of_a_spurious_event_are_false():
    """The end-to-end argument score is what a user gets from raw text: a gold event whose
    trigger was not found (same span and type) has all its arguments counted as missed, even if
    the same words were predicted for another trigger; a spurious trigger's arguments are all
    false positives. One tag sequence per gold event, then one per spurious predicted event."""
    seqs = TagSequences()
    add_document(seqs, gold_document(), *end_to_end_prediction())
    assert seqs.gold["arguments_end_to_end"] == [
        ["O", "B-Participant", "B-Participant", "O", "B-Place", "O"],  # gold CALL
        ["O", "B-Participant", "B-Participant", "O", "B-Place", "O"],  # gold MEET
        ["O"] * 6,  # the spurious CALL on التقى has no gold arguments
    ]
    assert seqs.pred["arguments_end_to_end"] == [
        ["O", "B-Participant", "O", "O", "B-Place", "O"],  # the found CALL's arguments
        ["O"] * 6,  # MEET's trigger was missed: nothing is predicted for it
        ["O", "B-Participant", "B-Participant", "O", "O", "O"],  # the spurious CALL's arguments
    ]
    out = score_all(seqs)["arguments_end_to_end"]
    # Gold arguments 3 + 3 = 6; predicted 2 + 2 = 4; right 2 (CALL's بوتين, موسكو):
    # P = 2/4, R = 2/6, F1 = 2 * (1/6) / (5/6) = 0.4.
    assert out["micro"] == figures(0.5, 0.3333, 0.4, 6)
    # Participant: gold 4, predicted 3 (بوتين, الوزير, نظيره), right 1:
    #   P = 1/3, R = 1/4, F1 = 2 * (1/12) / (7/12) = 2/7 = 0.2857.
    # Place: gold 2, predicted 1, right 1: P = 1, R = 1/2, F1 = 0.6667.
    assert out["per_type"] == {"Participant": figures(0.3333, 0.25, 0.2857, 4), "Place": figures(1.0, 0.5, 0.6667, 2)}


def test_arguments_with_gold_triggers_score_argument_tagging_alone():
    """With the gold triggers given, a user sees how well arguments are tagged regardless of
    trigger errors; the identification view forgives a wrong role."""
    seqs = TagSequences()
    add_document(seqs, gold_document(), *end_to_end_prediction())
    out = score_all(seqs)
    # Gold 6; predicted 3 (CALL) + 2 (MEET) = 5; right 3 + 1 (الوزير) = 4:
    # P = 4/5, R = 4/6, F1 = 2 * 0.8 * 0.6667 / 1.4667 = 0.7273.
    assert out["arguments_gold_triggers"]["micro"] == figures(0.8, 0.6667, 0.7273, 6)
    # Without roles, نظيره is right too: right 5: P = 5/5, R = 5/6, F1 = 2 * 5/6 / (11/6) = 0.9091.
    assert out["arguments_gold_triggers_identification"]["micro"] == figures(1.0, 0.8333, 0.9091, 6)


def test_a_spurious_event_in_a_sentence_without_gold_events_only_costs_precision():
    """Predicting an event in a sentence with none: its argument is a false positive and no
    gold argument is added (support stays 0)."""
    gold = Document("doc", TEXT, [], [])
    pred = Document("doc", TEXT, [], [Event(at("اتصل", "CALL"), (at("بوتين", "Participant"),))])
    seqs = TagSequences()
    add_document(seqs, gold, pred, Document("doc", TEXT))
    # One sequence: the spurious event's, over sentence 1's 6 words.
    assert seqs.gold["arguments_end_to_end"] == [["O"] * 6]
    assert seqs.pred["arguments_end_to_end"] == [["O", "B-Participant", "O", "O", "O", "O"]]
    out = score_all(seqs)
    # gold 0, predicted 1, right 0.
    assert out["arguments_end_to_end"]["per_type"] == {"Participant": figures(0.0, 0.0, 0.0, 0)}
    assert out["triggers"]["per_type"] == {"CALL": figures(0.0, 0.0, 0.0, 0)}
    # No gold event: nothing to tag with gold triggers.
    assert seqs.gold["arguments_gold_triggers"] == []


def test_folds_are_pooled_before_scoring_not_averaged():
    """Cross-validation folds extend one TagSequences: the score is over all held-out spans, so
    a fold with one right span and a fold with one miss give R = 1/2 and F1 = 0.6667, not the
    mean of the two folds' F1 (1.0 and 0.0 -> 0.5)."""
    one = "اتصل بوتين."
    person = make_span(one, 5, 10, "PERS")  # بوتين
    fold1, fold2 = TagSequences(), TagSequences()
    add_document(fold1, Document("a", one, [person]), Document("a", one, [person]), Document("a", one))
    add_document(fold2, Document("b", one, [person]), Document("b", one, []), Document("b", one))
    fold1.extend(fold2)
    out = score_all(fold1)
    assert out["documents"] == ["a", "b"]
    assert set(out) == set(LAYERS) | {"documents"}
    # gold 2, predicted 1, right 1: P = 1, R = 1/2, F1 = 1 / 1.5 = 0.6667.
    assert out["entities"]["micro"] == figures(1.0, 0.5, 0.6667, 2)
    # No events anywhere: the event layers are zeros with no types.
    assert out["triggers"]["micro"] == figures(0.0, 0.0, 0.0, 0) and out["triggers"]["per_type"] == {}


def test_a_gold_entity_across_a_sentence_cut_is_still_counted():
    """Every gold entity must count somewhere: one the tagger cannot find is a miss, not a
    span that silently leaves the evaluation."""
    text = "نشر موقع ياهو! نيوز الخبر"  # sentences: «نشر موقع ياهو!» and «نيوز الخبر»
    gold = Document("doc", text, [make_span(text, 9, 19, "ORG")])  # ياهو! نيوز
    seqs = TagSequences()
    add_document(seqs, gold, Document("doc", text), Document("doc", text))
    # gold 1 ORG, predicted 0: support 1, R = 0.
    assert score_all(seqs)["entities"]["micro"]["support"] == 1


def test_a_prediction_inside_a_cut_gold_entity_is_not_counted_twice():
    """The tagger finds «نيوز» (inside the second sentence) where the gold has «ياهو! نيوز»
    across the cut: gold 1, predicted 1, right 0: P = 0/1, R = 0/1, F1 = 0, support 1."""
    text = "نشر موقع ياهو! نيوز الخبر"
    gold = Document("doc", text, [make_span(text, 9, 19, "ORG")])
    pred = Document("doc", text, [make_span(text, 15, 19, "ORG")])  # نيوز
    seqs = TagSequences()
    add_document(seqs, gold, pred, Document("doc", text))
    assert score_all(seqs)["entities"]["micro"] == figures(0.0, 0.0, 0.0, 1)
    # The cut entity's own sequence: «ياهو» «!» «نيوز» (the «!» is a word of its own: 3 words).
    assert seqs.gold["entities"][-1] == ["B-ORG", "I-ORG", "I-ORG"]
    assert seqs.pred["entities"][-1] == ["O"] * 3
