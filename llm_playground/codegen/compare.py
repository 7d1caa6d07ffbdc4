"""Copy as Python for the Compare tab: both generations with generate() (one seed), then each text read by both
models: the other model's probability of every token and KL(this ‖ other) of the next-token distributions."""

from __future__ import annotations

from .common import DROP_EOS, as_float, as_int, dtype_of, int8_lines, text_literal


def _side(name: str, source: str, dtype: str, do_sample: bool, temperature: float, local: bool = False) -> str:
    torch_dtype, _ = dtype_of(dtype)
    note = "  # a local folder of the app (--models-dir): use your copy's path, or a Hub id" if local else ""
    int8 = ", int8=True" if str(dtype).lower() == "int8" else ""
    return (f"    {name!r}: dict(source={text_literal(source, 'model source')!r}, dtype=torch.{torch_dtype}{int8}, "
            f"do_sample={bool(do_sample)}, temperature={as_float(temperature, 'temperature')!r}),{note}")


def compare(prompt: str, sides: dict, max_new_tokens: int, top_k: int, top_p: float, seed: int,
            shared: bool = True) -> str:
    """sides: {"A": (source, dtype, do_sample, temperature[, local folder]), "B": (...)}; seed: the one the app
    reported."""
    seed, n = as_int(seed, "seed"), as_int(max_new_tokens, "max_new_tokens")
    k, p = as_int(top_k, "top_k"), as_float(top_p, "top_p")
    lines = ["# LLM Playground, Compare: the same result with plain transformers.",
             "import math", "", "import torch", "from transformers import AutoModelForCausalLM, AutoTokenizer", "",
             f"prompt = {text_literal(prompt, 'prompt')!r}",
             "sides = {", *[_side(name, *side) for name, side in sides.items()], "}",
             "models, texts = {}, {}",
             "for name, side in sides.items():",
             '    tokenizer = AutoTokenizer.from_pretrained(side["source"])',
             '    models[name] = AutoModelForCausalLM.from_pretrained(side["source"], dtype=side["dtype"])',
             *(['    if side.get("int8"):', *int8_lines("models[name]", "        ")]
               if any(str(side[1]).lower() == "int8" for side in sides.values()) else []),
             '    input_ids = tokenizer(prompt, return_tensors="pt").input_ids',
             *["    " + line for line in DROP_EOS],
             f"    torch.manual_seed({seed})  # the same seed for both sides",
             '    sampling = dict(temperature=side["temperature"], top_k=' + str(k) + ", top_p=" + repr(p) +
             ') if side["do_sample"] else {}',
             '    out = models[name].generate(input_ids, attention_mask=torch.ones_like(input_ids), max_new_tokens='
             + str(n) + ', do_sample=side["do_sample"], **sampling)',
             "    texts[name] = out[0].tolist()  # prompt + generated ids",
             "    print(name, repr(tokenizer.decode(out[0, input_ids.shape[1]:], skip_special_tokens=True)))",
             "n_prompt = input_ids.shape[1]"]
    if not shared:
        lines += ["# The two models read different vocabularies: neither can score the other's tokens."]
        return "\n".join(lines) + "\n"
    lines += ["",
              "# Each text read by both models: the other model's probability of each token, and KL(this || other)",
              "# of their next-token distributions at each step, in bits.",
              "scores = {}",
              'for name, other in (("A", "B"), ("B", "A")):',
              "    ids = torch.tensor([texts[name]])",
              "    with torch.no_grad():",
              "        mine = torch.log_softmax(models[name](ids).logits[0, n_prompt - 1:-1].double(), -1)",
              "        theirs = torch.log_softmax(models[other](ids).logits[0, n_prompt - 1:-1].double(), -1)",
              "    kl = (mine.exp() * (mine - theirs)).sum(-1) / math.log(2)",
              "    other_prob = theirs.exp()[torch.arange(len(kl)), texts[name][n_prompt:]]",
              "    scores[name] = (other_prob, kl)",
              '    print(f"{name}: mean KL({name} || {other}) = {kl.mean():.4f} bits;",',
              "          \"the other model's probabilities\", [round(x, 3) for x in other_prob.tolist()])"]
    return "\n".join(lines) + "\n"
