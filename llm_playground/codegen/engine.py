"""Copy as Python for a generation on an inference engine: the `openai` client code that sends the
engine the same request the app sent (the same model, prompt and sampling values, top-5 logprobs as
token ids) and prints the same completion, probabilities and alternatives."""

from __future__ import annotations

from ..specs import DEFAULTS
from .common import TOP_N, as_float, as_int, text_literal

G = DEFAULTS["generate"]


def generate_openai(model_id: str, prompt: str, max_new_tokens: int = G["max_new_tokens"],
                    do_sample: bool = G["do_sample"], temperature: float = G["temperature"], top_k: int = G["top_k"],
                    top_p: float = G["top_p"], repetition_penalty: float = G["repetition_penalty"],
                    seed: int = G["seed"], num_sequences: int = G["num_sequences"], *, base_url: str) -> str:
    """Pass the seed the app reported. The API key is never written: the code reads OPENAI_API_KEY."""
    prompt, sample = text_literal(prompt, "prompt"), bool(do_sample)
    n, seed = as_int(num_sequences, "num_sequences"), as_int(seed, "seed")
    if sample:
        sampling = [f"temperature={as_float(temperature, 'temperature')!r}", f"top_p={as_float(top_p, 'top_p')!r}",
                    f"seed={seed}", f"n={n}"]
        extra = {"top_k": as_int(top_k, "top_k") or -1}
    else:
        sampling, extra = ["temperature=0.0, top_p=1.0, n=1"], {"top_k": -1}
    extra |= {"repetition_penalty": as_float(repetition_penalty, "repetition_penalty"),
              "return_tokens_as_token_ids": True, "skip_special_tokens": True}
    lines = ["# LLM Playground, Generate: the same request to the inference engine, with the openai client.",
             "# pip install openai  (the engine speaks the OpenAI completions API; vLLM reads the extra_body fields)",
             "import math", "import os", "", "from openai import OpenAI", "",
             f"client = OpenAI(base_url={text_literal(base_url.rstrip('/') + '/v1', 'engine URL')!r},",
             '                api_key=os.environ.get("OPENAI_API_KEY", "EMPTY"))  # the engine\'s key, if it has one',
             f"prompt = {prompt!r}",
             "response = client.completions.create(",
             f"    model={text_literal(model_id, 'model')!r}, prompt=prompt, max_tokens={as_int(max_new_tokens, 'max_new_tokens')},",
             f"    {', '.join(sampling)}, logprobs={TOP_N},",
             f"    extra_body={extra!r},",
             ")"]
    if not sample and n > 1:
        lines.append(f"# Greedy decoding is deterministic: the app's {n} sequences are all this one.")
    lines += ["for choice in response.choices:",
              "    print(repr(prompt + choice.text))",
              "",
              "# Each token's probability under the model's own distribution (vLLM's default raw logprobs: temperature",
              f"# 1, before any sampling filter), with the top-{TOP_N} alternatives as token ids.",
              "steps = response.choices[0].logprobs",
              "for token, logprob, top in zip(steps.tokens, steps.token_logprobs, steps.top_logprobs):",
              f"    best = sorted(top.items(), key=lambda kv: -kv[1])[:{TOP_N}]",
              '    others = "  ".join(f"{t.removeprefix(\'token_id:\')} {math.exp(lp):.3f}" for t, lp in best)',
              '    print(f"{token.removeprefix(\'token_id:\'):>8} {math.exp(logprob):.4f}   top: {others}")']
    return "\n".join(lines) + "\n"
