"""The corpus stage: the document model, brat reading and writing, segmentation, BIO tags, the
validator and the datasets-based loader."""

from .document import Document, Event, Span
from .loader import leave_one_document_out, load_corpus

__all__ = ["Document", "Event", "Span", "load_corpus", "leave_one_document_out"]
