"""Pairwise and B-cubed clustering scores on examples worked out by hand.

The first two responses are Bagga & Baldwin's (1998, "Algorithms for scoring coreference
chains", figure 2): twelve mentions in three true chains; both responses make one wrong merge,
which MUC scores alike, and B-cubed tells apart (precision 16/21 against 7/12).
"""

from __future__ import annotations

import pytest

from arabic_news_tagger.evaluate.clustering import PRF, bcubed, clusters_from_labels, links, pair_count, pairwise

TRUTH = [{1, 2, 3, 4, 5}, {6, 7}, {8, 9, "A", "B", "C"}]
# (a): the second and third chains merged; (b): the first and third merged.
RESPONSE_A = [{1, 2, 3, 4, 5}, {6, 7, 8, 9, "A", "B", "C"}]
RESPONSE_B = [{1, 2, 3, 4, 5, 8, 9, "A", "B", "C"}, {6, 7}]


def test_bcubed_reproduces_bagga_and_baldwin():
    # (a): mentions 1-5 precision 1, 6-7 precision 2/7, 8-C 5/7: (5 + 4/7 + 25/7) / 12 = 16/21.
    a = bcubed(TRUTH, RESPONSE_A)
    assert a.precision == pytest.approx(16 / 21) and a.recall == 1.0
    assert a.f1 == pytest.approx(2 * (16 / 21) / (1 + 16 / 21))
    # (b): ten mentions at 5/10, two at 1: 7/12 (the paper's 58%).
    b = bcubed(TRUTH, RESPONSE_B)
    assert b.precision == pytest.approx(7 / 12) and b.recall == 1.0


def test_pairwise_counts_links():
    # The truth links 10 + 1 + 10 = 21 pairs; (a) 10 + 21 = 31, all 21 true ones among them.
    assert pair_count(TRUTH) == 21 and pair_count(RESPONSE_A) == 31 and pair_count(RESPONSE_B) == 46
    assert pairwise(TRUTH, RESPONSE_A) == PRF(21 / 31, 1.0)
    assert pairwise(TRUTH, RESPONSE_B) == PRF(21 / 46, 1.0)
    # Swapping the sides swaps precision and recall.
    assert pairwise(RESPONSE_A, TRUTH) == PRF(1.0, 21 / 31)


def test_a_split_chain_loses_recall_not_precision():
    # The truth's first chain cut into {1,2,3} and {4,5}: pairs 3 + 1 of its 10 kept.
    response = [{1, 2, 3}, {4, 5}, {6, 7}, {8, 9, "A", "B", "C"}]
    assert pairwise(TRUTH, response) == PRF(1.0, 15 / 21)
    # B-cubed recall: mentions 1-3 get 3/5, 4-5 get 2/5, the other seven 1: (9/5 + 4/5 + 7) / 12.
    assert bcubed(TRUTH, response).recall == pytest.approx((9 / 5 + 4 / 5 + 7) / 12)
    assert bcubed(TRUTH, response).precision == 1.0


def test_identical_and_all_singleton_clusterings():
    assert pairwise(TRUTH, TRUTH).f1 == 1.0 and bcubed(TRUTH, TRUTH).f1 == 1.0
    singletons = [{m} for c in TRUTH for m in c]
    # No pair claimed: nothing wrong (precision 1), nothing found (recall 0).
    assert pairwise(TRUTH, singletons) == PRF(1.0, 0.0) and pairwise(TRUTH, singletons).f1 == 0.0
    # B-cubed still credits each mention with itself: recall (5 * 1/5 + 2 * 1/2 + 5 * 1/5) / 12.
    assert bcubed(TRUTH, singletons).recall == pytest.approx(3 / 12)
    assert pairwise(singletons, singletons).f1 == 1.0 and bcubed(singletons, singletons).f1 == 1.0


def test_a_mention_one_side_lacks_is_a_singleton_there():
    # The response found mention 3 nowhere and added a mention 9 of its own.
    b = bcubed([{1, 2, 3}], [{1, 2}, {9}])
    # Key side: 1, 2 precision 1 recall 2/3; 3 precision 1 recall 1/3; 9 precision 1 recall 1.
    assert b.precision == 1.0 and b.recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4)


def test_clusters_from_labels_and_a_mention_in_two_clusters():
    clusters = clusters_from_labels({"m1": "call-1", "m2": "call-1", "m3": "meet-1"})
    assert sorted(map(sorted, clusters)) == [["m1", "m2"], ["m3"]]
    assert links(clusters) == {frozenset(("m1", "m2"))}
    with pytest.raises(ValueError, match="m1"):
        bcubed([{"m1"}, {"m1", "m2"}], [{"m1", "m2"}])
