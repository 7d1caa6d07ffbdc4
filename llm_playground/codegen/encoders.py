"""Copy as Python for the Fill-mask, Next-sentence and Attention tabs."""

from __future__ import annotations

from .common import DROP_EOS, USER_MASK_RE, as_int, dtype_of, header, source_of, text_literal


def fill_mask(model: str, text: str, top_k: int = 5, *, source: str | None = None, dtype: str = "float32") -> str:
    """Code for the Fill mask tab: each mask's top-k tokens from one forward pass."""
    text = USER_MASK_RE.sub("[MASK]", text_literal(text))  # the app takes [mask] in any case
    torch_dtype, _ = dtype_of(dtype)
    lines = header("Fill mask", "from transformers import AutoModelForMaskedLM, AutoTokenizer",
                   source_of(source, model))
    lines += ["# For BERT this is BertForMaskedLM: the masked-language-model head.",
              f"model = AutoModelForMaskedLM.from_pretrained(source, dtype=torch.{torch_dtype})", "",
              "# [MASK] becomes the model's own mask token (RoBERTa's is <mask>).",
              f"text = {text!r}.replace(\"[MASK]\", tokenizer.mask_token)",
              'inputs = tokenizer(text, return_tensors="pt")',
              "with torch.no_grad():",
              "    logits = model(**inputs).logits[0]",
              "",
              "# Every mask is scored on its own: the softmax of its position's logits.",
              "predictions = {}",
              'for position in (inputs["input_ids"][0] == tokenizer.mask_token_id).nonzero()[:, 0].tolist():',
              "    probs = torch.softmax(logits[position].float(), dim=-1)",
              f"    top = probs.topk({as_int(top_k, 'top_k')})",
              "    predictions[position] = list(zip(top.indices.tolist(), top.values.tolist()))",
              '    print(f"[MASK] at token {position}:")',
              "    for token_id, prob in predictions[position]:",
              '        print(f"  {tokenizer.decode([token_id]).strip()!r:>16} (id {token_id}) {prob:.4f}")']
    return "\n".join(lines) + "\n"


def next_sentence(model: str, sentence_a: str, sentence_b: str, *, source: str | None = None,
                  dtype: str = "float32") -> str:
    """Code for the Next sentence tab: P(IsNext) and P(NotNext) from BERT's NSP head."""
    a, b = text_literal(sentence_a, "sentence A"), text_literal(sentence_b, "sentence B")
    torch_dtype, _ = dtype_of(dtype)
    lines = header("Next sentence", "from transformers import AutoTokenizer, BertForNextSentencePrediction",
                    source_of(source, model))
    lines += [f"model = BertForNextSentencePrediction.from_pretrained(source, dtype=torch.{torch_dtype})", "",
              f"sentence_a = {a!r}", f"sentence_b = {b!r}",
              "# [CLS] A [SEP] B [SEP], with token_type_ids 0 for sentence A and 1 for sentence B",
              'inputs = tokenizer(sentence_a, sentence_b, return_tensors="pt")',
              "with torch.no_grad():",
              "    logits = model(**inputs).logits[0]  # [IsNext, NotNext]",
              "probs = torch.softmax(logits.float(), dim=-1)",
              'print(tokenizer.convert_ids_to_tokens(inputs["input_ids"][0]))',
              'print(f"IsNext {probs[0].item():.4f}   NotNext {probs[1].item():.4f}")']
    return "\n".join(lines) + "\n"


def attention(model: str, text: str, layer: int = 0, head=-1, text_pair: str = "", *,
              source: str | None = None, causal: bool = False, dtype: str = "float32") -> str:
    """Code for the Attention tab: one layer's weights, for a head or the mean ("max") over heads.
    `causal` (the API result's "causal"): a left-to-right LM, fed the prompt as the Generate tab does."""
    text, layer = text_literal(text), as_int(layer, "layer")
    pair = text_literal(text_pair or "", "sentence B")
    pair = pair if pair.strip() and not causal else ""
    if head in (-1, "-1", "mean"):
        pick, what = ".mean(0)", "the mean over heads (rows still sum to 1)"
    elif head == "max":
        pick, what = ".max(0).values", "the max over heads (rows no longer sum to 1)"
    else:
        head = as_int(head, "head")
        pick, what = f"[{head}]", f"head {head}"
    torch_dtype, _ = dtype_of(dtype)
    lines = header("Attention", "from transformers import AutoModel, AutoTokenizer", source_of(source, model))
    lines += ["# Only the eager attention implementation returns the attention weights.",
              f'model = AutoModel.from_pretrained(source, attn_implementation="eager", dtype=torch.{torch_dtype})',
              "", f"text = {text!r}"]
    if causal:
        lines += ['input_ids = tokenizer(text, return_tensors="pt").input_ids', *DROP_EOS,
                  'inputs = {"input_ids": input_ids}']
    elif pair:
        lines += [f"text_pair = {pair!r}", "# [CLS] A [SEP] B [SEP], as BERT reads a sentence pair",
                  'inputs = tokenizer(text, text_pair, return_tensors="pt")']
    else:
        lines.append('inputs = tokenizer(text, return_tensors="pt")')
    lines += ["with torch.no_grad():",
              "    attentions = model(**inputs, output_attentions=True).attentions  # per layer: [1, heads, T, T]",
              f"# Layer {layer}, {what}: row i = how token i spreads its attention over the tokens.",
              f"weights = attentions[{layer}][0]{pick}",
              'tokens = tokenizer.convert_ids_to_tokens(inputs["input_ids"][0])',
              "torch.set_printoptions(precision=3, sci_mode=False, linewidth=160)",
              "print(tokens)",
              "print(weights)"]
    return "\n".join(lines) + "\n"
