"""How likely the model finds each token of a prompt, given the tokens before it.

This is what OpenAI-style completions return for the prompt with `echo` and `logprobs` (evaluation
harnesses score texts this way). preprocess: the prompt's ids exactly as generation encodes them;
forward: one pass over the whole prompt, every position's logits; postprocess: the log-softmax at each
position, the log-probability of the token that really follows and the most likely alternatives. The
first token has nothing before it, so it has no log-probability.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch

from .generation import Detokenizer
from .next_token import preprocess


@dataclass
class Scored:
    token: str  # how the token reads after the tokens before it
    id: int
    logprob: float


@dataclass
class PromptToken:
    token: str  # the text this token adds to the prompt (the pieces concatenate to the decoded prompt)
    id: int
    logprob: float | None  # None for the first token: nothing predicts it
    top: list[Scored] = field(default_factory=list)


@dataclass
class PromptLogprobs:
    prompt: str
    tokens: list[PromptToken]

    def to_dict(self, model: str) -> dict:
        return {"model": model, "prompt": self.prompt, "tokens": [asdict(t) for t in self.tokens]}


def forward(loaded, ids: torch.Tensor) -> torch.Tensor:
    """Every position's logits for the prompt (float32, on the CPU): row i predicts token i + 1."""
    from .validation import out_of_memory_as_error

    with loaded.lock, torch.inference_mode(), out_of_memory_as_error(loaded.name):
        out = loaded.model(input_ids=ids.to(loaded.device))
    return out.logits[0].float().cpu()


def postprocess(loaded, prompt: str, ids: torch.Tensor, logits: torch.Tensor, alternatives: int) -> PromptLogprobs:
    ids_list = ids[0].tolist()
    logprobs = torch.log_softmax(logits[:-1], dim=-1)  # the last row predicts a token after the prompt
    top_lp, top_i = logprobs.topk(min(alternatives, logprobs.shape[-1]), dim=-1)
    detok = Detokenizer(loaded.tokenizer, [])
    tokens = []
    for position, token_id in enumerate(ids_list):
        if position == 0:
            tokens.append(PromptToken(detok.push(token_id), token_id, None))
            continue
        row = position - 1
        top = [Scored(detok.alternative(int(i)), int(i), float(lp)) for lp, i in zip(top_lp[row], top_i[row])]
        logprob = float(logprobs[row, token_id])
        tokens.append(PromptToken(detok.push(token_id), token_id, logprob, top))
    return PromptLogprobs(prompt, tokens)


def prompt_logprobs(loaded, prompt: str, alternatives: int = 5) -> PromptLogprobs:
    ids = preprocess(loaded, prompt)
    return postprocess(loaded, prompt, ids, forward(loaded, ids), alternatives)
