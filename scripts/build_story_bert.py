"""Builds the built-in story-bert (llm_playground/models/story-bert/): a small BERT with MLM and NSP heads,
trained on stories that the built-in stories260K writes.

No English BERT checkpoint with MLM/NSP heads can be had without the Hugging Face Hub, so the app makes its
own, reproducibly, in a few minutes on 2 CPU cores:

1. corpus: stories260K samples stories from a fixed seed (batched, temperature 0.8, one torch.Generator);
   a second seed gives the held-out stories that only the evaluation reads;
2. vocabulary: a lowercase WordPiece vocabulary of its own (words cut by the `tokenizers` library, chosen by
   their counts: see train_vocabulary);
3. pairs: [CLS] A [SEP] B [SEP] with B the next sentence of A's story (IsNext) or, half of the time, a
   sentence of another story (NotNext); 15% of the tokens masked (80% [MASK], 10% random, 10% kept);
4. training: BertForPreTraining (MLM + NSP), AdamW, a linear warm-up and decay;
5. evaluation on the held-out stories (NSP accuracy, masked-token accuracy) and fill-mask on cloze sentences
   that the training never saw (every corpus sentence that fits one of them, whatever the masked word, is
   dropped before training); then the folder and its README with these figures.

Deterministic on any core count: everything runs on one torch thread (and one tokenizers thread), every
random choice comes from a seeded generator, and torch's deterministic algorithms are on; rebuilding gives
the same weights bit for bit (tests/unit/test_story_bert.py rebuilds and compares).

Usage: python scripts/build_story_bert.py [--out FOLDER] [--steps N]
"""

from __future__ import annotations

import os

if __name__ == "__main__":  # (not when a test imports it) before torch and tokenizers start their thread pools:
    # one thread each, whatever the environment says, so that no sum depends on how many cores the machine has
    os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", RAYON_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402
from collections import Counter  # noqa: E402
from tokenizers.normalizers import BertNormalizer  # noqa: E402
from tokenizers.pre_tokenizers import BertPreTokenizer  # noqa: E402
from transformers import BertConfig, BertForPreTraining, BertTokenizerFast, LlamaForCausalLM, LlamaTokenizerFast  # noqa: E402,E501

ROOT = Path(__file__).resolve().parents[1]
STORIES = ROOT / "llm_playground" / "models" / "stories260K"
OUT = ROOT / "llm_playground" / "models" / "story-bert"

TRAIN_SEED, HELD_OUT_SEED = 0, 1  # the corpus; the stories only the evaluation reads
TRAIN_STORIES, HELD_OUT_STORIES = 1280, 128
STORY_TOKENS, BATCH_STORIES, TEMPERATURE = 256, 128, 0.8
VOCAB_SIZE, SUFFIXES = 2048, 96
SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
MODEL = dict(hidden_size=128, num_hidden_layers=2, num_attention_heads=8, intermediate_size=256,
             max_position_embeddings=128, type_vocab_size=2, hidden_dropout_prob=0.0,
             attention_probs_dropout_prob=0.0)
STEPS, BATCH, LR, WARMUP, MAX_LEN, MASK_RATE = 800, 128, 3e-3, 50, 64, 0.15
NSP_WEIGHT = 2.0
LOG_EVERY = 50
# Held out: no training sentence fits one of these, whatever word fills the mask. The tests ask the shipped
# model for them; "sensible" lists words that fit the story world (the top 5 must contain one).
CLOZE = {
    "lily went to the [MASK] to play.": ("park", "garden", "beach", "playground", "forest", "woods", "pond",
                                         "store", "shop", "lake", "zoo", "yard", "house", "room", "river", "sea"),
    "once upon a [MASK], there was a little girl.": ("time",),
    "she was very [MASK] and started to cry.": ("sad", "scared", "upset", "angry", "hurt", "tired", "mad"),
    "the dog wagged its [MASK].": ("tail",),
    "they played together all [MASK] long.": ("day",),
    "tom and his mom went to the [MASK].": ("park", "store", "beach", "zoo", "shop", "market", "kitchen", "garden",
                                           "house", "forest", "lake", "pond", "room", "yard", "doctor"),
}


def set_determinism(seed: int) -> None:
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(seed)
    random.seed(seed)


# ---- 1. the corpus ----------------------------------------------------------------------------------------

@torch.no_grad()
def generate_stories(n: int, seed: int, folder: Path = STORIES) -> list[str]:
    """n stories sampled by stories260K from BOS, BATCH_STORIES at a time, from one seeded generator."""
    tokenizer = LlamaTokenizerFast.from_pretrained(folder)
    model = LlamaForCausalLM.from_pretrained(folder).eval()
    generator = torch.Generator().manual_seed(seed)
    stories: list[str] = []
    while len(stories) < n:
        rows = min(BATCH_STORIES, n - len(stories))
        ids = torch.full((rows, 1), model.config.bos_token_id)
        out = model(ids, use_cache=True)
        steps = []
        ended = torch.zeros(rows, dtype=torch.bool)
        for _ in range(STORY_TOKENS):
            probs = torch.softmax(out.logits[:, -1] / TEMPERATURE, dim=-1)  # (rows, vocab)
            nxt = torch.multinomial(probs, 1, generator=generator)  # (rows, 1)
            steps.append(nxt)
            ended |= nxt[:, 0] == model.config.eos_token_id
            if ended.all():
                break
            out = model(nxt, past_key_values=out.past_key_values, use_cache=True)
        for row in torch.cat(steps, dim=1).tolist():
            complete = model.config.eos_token_id in row
            text = tokenizer.decode(row[:row.index(model.config.eos_token_id)] if complete else row,
                                    skip_special_tokens=True)
            stories.append(text if complete else _drop_last_sentence(text))  # no sentence cut by the length
    return stories


_SPLIT = re.compile(r'(?<=[.!?])\s+(?=["A-Z])|(?<=[.!?]")\s+|\n+')


def sentences(story: str) -> list[str]:
    """A story's sentences (a quote's closing mark stays with its sentence), lowercase, at least 3 words."""
    parts: list[str] = []
    for part in (" ".join(p.split()).lower() for p in _SPLIT.split(story)):
        if parts and parts[-1].count('"') % 2:  # inside a quote: "hi! how are you?" is one sentence
            parts[-1] += " " + part
        else:
            parts.append(part)
    return [p for p in parts if len(p.split()) >= 3 and p[-1] in '.!?"' and not p.count('"') % 2]


def _drop_last_sentence(text: str) -> str:
    parts = _SPLIT.split(text)
    return "\n".join(parts[:-1])


def cloze_pattern(cloze: str) -> re.Pattern:
    """Fits every sentence that the cloze sentence would be with one or two words at the mask."""
    return re.compile(re.escape(cloze).replace(re.escape("[MASK]"), r"[\w'-]+(?: [\w'-]+)?") + "$")


def drop_held_out(stories: list[list[str]]) -> tuple[list[list[str]], int]:
    """The stories' sentences without any that fits a cloze sentence; and how many were dropped."""
    patterns = [cloze_pattern(c) for c in CLOZE]
    kept, dropped = [], 0
    for story in stories:
        ok = [s for s in story if not any(p.match(s) for p in patterns)]
        dropped += len(story) - len(ok)
        kept.append(ok)
    return kept, dropped


# ---- 2. the vocabulary ------------------------------------------------------------------------------------

def train_vocabulary(texts: list[str], folder: Path) -> BertTokenizerFast:
    """A lowercase WordPiece vocabulary of VOCAB_SIZE tokens: the special tokens, every character (alone and as
    a ##piece), the SUFFIXES most frequent word endings (##s, ##ed, ...) of the words left out, and the most
    frequent words. Words are cut by the `tokenizers` library's BERT normalizer and pre-tokenizer; the choice is
    made here, by counts with ties in alphabetical order, because the library's WordPiece trainer breaks ties
    between equal counts in an order that changes from run to run (three runs, three vocabularies)."""
    normalizer, pre = BertNormalizer(lowercase=True), BertPreTokenizer()
    words = Counter(w for text in texts for w, _ in pre.pre_tokenize_str(normalizer.normalize_str(text)))
    chars = sorted({c for w in words for c in w})
    vocab = [*SPECIALS, *chars, *(f"##{c}" for c in chars)]
    ranked = sorted(words, key=lambda w: (-words[w], w))
    kept = [w for w in ranked if len(w) > 1 and words[w] >= 2][:VOCAB_SIZE - len(vocab) - SUFFIXES]
    left = Counter()
    for w in set(words) - set(kept):
        for n in range(2, min(5, len(w) - 1)):
            left[f"##{w[-n:]}"] += words[w]
    vocab += sorted(left, key=lambda p: (-left[p], p))[:VOCAB_SIZE - len(vocab) - len(kept)] + kept
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.txt").write_text("".join(f"{token}\n" for token in vocab))
    return BertTokenizerFast(vocab={token: i for i, token in enumerate(vocab)}, do_lower_case=True,
                             model_max_length=MODEL["max_position_embeddings"])


# ---- 3. the pairs -----------------------------------------------------------------------------------------

def nsp_pairs(stories: list[list[str]], rng: random.Random) -> list[tuple[str, str, int]]:
    """(A, B, label) for every consecutive pair of sentences of a story: label 0 (IsNext) with B the next
    sentence, half of the time; else 1 (NotNext) with B a random sentence of another story."""
    pairs = []
    for i, story in enumerate(stories):
        for a, b in zip(story, story[1:]):
            if rng.random() < 0.5:
                pairs.append((a, b, 0))
            else:
                j = rng.randrange(len(stories) - 1)
                other = stories[j + (j >= i)] or [b]
                pairs.append((a, rng.choice(other), 1))
    return pairs


def mask_tokens(input_ids: torch.Tensor, special: torch.Tensor, tokenizer, generator: torch.Generator):
    """BERT's masking: MASK_RATE of the ordinary tokens are predicted; of those 80% become [MASK], 10% a random
    token, 10% stay. Returns (inputs, labels) with label -100 where nothing is predicted."""
    labels = input_ids.clone()
    chosen = (torch.rand(input_ids.shape, generator=generator) < MASK_RATE) & ~special
    labels[~chosen] = -100
    inputs = input_ids.clone()
    roll = torch.rand(input_ids.shape, generator=generator)
    inputs[chosen & (roll < 0.8)] = tokenizer.mask_token_id
    random_ids = torch.randint(len(tokenizer), input_ids.shape, generator=generator)
    swap = chosen & (roll >= 0.8) & (roll < 0.9)
    inputs[swap] = random_ids[swap]
    return inputs, labels


def encode(tokenizer, pairs):
    enc = tokenizer([a for a, _, _ in pairs], [b for _, b, _ in pairs], truncation="longest_first",
                    max_length=MAX_LEN, padding=True, return_tensors="pt", return_special_tokens_mask=True)
    special = enc.pop("special_tokens_mask").bool()
    return enc, special, torch.tensor([label for _, _, label in pairs])


# ---- 4. training ------------------------------------------------------------------------------------------

def length_batches(pairs, generator: torch.Generator, window: int = 32) -> list[list[int]]:
    """One epoch of batches in a seeded order, each of pairs of about the same length (less padding: about
    twice as fast): the shuffled pairs are sorted by length within windows of `window` batches."""
    order = torch.randperm(len(pairs), generator=generator).tolist()
    size = lambda i: len(pairs[i][0]) + len(pairs[i][1])  # noqa: E731
    batches = []
    for start in range(0, len(order), window * BATCH):
        chunk = sorted(order[start:start + window * BATCH], key=size)
        batches += [chunk[i:i + BATCH] for i in range(0, len(chunk), BATCH)]
    return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]


def train(model, tokenizer, stories: list[list[str]], steps: int, seed: int) -> list[dict]:
    """Steps of BATCH pairs, each epoch's pairs drawn anew (other IsNext / NotNext choices, other random
    sentences: the model cannot learn the pairs by heart); the mean losses every LOG_EVERY steps."""
    generator, rng = torch.Generator().manual_seed(seed), random.Random(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / WARMUP, max(0.0, (steps - s) / max(1, steps - WARMUP))))
    batches: list[list[int]] = []
    log, sums = [], [0.0, 0.0, 0]
    model.train()
    for step in range(steps):
        if not batches:
            pairs = nsp_pairs(stories, rng)
            batches = length_batches(pairs, generator)
        batch = [pairs[i] for i in batches.pop()]
        enc, special, nsp_labels = encode(tokenizer, batch)
        enc["input_ids"], mlm_labels = mask_tokens(enc["input_ids"], special, tokenizer, generator)
        # BertForPreTraining's forward, with the MLM head on the masked positions only (a quarter of the compute)
        hidden, pooled = model.bert(**enc)[:2]
        scored = mlm_labels != -100
        mlm = torch.nn.functional.cross_entropy(model.cls.predictions(hidden[scored]), mlm_labels[scored])
        nsp = torch.nn.functional.cross_entropy(model.cls.seq_relationship(pooled), nsp_labels)
        (mlm + NSP_WEIGHT * nsp).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        sums = [sums[0] + mlm.item(), sums[1] + nsp.item(), sums[2] + 1]
        if (step + 1) % LOG_EVERY == 0 or step + 1 == steps:
            log.append({"step": step + 1, "mlm": sums[0] / sums[2], "nsp": sums[1] / sums[2]})
            sums = [0.0, 0.0, 0]
            print(f"  step {step + 1:4d}  mlm {log[-1]['mlm']:.3f}  nsp {log[-1]['nsp']:.3f}", flush=True)
    model.eval()
    return log


# ---- 5. evaluation ----------------------------------------------------------------------------------------

@torch.no_grad()
def evaluate(model, tokenizer, pairs, seed: int) -> dict:
    """NSP accuracy and masked-token accuracy (top-1) on held-out pairs."""
    generator = torch.Generator().manual_seed(seed)
    nsp_right = mlm_right = mlm_total = 0
    for start in range(0, len(pairs), 256):
        enc, special, nsp_labels = encode(tokenizer, pairs[start:start + 256])
        enc["input_ids"], mlm_labels = mask_tokens(enc["input_ids"], special, tokenizer, generator)
        out = model(**enc)
        nsp_right += (out.seq_relationship_logits.argmax(-1) == nsp_labels).sum().item()
        scored = mlm_labels != -100
        mlm_right += (out.prediction_logits.argmax(-1)[scored] == mlm_labels[scored]).sum().item()
        mlm_total += scored.sum().item()
    return {"pairs": len(pairs), "nsp_accuracy": nsp_right / len(pairs), "mlm_accuracy": mlm_right / mlm_total}


@torch.no_grad()
def fill_mask(model, tokenizer, text: str, k: int = 5) -> list[tuple[str, float]]:
    enc = tokenizer(text, return_tensors="pt")
    position = enc["input_ids"][0].tolist().index(tokenizer.mask_token_id)
    probs = torch.softmax(model(**enc).prediction_logits[0, position], dim=-1)
    top = probs.topk(k)
    return [(tokenizer.convert_ids_to_tokens(i), p) for i, p in zip(top.indices.tolist(), top.values.tolist())]


# ---- the folder -------------------------------------------------------------------------------------------

def readme(figures: dict) -> str:
    c = figures["corpus"]
    curve = "\n".join(f"| {r['step']} | {r['mlm']:.3f} | {r['nsp']:.3f} |" for r in figures["loss"])
    cloze = "\n".join(f"| `{text}` | " + ", ".join(f"{t} ({p:.0%})" for t, p in top) + " |"
                      for text, top in figures["fill_mask"].items())
    e = figures["held_out"]
    m = MODEL
    chance = math.log(figures["vocab_size"])
    what = (f"`BertForPreTraining`, {figures['parameters']:,} parameters: {m['num_hidden_layers']} layers, hidden size "
            f"{m['hidden_size']}, {m['num_attention_heads']} heads, intermediate size {m['intermediate_size']}, "
            f"{m['max_position_embeddings']} positions; a lowercase WordPiece vocabulary of its own, "
            f"{figures['vocab_size']:,} tokens")
    provenance = ("generated by `scripts/build_story_bert.py` from the output of `stories260K` (the built-in folder "
                  "beside this one); nothing else went in")
    rebuild = (f"`python scripts/build_story_bert.py` ({figures['seconds']:.0f} s on the machine that built it); "
               "the same weights bit for bit whatever the core count or thread settings (one torch thread, seeded "
               "generators, deterministic algorithms), with the same torch and a CPU that runs the same vector "
               "kernels")
    return f"""---
license: mit
language: en
pipeline_tag: fill-mask
---

# story-bert

A small BERT (`BertForPreTraining`: masked-language-model and next-sentence heads) that ships inside the
package, so that Fill-mask, Next sentence, Attention (bidirectional) and the Tokenizer (WordPiece) work with
no flags and no network. No English BERT checkpoint with these heads can be had without the Hugging Face Hub,
so this one is made here: trained from scratch on stories that the built-in `stories260K` writes. It knows the
little world of those stories (Lily, Tim, the park, mom, a big dog) and nothing else: a toy for learning how
BERT works, not a general English model. Where the Hub is reachable, `bert-base-uncased` stays the default.

| | |
|---|---|
| what | {what} |
| size | {figures['bytes'] / 1e6:.1f} MB (float32 safetensors) |
| provenance | {provenance} |
| license | MIT (like `stories260K`, whose text it was trained on); see `LICENSE` |
| rebuild | {rebuild} |

## How it was made

- **Corpus**: {c['train_stories']} stories sampled by `stories260K` from BOS (seed {TRAIN_SEED}, temperature
  {TEMPERATURE}, at most {STORY_TOKENS} tokens, a story cut by the length loses its last sentence):
  {c['train_sentences']:,} sentences, {c['train_words']:,} words, lowercase. {c['dropped']} sentences that fit one
  of the held-out cloze sentences below (whatever the masked word) were dropped before training.
- **Held out**: {c['held_out_stories']} more stories from seed {HELD_OUT_SEED}, read only by the evaluation.
- **Pairs**: every two consecutive sentences of a story, [CLS] A [SEP] B [SEP]: half IsNext (B follows A),
  half NotNext (B a random sentence of another story), drawn anew each epoch: {c['train_pairs']:,} pairs an
  epoch; {MASK_RATE:.0%} of the tokens masked (80% [MASK], 10% a random token, 10% unchanged), anew each time.
- **Training**: {figures['steps']} steps of {BATCH} pairs (about {figures['steps'] * BATCH / c['train_pairs']:.1f}
  epochs), AdamW (lr {LR}, weight decay 0.01, {WARMUP} warm-up steps, linear decay), no dropout,
  loss = MLM cross-entropy + {NSP_WEIGHT:g} × NSP cross-entropy (more weight on NSP: it leaves its plateau at
  ln 2 sooner), the MLM head on the masked positions only.

## Figures of the last build

Build time: {figures['seconds']:.0f} s in all (corpus {figures['corpus_seconds']:.0f} s, training
{figures['train_seconds']:.0f} s) on one CPU thread, {figures['cpu_seconds']:.0f} s of it computing (the rest: waiting
for a core that other work held).

Mean training loss over each {LOG_EVERY} steps (chance: MLM ln {figures['vocab_size']} = {chance:.2f}, NSP
ln 2 = 0.693):

| step | MLM loss | NSP loss |
|---:|---:|---:|
{curve}

On {e['pairs']:,} held-out pairs (from the held-out stories): **NSP accuracy {e['nsp_accuracy']:.1%}**
(chance 50%), masked-token accuracy (top 1) {e['mlm_accuracy']:.1%}.

Fill-mask, top 5, on cloze sentences that no training sentence fits:

| text | top 5 |
|---|---|
{cloze}
"""


def build(out: Path, steps: int = STEPS) -> dict:
    started = time.perf_counter()
    set_determinism(TRAIN_SEED)
    print("generating stories with stories260K ...", flush=True)
    train_stories = [sentences(s) for s in generate_stories(TRAIN_STORIES, TRAIN_SEED)]
    held_out = [sentences(s) for s in generate_stories(HELD_OUT_STORIES, HELD_OUT_SEED)]
    train_stories, dropped = drop_held_out(train_stories)
    corpus_seconds = time.perf_counter() - started

    work = Path(tempfile.mkdtemp(prefix="story-bert-"))
    try:
        tokenizer = train_vocabulary([s for story in train_stories for s in story], work)
        n_pairs = sum(max(0, len(story) - 1) for story in train_stories)  # per epoch
        held_out_pairs = nsp_pairs(held_out, random.Random(HELD_OUT_SEED))
        print(f"{n_pairs} training pairs per epoch, {len(held_out_pairs)} held-out pairs, vocabulary "
              f"{len(tokenizer)}", flush=True)

        torch.manual_seed(TRAIN_SEED)
        config = BertConfig(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, **MODEL)
        model = BertForPreTraining(config)
        train_started = time.perf_counter()
        loss = train(model, tokenizer, train_stories, steps, TRAIN_SEED)
        train_seconds = time.perf_counter() - train_started
        held = evaluate(model, tokenizer, held_out_pairs, HELD_OUT_SEED)
        print(f"held out: NSP accuracy {held['nsp_accuracy']:.3f}, MLM accuracy {held['mlm_accuracy']:.3f}")

        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)
        shutil.copy(work / "vocab.txt", out / "vocab.txt")
        shutil.copy(STORIES / "LICENSE", out / "LICENSE")
        (out / "model.safetensors").chmod(0o644)  # written 0600: readable by whoever runs the app
        figures = {
            "parameters": sum(p.numel() for p in model.parameters()), "vocab_size": len(tokenizer),
            "bytes": (out / "model.safetensors").stat().st_size, "steps": steps, "loss": loss, "held_out": held,
            "fill_mask": {text: fill_mask(model, tokenizer, text) for text in CLOZE},
            "corpus": {"train_stories": TRAIN_STORIES, "held_out_stories": HELD_OUT_STORIES, "dropped": dropped,
                       "train_sentences": sum(map(len, train_stories)),
                       "train_words": sum(len(s.split()) for story in train_stories for s in story),
                       "train_pairs": n_pairs},
            "corpus_seconds": corpus_seconds, "train_seconds": train_seconds,
        }
        figures["seconds"], figures["cpu_seconds"] = time.perf_counter() - started, time.process_time()
        (out / "README.md").write_text(readme(figures))
        print(json.dumps({k: figures[k] for k in ("held_out", "fill_mask", "seconds")}, indent=1))
        return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"the folder to write (default {OUT})")
    parser.add_argument("--steps", type=int, default=STEPS, help=f"training steps (default {STEPS})")
    args = parser.parse_args()
    build(args.out, args.steps)


if __name__ == "__main__":
    main()
