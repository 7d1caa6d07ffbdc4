"""Generation parameters: one request's decoding settings, built from values its spec checked.

The same settings give the same logits processors, in the same order, as transformers' generate() builds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

import torch
from transformers import (LogitsProcessorList, NoRepeatNGramLogitsProcessor, RepetitionPenaltyLogitsProcessor,
                          TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper)

from ..errors import InvalidInput
from .validation import flag, number

TOP_N = 5  # alternatives shown per step in the UI and /generate
MAX_ALTERNATIVES = 20  # what a caller may ask for (OpenAI-style logprobs go up to 20)
# Below these the scaled logits overflow float32 (inf - inf = nan in the softmax): sampling would fail.
MIN_TEMPERATURE = 0.01
MIN_REPETITION_PENALTY = 0.001
MAX_ID_DIGITS = 12


@dataclass
class GenerationParams:
    max_new_tokens: int = 40
    do_sample: bool = False
    temperature: float = 1.0
    top_k: int = 50
    top_p: float = 1.0
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    seed: int = 0
    num_sequences: int = 1
    alternatives: int = TOP_N  # most likely tokens recorded per step (not a spec parameter: no UI control)
    # Forced start of the continuation (a branch: the tokens generated before plus the alternative chosen);
    # generation goes on for max_new_tokens after them.
    prefix_ids: list[int] = field(default_factory=list)

    @classmethod
    def from_checked(cls, values: dict, alternatives: int = TOP_N, most_forced: int = 0) -> "GenerationParams":
        """The parameters of a request whose values its spec already checked (checks.checked, the one check of
        each value): only what depends on their combination is checked here (temperature when sampling, the
        penalty's floor), plus the two values no spec control has (alternatives, the forced tokens' list);
        seed -1 becomes a drawn seed. Compare builds each side's parameters here too. most_forced: the spec's
        limit on prefix_ids (0: a request that cannot force tokens)."""
        names = {f.name for f in fields(cls)} - {"alternatives", "prefix_ids"}
        p = cls(**{k: v for k, v in values.items() if k in names},
                alternatives=number(alternatives, "alternatives", 1, MAX_ALTERNATIVES, integer=True),
                prefix_ids=token_ids(values.get("prefix_ids"), "prefix_ids", most_forced))
        p._check_domain()
        if p.seed == -1 and p.do_sample:  # a fresh random seed, reported back so it can be reused (greedy needs none)
            p.seed = int(torch.randint(0, 2**31 - 1, (1,)).item())
        return p

    def validated(self, spec=None) -> "GenerationParams":
        """For scripts and tests that build GenerationParams themselves: each value checked against the generate
        spec's limits (greedy accepts a temperature of 0, which it ignores), then as from_checked does."""
        from ..checks import check
        from ..specs import DEFAULT_SPECS

        spec = spec or DEFAULT_SPECS["generate"]
        do_sample = flag(self.do_sample, "do_sample")
        values = {"do_sample": do_sample, "prefix_ids": self.prefix_ids}
        for name, value in asdict(self).items():
            if name not in ("do_sample", "alternatives", "prefix_ids"):
                param = spec.param(name)
                if name == "temperature":  # greedy ignores it: 0 is fine there
                    param = replace(param, low_open=do_sample)
                values[name] = check(param, value)
        return GenerationParams.from_checked(values, self.alternatives, int(spec.param("prefix_ids").high))

    def _check_domain(self) -> None:
        if self.do_sample and self.temperature < MIN_TEMPERATURE:
            raise InvalidInput("generate.temperature_too_low", least=MIN_TEMPERATURE, got=self.temperature)
        if self.repetition_penalty < MIN_REPETITION_PENALTY:
            raise InvalidInput("generate.penalty_too_low", least=MIN_REPETITION_PENALTY, got=self.repetition_penalty)

    def processors(self) -> LogitsProcessorList:
        """The same processors, in the same order, that generate() builds for these settings."""
        procs = LogitsProcessorList()
        if self.repetition_penalty != 1.0:
            procs.append(RepetitionPenaltyLogitsProcessor(self.repetition_penalty))
        if self.no_repeat_ngram_size > 0:
            procs.append(NoRepeatNGramLogitsProcessor(self.no_repeat_ngram_size))
        if self.do_sample:
            if self.temperature != 1.0:
                procs.append(TemperatureLogitsWarper(self.temperature))
            if self.top_k > 0:
                procs.append(TopKLogitsWarper(self.top_k))
            if self.top_p < 1.0:
                procs.append(TopPLogitsWarper(self.top_p))
        return procs


def token_ids(value, name: str, most: int) -> list[int]:
    """A list of token ids, or the same written "12, 7, 431" (a link, the UI's box); range checked by the model."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        parts = [v for v in value.replace(",", " ").split() if v]
        if not all(v.isascii() and v.isdigit() for v in parts):  # "²" is a digit to isdigit, not to int()
            raise InvalidInput("generate.ids_not_ids", name=name, got=value[:60])
        if any(len(v) > MAX_ID_DIGITS for v in parts):  # int() refuses 4,300 digits; no vocabulary has 10^12 ids
            raise InvalidInput("generate.id_too_large", name=name, got=max(parts, key=len)[:20])
        value = [int(v) for v in parts]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                                       for v in value):
        raise InvalidInput("generate.ids_not_a_list", name=name)
    if len(value) > most:
        raise InvalidInput("generate.ids_too_many", name=name, n=len(value), most=most)
    return list(value)
