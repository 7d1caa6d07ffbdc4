"""Fill-mask: the model's top-k tokens for every [MASK] in a text, from one forward pass.

Each mask is scored independently, as the MLM head gives it: the softmax of that position's logits
with the other masks still in place (how BERT was trained, and how transformers' fill-mask pipeline
scores). Users write [MASK] for every model; it becomes the model's own mask token (<mask> for
RoBERTa) before tokenizing, so the same text works everywhere.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import torch

from ..errors import InvalidInput, TaskNotSupported
from ..models.catalog import FILL_MASK
from ..specs import MAX_MASKS
from .encoder import encode, forward

USER_MASK = "[MASK]"
_USER_MASK_RE = re.compile(re.escape(USER_MASK), re.IGNORECASE)


@dataclass
class Prediction:
    token: str  # the predicted token as text ("basketball", "##ed")
    id: int
    score: float  # its probability at this mask position
    sequence: str  # the text with this mask filled in (any other masks left in place)


@dataclass
class MaskPredictions:
    position: int  # index of the mask in `tokens`
    predictions: list[Prediction]


@dataclass
class FillMaskResult:
    text: str  # the text as the model got it, with its own mask token
    tokens: list[str]  # what the model saw, special tokens included ("play", "##ed")
    input_ids: list[int]
    masks: list[MaskPredictions]

    def to_dict(self, model: str) -> dict:
        return {"model": model, "text": self.text, "tokens": self.tokens, "input_ids": self.input_ids,
                "masks": [asdict(m) for m in self.masks]}


def with_model_mask(text: str, tokenizer) -> str:
    """The text with every [MASK] (any case) replaced by the tokenizer's own mask token."""
    if not tokenizer.mask_token:
        raise TaskNotSupported("fill.no_mask_token")
    return _USER_MASK_RE.sub(lambda _: tokenizer.mask_token, text)


def _mask_positions(ids: list[int], tokenizer) -> list[int]:
    positions = [i for i, t in enumerate(ids) if t == tokenizer.mask_token_id]
    if not positions:
        if tokenizer.mask_token == USER_MASK:
            raise InvalidInput("fill.no_mask")
        raise InvalidInput("fill.no_mask_own", own=tokenizer.mask_token)
    if len(positions) > MAX_MASKS:
        raise InvalidInput("fill.too_many_masks", n=len(positions), limit=MAX_MASKS)
    return positions


def mlm_logits(outputs) -> torch.Tensor:
    """BertForPreTraining names its MLM output prediction_logits; *ForMaskedLM models call it logits."""
    logits = getattr(outputs, "prediction_logits", None)
    return logits if logits is not None else outputs.logits


def preprocess(loaded, text: str):
    """The text with the model's own mask token, its encoding, and where the masks are."""
    loaded.require(FILL_MASK)  # never read a randomly initialised head
    text = with_model_mask(text, loaded.tokenizer)
    enc = encode(loaded, text)
    return text, enc, _mask_positions(enc["input_ids"][0].tolist(), loaded.tokenizer)


def postprocess(tok, text: str, ids: list[int], positions: list[int], logits: torch.Tensor, k: int) -> FillMaskResult:
    probs = torch.softmax(logits.float(), dim=-1).cpu()
    top = probs.topk(min(k, probs.shape[-1]), dim=-1)
    masks = []
    for row, position in enumerate(positions):
        preds = [Prediction(_token_text(tok, i), i, float(p), _sequence(tok, ids, text, position, i))
                 for p, i in zip(top.values[row].tolist(), top.indices[row].tolist())]
        masks.append(MaskPredictions(position, preds))
    return FillMaskResult(text, tok.convert_ids_to_tokens(ids), ids, masks)


def fill_mask(loaded, text: str, top_k: int = 5) -> FillMaskResult:
    """Each mask's top-k tokens from one forward pass (text and top_k already checked by the service)."""
    text, enc, positions = preprocess(loaded, text)
    logits = mlm_logits(forward(loaded, enc))[0, positions]
    return postprocess(loaded.tokenizer, text, enc["input_ids"][0].tolist(), positions, logits, int(top_k))


def _token_text(tok, token_id: int) -> str:
    return tok.decode([token_id]).strip() or tok.convert_ids_to_tokens(token_id)


def _sequence(tok, ids: list[int], text: str, position: int, candidate: int) -> str:
    """Decode the ids with one mask filled, without [CLS]/[SEP]/<s>… but keeping the other masks."""
    filled = ids.copy()
    filled[position] = candidate
    hidden = set(tok.all_special_ids) - {tok.mask_token_id}
    decoded = tok.decode([i for i in filled if i not in hidden]).strip()
    return _respace_masks(decoded, tok, text, skip=ids[:position].count(tok.mask_token_id))


def _respace_masks(decoded: str, tok, text: str, skip: int) -> str:
    """Put back the space before a left-stripping mask token (RoBERTa's <mask>), which decode drops."""
    mask = tok.mask_token
    added = getattr(tok, "added_tokens_decoder", {}).get(tok.mask_token_id)
    if not getattr(added, "lstrip", False):
        return decoded
    spaced = [m.start() > 0 and text[m.start() - 1].isspace() for m in re.finditer(re.escape(mask), text)]
    if skip < len(spaced):
        del spaced[skip]  # the mask being filled is no longer in `decoded`
    flags = iter(spaced)

    def put_back(m: re.Match) -> str:
        before = m.start() > 0 and not decoded[m.start() - 1].isspace()
        return (" " if next(flags, False) and before else "") + mask

    return re.sub(re.escape(mask), put_back, decoded)
