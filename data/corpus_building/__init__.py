"""Tools that build the gold corpus, apart from what reads it: choosing the ANERcorp sentences to
annotate (``select_sentences``) and adjudicating two annotations into the gold (``adjudicate``).
Each runs as ``python -m arabic_news_tagger.data.corpus_building.NAME``; nothing under ``data/`` imports them."""
