"""Copy as Python for the Logit lens tab: hidden states -> final norm -> output embedding, as the app reads them."""

from __future__ import annotations

from .common import DROP_EOS, as_int, dtype_of, header, source_of, text_literal

NORMS = ("norm", "ln_f", "final_layer_norm", "final_norm", "norm_f")  # tasks/logit_lens.NORM_NAMES


def logit_lens(model: str, text: str, top_k: int = 5, *, source: str | None = None, dtype: str = "float32",
               track: str = "") -> str:
    """Every layer (0 = embeddings) read through the final norm and the output embedding: top-k and entropy per
    position in `grid`, printed for the last position. The final norm's input is hooked because hidden_states[-1]
    is usually normalised already."""
    text, k = text_literal(text), as_int(top_k, "top_k")
    name, _ = dtype_of(dtype)
    lines = header("Logit lens", "import math\nfrom transformers import AutoModelForCausalLM, AutoTokenizer",
                   source_of(source, model))
    lines += [f"model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.{name})", "",
              f"text = {text!r}", 'input_ids = tokenizer(text, return_tensors="pt").input_ids', *DROP_EOS,
              "base = model.base_model",
              f"norm = next(getattr(owner, n) for owner in (base, getattr(base, 'decoder', None)) for n in {NORMS!r}",
              "            if isinstance(getattr(owner, n, None), torch.nn.Module))  # the final norm",
              "head = model.get_output_embeddings()",
              "captured = {}  # hidden_states[-1] is usually normalised already: keep the norm's input instead",
              "def keep_input(module, args, output):  # returns None: the norm's output stays as it is",
              "    captured.setdefault('pre', args[0])",
              "hook = norm.register_forward_hook(keep_input)",
              "with torch.no_grad():",
              "    out = model(input_ids, output_hidden_states=True)",
              "    states = [*out.hidden_states[:-1], captured['pre']]  # embeddings, then each block's output",
              "    grid = []  # grid[layer] = (top-k probabilities, top-k ids, entropy in bits), one row per position",
              "    for layer, h in enumerate(states):",
              "        logits = out.logits[0] if layer == len(states) - 1 else head(norm(h))[0]",
              "        probs = torch.softmax(logits.float(), dim=-1)",
              f"        top = probs.topk({k}, dim=-1)",
              "        grid.append((top.values, top.indices, torch.special.entr(probs).sum(-1) / math.log(2)))",
              "hook.remove()",
              "for layer, (values, ids, entropy) in enumerate(grid):  # the last position: the next token of the text",
              "    best = ', '.join(f'{tokenizer.decode([i])!r} {p:.3f}' for p, i in zip(values[-1].tolist(), "
              "ids[-1].tolist()))",
              "    print(f'layer {layer}: {best} (entropy {entropy[-1]:.2f} bits)')"]
    if track:  # the followed token: the first id where text + track is tokenized differently from text
        lines += ["", f"track = {text_literal(track, 'track')!r}",
                  'full = tokenizer(text + track, return_tensors="pt").input_ids[0].tolist()',
                  "base = input_ids[0].tolist()",
                  "chosen = full[next((i for i, (a, b) in enumerate(zip(base, full)) if a != b), len(base))]",
                  "with torch.no_grad():  # its probability and rank at every layer, at the last position",
                  "    for layer, h in enumerate(states):",
                  "        logits = out.logits[0] if layer == len(states) - 1 else head(norm(h))[0]",
                  "        probs = torch.softmax(logits[-1].float(), dim=-1)",
                  "        rank = int((probs > probs[chosen]).sum()) + 1",
                  "        print(f'layer {layer}: {tokenizer.decode([chosen])!r} {probs[chosen].item():.4f} '",
                  "              f'(rank {rank})')"]
    return "\n".join(lines) + "\n"
