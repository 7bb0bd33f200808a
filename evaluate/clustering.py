"""How far two clusterings of the same mentions agree: pairwise (link) F1 and B-cubed F1.

A clustering is an iterable of clusters, each an iterable of hashable mention keys (for events,
``(document, start, end, type)``); a mention in two clusters of one side is an error. ``key`` is
the reference (gold, or annotator A), ``response`` the clustering scored against it (a system, or
annotator B). Both measures are pure functions, shared by the annotators' agreement
(``data/value_sheets.py``) and by scoring event records against the gold.

- Pairwise: a clustering is the set of mention pairs it puts together; precision is the share of
  the response's pairs that the key has, recall the share of the key's pairs the response has.
  A side with no pair at all makes no wrong claim: its precision (or recall) is 1.
- B-cubed (Bagga & Baldwin 1998, equal weights): for each mention, precision is the share of its
  response cluster that is in its key cluster, recall the share of its key cluster that is in its
  response cluster; both are averaged over the mentions. A mention only one side has is a
  singleton on the other, so that a response over predicted mentions can be scored as it is.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def clusters_from_labels(labels: Mapping[Hashable, Hashable]) -> list[frozenset]:
    """The clusters of a ``mention -> cluster id`` mapping (mentions sharing an id are one cluster)."""
    by_id: dict[Hashable, set] = {}
    for mention, cluster in labels.items():
        by_id.setdefault(cluster, set()).add(mention)
    return [frozenset(members) for members in by_id.values()]


def _membership(clusters: Iterable[Iterable[Hashable]], side: str) -> dict[Hashable, frozenset]:
    out: dict[Hashable, frozenset] = {}
    for cluster in clusters:
        members = frozenset(cluster)
        for mention in members:
            if mention in out:
                raise ValueError(f"{side}: mention {mention!r} is in two clusters")
            out[mention] = members
    return out


def links(clusters: Iterable[Iterable[Hashable]]) -> set[frozenset]:
    """Every unordered pair of mentions that a clustering puts in one cluster."""
    out: set[frozenset] = set()
    for mention, members in _membership(clusters, "clusters").items():
        out.update(frozenset((mention, other)) for other in members if other != mention)
    return out


def pairwise(key: Iterable[Iterable[Hashable]], response: Iterable[Iterable[Hashable]]) -> PRF:
    """Pairwise (link) precision and recall of ``response`` against ``key``."""
    key_links, response_links = links(key), links(response)
    both = len(key_links & response_links)
    return PRF(both / len(response_links) if response_links else 1.0,
               both / len(key_links) if key_links else 1.0)


def bcubed(key: Iterable[Iterable[Hashable]], response: Iterable[Iterable[Hashable]]) -> PRF:
    """B-cubed precision and recall of ``response`` against ``key`` (every mention weighs the same)."""
    in_key, in_response = _membership(key, "key"), _membership(response, "response")
    mentions = set(in_key) | set(in_response)
    if not mentions:
        return PRF(1.0, 1.0)
    precision = recall = 0.0
    for m in mentions:
        k = in_key.get(m, frozenset((m,)))
        r = in_response.get(m, frozenset((m,)))
        both = len(k & r)
        precision += both / len(r)
        recall += both / len(k)
    return PRF(precision / len(mentions), recall / len(mentions))


def pair_count(clusters: Iterable[Iterable[Hashable]]) -> int:
    """How many mention pairs a clustering links (n(n-1)/2 per cluster)."""
    return sum(len(members) * (len(members) - 1) // 2 for members in map(set, clusters))
