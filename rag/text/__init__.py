"""Text analysis: matching keys (``arabic``) and sentence spans (``sentences``)."""

from rag.text.arabic import light_stem, normalize, tokenize
from rag.text.sentences import split_sentences

__all__ = ["light_stem", "normalize", "split_sentences", "tokenize"]
