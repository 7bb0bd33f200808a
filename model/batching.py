"""Batching for ``predict()``: windows in length order, padded into tensors.

Sorting the jobs of a call (the windows of all its sentences, or the argument passes of all its
triggers) by length before cutting batches keeps the padding, and so the wasted computation, small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch


def length_sorted_batches(jobs: list, window_of: Callable, batch_size: int) -> Iterator[list]:
    """``jobs`` in batches of ``batch_size``, shortest window (``window_of(job)``) first."""
    order = sorted(jobs, key=lambda j: len(window_of(j).input_ids))
    for i in range(0, len(order), batch_size):
        yield order[i:i + batch_size]


def pad(seqs: list[list[int]], value: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The sequences as one tensor padded with ``value`` on the right, and its attention mask."""
    n = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), n), value, dtype=torch.long)
    mask = torch.zeros((len(seqs), n), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
        mask[i, :len(s)] = 1
    return ids, mask
