"""Choose ANERcorp *train* sentences for event annotation and write them as brat bundles.

    python -m arabic_news_tagger.data.corpus_building.select_sentences ../shared/corpora/anercorp/train.txt data/anercorp

Most sentences are chosen because a keyword of one of our nine event types occurs in them (after the
same letter folding the model uses, so «اجتماع» and «إجتماع» both match); about one in five is drawn at
random from the others, so that the model also sees news sentences with no event. The draw is seeded:
the same source file gives the same bundles.

Each bundle ``anercorp-NNN.txt`` holds one sentence a line, its text rebuilt from the source tokens
joined by single spaces (invisible direction marks, which ANERcorp scatters as whole tokens and inside
tokens, are dropped). ``mapping.tsv`` gives, for every bundle line, the source file's line numbers of
the sentence's first and last token and why it was chosen. ANERcorp's dev split is never read.
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

from arabic_news_tagger.data.conll import read_blocks, visible_tokens
from arabic_news_tagger.io import atomic_write_text

# Stems, after folding (أ إ آ → ا, ة → ه, ى → ي), that name one of the schema's event types.
EVENT_KEYWORDS = {
    "CALL": ["اتصال هاتف", "اتصالا هاتف", "هاتفي", "مكالمه", "محادثه هاتف", "اتصل ب"],
    "MEET": ["اجتماع", "اجتمع", "لقاء", "التقي", "يلتقي", "قمه", "مباحثات", "استقبل", "مؤتمر", "بحث مع", "زياره"],
    "NEGOTIATE": ["مفاوضات", "تفاوض", "محادثات", "حوار", "ناقش", "وساطه"],
    "EXCHANGE": ["تبادل"],
    "RELEASE": ["الافراج", "افراج", "افرج", "اطلاق سراح", "يفرج"],
    "CEASEFIRE": ["وقف اطلاق النار", "هدنه", "تهدئه"],
    "AGREE": ["اتفاق", "اتفق", "اتفاقيه", "معاهده", "وقع علي", "توقيع"],
    "ATTACK": ["هجوم", "هجمات", "هاجم", "قصف", "غاره", "غارات", "الحرب", "حرب ", "اشتباك", "معارك", "اعتداء", "عمليه عسكريه", "انفجار", "تفجير", "اغتيال", "قتل", "مواجهات", "عدوان", "اطلاق النار", "اجتياح", "ضربه"],
    "ELECT": ["انتخاب", "الانتخابات", "اقتراع", "مرشح", "استفتاء", "فاز ب"],
}
RANDOM_SHARE = 0.2
BUNDLE_SIZE = 50
FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي"})


def read_sentences(path: Path) -> list[tuple[int, int, list[str]]]:
    """``(first line, last line, tokens)`` of each sentence of a CoNLL file, 1-based line numbers
    of its first and last visible token; tokens without invisible marks (``conll.visible_tokens``)."""
    out = []
    for block in read_blocks(path)[0]:
        tokens = visible_tokens(block)
        if tokens:
            out.append((tokens[0][0].number, tokens[-1][0].number, [token for _, token in tokens]))
    return out


def event_types_mentioned(text: str) -> list[str]:
    folded = " " + text.translate(FOLD) + " "
    return [t for t, stems in EVENT_KEYWORDS.items() if any(s in folded for s in stems)]


def select(sentences, n_total: int, seed: int = 2026, min_words: int = 6, max_words: int = 80):
    """``(sentence, reason)`` pairs: keyword sentences, and a random fifth without keywords."""
    usable = [s for s in sentences if min_words <= len(s[2]) <= max_words]
    keyed = [(s, ",".join(t)) for s in usable if (t := event_types_mentioned(" ".join(s[2])))]
    unkeyed = [s for s in usable if not event_types_mentioned(" ".join(s[2]))]
    rng = random.Random(seed)
    n_random = round(n_total * RANDOM_SHARE)
    n_keyed = min(len(keyed), n_total - n_random)
    chosen = rng.sample(keyed, n_keyed) + [(s, "random") for s in rng.sample(unkeyed, n_total - n_keyed)]
    rng.shuffle(chosen)
    return chosen


def write_bundles(chosen, out_dir: Path, source_name: str) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = ["bundle\tline\tsource\tfirst_source_line\tlast_source_line\tchosen_for"]
    for b in range(0, len(chosen), BUNDLE_SIZE):
        name = f"anercorp-{b // BUNDLE_SIZE + 1:03d}"
        part = chosen[b:b + BUNDLE_SIZE]
        atomic_write_text(out_dir / f"{name}.txt", "".join(" ".join(s[2]) + "\n" for s, _ in part))
        rows += [f"{name}\t{i}\t{source_name}\t{s[0]}\t{s[1]}\t{why}" for i, (s, why) in enumerate(part, 1)]
    atomic_write_text(out_dir / "mapping.tsv", "\n".join(rows) + "\n")


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__)
        return 2
    source, out_dir = Path(argv[0]), Path(argv[1])
    if source.name != "train.txt":
        raise SystemExit(f"{source}: only ANERcorp's train split may be annotated (dev stays a measure)")
    n_total = int(argv[2]) if len(argv) == 3 else 1000
    chosen = select(read_sentences(source), n_total)
    write_bundles(chosen, out_dir, "anercorp/train.txt")
    print(f"{len(chosen)} sentences ({sum(w != 'random' for _, w in chosen)} by keyword) in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
