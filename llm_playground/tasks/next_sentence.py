"""Next-sentence prediction: does sentence B follow sentence A? (BERT's NSP head).

The input is what BERT was pre-trained on: [CLS] A [SEP] B [SEP], with token_type_ids 0 for
segment A and 1 for segment B. The NSP head gives two logits, index 0 = IsNext, 1 = NotNext;
their softmax is the probability shown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

from ..models.catalog import NEXT_SENTENCE
from .encoder import encode, forward

LABELS = ("IsNext", "NotNext")  # the order of BERT's seq_relationship logits


@dataclass
class NextSentenceResult:
    is_next: float  # P(IsNext)
    not_next: float  # P(NotNext) = 1 - P(IsNext)
    logits: list[float]  # raw NSP logits, [IsNext, NotNext]
    tokens: list[str]
    input_ids: list[int]
    token_type_ids: list[int]  # 0 = segment A (with [CLS] and the first [SEP]), 1 = segment B
    attention_mask: list[int]

    def to_dict(self, model: str) -> dict:
        return {"model": model, **asdict(self)}


def preprocess(loaded, sentence_a: str, sentence_b: str):
    loaded.require(NEXT_SENTENCE)  # a checkpoint saved without NSP weights would give random output
    return encode(loaded, sentence_a, sentence_b)


def postprocess(tokenizer, enc, logits: torch.Tensor) -> NextSentenceResult:
    ids = enc["input_ids"][0].tolist()
    type_ids = enc["token_type_ids"][0].tolist() if "token_type_ids" in enc else [0] * len(ids)
    mask = enc["attention_mask"][0].tolist() if "attention_mask" in enc else [1] * len(ids)
    logits = logits.float().cpu()
    is_next, not_next = torch.softmax(logits, dim=-1).tolist()
    return NextSentenceResult(is_next, not_next, logits.tolist(), tokenizer.convert_ids_to_tokens(ids), ids,
                              type_ids, mask)


def next_sentence(loaded, sentence_a: str, sentence_b: str) -> NextSentenceResult:
    enc = preprocess(loaded, sentence_a, sentence_b)
    return postprocess(loaded.tokenizer, enc, forward(loaded, enc).seq_relationship_logits[0])
