"""A deterministic generator of realistic raw articles in the seeds' format.

    python bench/generate.py OUT_DIR --articles 10000 [--seed 1]

Each article is a raw dump as news sites give it: headline, sub-headline,
about 600 words of body in Hebrew or English, and boilerplate (the headline
repeated at the end, related-headline lists, captions, credits, appeals).
Body sentences are drawn from the seed articles, so the text has the seeds'
vocabulary, punctuation quirks and names; visits, places, weekdays and
sources vary so that clustering has real work to do.  The same arguments
always give byte-identical files.
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SEEDS = HERE.parent / "seeds"
SOURCES = {
    "en": ["reuters", "ap", "timesofisrael", "arutzsheva", "jpost", "forward"],
    "he": ["ynet", "walla", "maariv", "haaretz", "israelhayom"],
}
HEBREW = re.compile("[\u05d0-\u05ea]")


def seed_sentences() -> dict[str, list[str]]:
    """Sentences of the seed articles' bodies, per language."""
    sentences: dict[str, list[str]] = {"en": [], "he": []}
    for path in sorted(SEEDS.glob("*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        body = [line for line in lines[2:] if len(line.split()) > 8]
        text = " ".join(body)
        language = "he" if len(HEBREW.findall(text)) > len(text) / 4 else "en"
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            if len(sentence.split()) >= 6:
                sentences[language].append(sentence.strip())
    return sentences


def headlines(sentences: list[str], rng: random.Random) -> str:
    words = rng.choice(sentences).split()
    return " ".join(words[: rng.randint(6, 11)]).rstrip(",.:;")


def generate_article(number: int, rng: random.Random, corpus: dict, sentences: dict) -> str:
    language = "he" if rng.random() < 0.55 else "en"
    words = corpus[language]
    visit = rng.randint(1, len(words["ordinals"]))
    headline = headlines(sentences[language], rng)
    dek = " ".join(rng.choice(sentences[language]).split()[:25])
    body: list[str] = []
    if rng.random() < 0.8:
        phrase = rng.choice(words["visit_phrases"]).format(ordinal=words["ordinals"][visit - 1])
        body.append(f"{phrase} {rng.choice(sentences[language])}")
    while sum(len(p.split()) for p in body) < 600:
        paragraph = " ".join(rng.choice(sentences[language]) for _ in range(rng.randint(2, 4)))
        if rng.random() < 0.3:
            paragraph += f" ({rng.choice(words['weekdays'])}) {rng.choice(words['places'])}."
        body.append(paragraph)
    lines = [headline, dek]
    if rng.random() < 0.5:
        caption = rng.choice(words["boilerplate"]).format(
            headline=headlines(sentences[language], rng)
        )
        lines.append(caption)
    lines.extend(body)
    for _ in range(rng.randint(0, 2)):
        lines.insert(
            rng.randint(3, len(lines)),
            rng.choice(words["boilerplate"]).format(headline=headlines(sentences[language], rng)),
        )
    lines.extend(["", headline, dek, ""])
    return "\n".join(lines)


def generate(out: Path, count: int, seed: int = 1) -> list[Path]:
    """Write ``count`` articles (and a metadata sidecar for a third of them) into ``out``."""
    corpus = yaml.safe_load((HERE / "corpus.yaml").read_text(encoding="utf-8"))
    sentences = seed_sentences()
    rng = random.Random(seed)
    seeds = out / "seeds"
    content = out / "content"
    seeds.mkdir(parents=True, exist_ok=True)
    content.mkdir(parents=True, exist_ok=True)
    written = []
    for number in range(count):
        article_id = f"{number:06d}_{rng.getrandbits(64):016x}"
        path = seeds / f"{article_id}.txt"
        path.write_text(generate_article(number, rng, corpus, sentences), encoding="utf-8")
        written.append(path)
        if number % 3 == 0:
            day = 1 + number % 28
            month = 1 + (number // 28) % 12
            source = rng.choice(SOURCES["en"] + SOURCES["he"])
            (content / f"{article_id}.md").write_text(
                f"---\ndate: 2013-{month:02d}-{day:02d}\nsource: {source}\n---\n",
                encoding="utf-8",
            )
    for name in ("site.yaml", "actors.yaml", "topics.yaml"):
        project_file = HERE.parent / "content" / name
        if project_file.exists():
            (content / name).write_text(project_file.read_text(encoding="utf-8"), encoding="utf-8")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.out, args.articles, args.seed)
    print(f"wrote {args.articles} articles into {args.out}")


if __name__ == "__main__":
    main()
