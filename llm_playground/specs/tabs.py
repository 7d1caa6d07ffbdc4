"""The task specs, one builder per task: parameters with their defaults, ranges, labels and API docs."""

from __future__ import annotations

from ..models.catalog import ATTENTION, FILL_MASK, GENERATION, NEXT_SENTENCE, TOKENIZER
from .params import (ATTENTION_VIEWS, BOOL, CHOICE, DTYPES, FLOAT, FORWARD_PASS_TOKENS, HEAD_MAX, HEAD_MEAN,
                     HEATMAP, IDS, INT, LINK_MAX_SEED, MAX_ATTENTION_TOKENS, MAX_LENS_TOKENS, MAX_LENS_TOP_K,
                     MAX_SEED, MAX_TOKENIZERS,
                     MAX_TOP_K, MODEL, MODELS, TEXT, Param, TaskSpec)

def _text(name: str, label: str, doc: str, max_chars: int, **kw) -> Param:
    return Param(name, TEXT, kw.pop("default", None), high=max_chars, label=label, doc=doc, **kw)


def _model(doc: str = "a model name from /models") -> Param:
    return Param("model", MODEL, label="model", doc=doc)


def _temperature(label: str, doc: str, name: str = "temperature") -> Param:
    return Param(name, FLOAT, 1.0, 0.05, 2.0, 0.05, limits=(0, 100), low_open=True, label=label, doc=doc)


def _top_k(default: int, label: str, doc: str) -> Param:
    return Param("top_k", INT, default, 0, 200, 1, limits=(0, 1_000_000), label=label, doc=doc)


def _top_p(label: str, doc: str) -> Param:
    return Param("top_p", FLOAT, 1.0, 0.05, 1.0, 0.05, limits=(0, 1), low_open=True, label=label, doc=doc)


def _generate(max_chars: int, max_new: int) -> TaskSpec:
    return TaskSpec("generate", "generate", "tab_generate", model_task=GENERATION, concurrency_id="generate",
                    needs_internals="scoring the prompt (its log-probabilities)", params=(
        _model(),
        _text("prompt", "gen_prompt", "the text to continue", max_chars, aliases=("text",)),
        Param("max_new_tokens", INT, 40, 1, max_new, 1, label="gen_max_new", doc="tokens to generate"),
        Param("do_sample", BOOL, False, label="gen_decoding", doc="false: greedy; true: sampling"),
        _temperature("gen_temperature", "sampling only: divides the logits"),
        _top_k(50, "gen_top_k", "sampling only: keep the k most likely tokens (0 = all)"),
        _top_p("gen_top_p", "sampling only: keep the smallest set of tokens whose probabilities reach p"),
        Param("repetition_penalty", FLOAT, 1.0, 1.0, 2.0, 0.05, limits=(0, 10), low_open=True, label="gen_rep",
              doc="lower the scores of tokens already in the text (1 = off)"),
        Param("seed", INT, 0, -1, LINK_MAX_SEED, limits=(-1, MAX_SEED), label="gen_seed",
              doc="random seed for sampling; -1 draws one (reported back)"),
        Param("no_repeat_ngram_size", INT, 0, 0, 10, 1, limits=(0, 20), label="gen_ngram",
              doc="forbid repeating any n-gram of this size (0 = off)"),
        Param("num_sequences", INT, 1, 1, 4, 1, limits=(1, 8), label="gen_nseq", doc="sequences to generate"),
        Param("dtype", CHOICE, "auto", choices=DTYPES, label="gen_dtype", doc="weights dtype"),
        Param("prefix_ids", IDS, None, high=max_new, label="gen_prefix", optional=True,
              doc="token ids forced at the start of the continuation (a branch: tokens generated before, then the "
                  "alternative chosen); max_new_tokens more follow them"),
        Param("filtered_probs", BOOL, False, link=False, doc="also return, per step, each alternative's probability "
              "after repetition penalty, temperature, top-k and top-p (prob_after_filters), the filter that removed "
              "it (removed_by) and how many tokens the filters kept"),
    ), doc="Generate a continuation of `prompt`, with each new token's probability and top-5 alternatives.")


def _compare(max_chars: int, max_new: int) -> TaskSpec:
    def model(side: str) -> Param:
        return Param(f"model_{side}", MODEL, label=f"cmp_model_{side}", doc=f"model {side.upper()} (a name from "
                     "/models; the same name twice compares two settings)")

    def per_side(side: str) -> tuple[Param, ...]:
        # B defaults to 16-bit weights: the tab opens on what halving the weights costs
        return (Param(f"dtype_{side}", CHOICE, "bfloat16" if side == "b" else "auto", choices=DTYPES,
                      label="gen_dtype", doc=f"{side.upper()}'s weights"),
                Param(f"do_sample_{side}", BOOL, False, label="gen_decoding", doc=f"{side.upper()}: false greedy, "
                      "true sampling"),
                _temperature("gen_temperature", f"{side.upper()}'s temperature (sampling only)", f"temperature_{side}"))

    return TaskSpec("compare", "compare", "tab_compare", model_task=GENERATION, concurrency_id="compare",
                    needs_internals="comparing two models (each scores the other's text)", params=(
        _text("prompt", "gen_prompt", "the text both continue", max_chars), model("a"), model("b"),
        *per_side("a"), *per_side("b"),
        Param("max_new_tokens", INT, 30, 1, min(max_new, 200), 1, label="gen_max_new", doc="tokens each generates"),
        _top_k(50, "gen_top_k", "sampling only, both sides"),
        _top_p("gen_top_p", "sampling only, both sides"),
        Param("seed", INT, 0, -1, LINK_MAX_SEED, limits=(-1, MAX_SEED), label="gen_seed",
              doc="the same seed for both sides; -1 draws one (reported back)"),
    ), doc="The same prompt continued by two models, or by one model with two settings (dtype, greedy or sampling, "
           "temperature), with the same seed. Each side's tokens with the probability its own model gave them; when "
           "both read the same vocabulary, also the probability the other model gives each token in the same "
           "context (`other_prob`) and the KL divergence of their next-token distributions there (`kl_bits`, "
           "KL(this ‖ other) in bits), and the first step where the texts differ.")


def _next_token(max_chars: int) -> TaskSpec:
    return TaskSpec("next-token", "next_token", "tab_next_token", model_task=GENERATION,
                    concurrency_id="next_token", needs_internals="the next-token view (the whole distribution)",
                    params=(
        _model(),
        _text("prompt", "nt_prompt", "the text whose next token is predicted", max_chars),
        _top_k(20, "nt_top_k", "keep the k most likely tokens (0 = all); the top_k + 10 most likely are listed"),
        _temperature("nt_temperature", "divides the logits before the softmax"),
        _top_p("nt_top_p", "keep the smallest set of tokens whose probabilities reach p"),
    ), doc="The model's next-token distribution for `prompt`: each candidate's probability at temperature 1 "
           "(`prob`), its probability in the distribution actually sampled from after temperature, top-k and "
           "top-p (`prob_after_filters`), and whether it survived the filters (`kept`).")


def _fill_mask(max_chars: int) -> TaskSpec:
    return TaskSpec("fill-mask", "fill_mask", "tab_fill_mask", model_task=FILL_MASK, concurrency_id="fill_mask",
                    needs_internals="fill-mask", params=(_model(), _text("text", "fm_text", "text with one or more [MASK]", max_chars),
                            Param("top_k", INT, 5, 1, MAX_TOP_K, 1, label="fm_top_k", doc="predictions per mask")),
                    doc="Top-k predictions (token, id, probability, completed text) for every [MASK] in `text`.")


def _next_sentence(max_chars: int) -> TaskSpec:
    return TaskSpec("next-sentence", "next_sentence", "tab_next_sentence", model_task=NEXT_SENTENCE,
                    concurrency_id="next_sentence", needs_internals="next-sentence prediction", params=(
        _model(), _text("sentence_a", "nsp_a", "the first sentence", max_chars),
        _text("sentence_b", "nsp_b", "the sentence that may follow it", max_chars),
    ), doc="P(IsNext) / P(NotNext) that sentence B follows sentence A (BERT's NSP head), and its encoding.")


def _attention(max_chars: int) -> TaskSpec:
    last = MAX_ATTENTION_TOKENS - 1
    return TaskSpec("attention", "attention", "tab_attention", model_task=ATTENTION, concurrency_id="attention",
                    needs_internals="attention", params=(
        _model(), _text("text", "text", "the text (sentence A)", max_chars),
        _text("text_pair", "att_pair", "optional sentence B for BERT-style models", max_chars, default="",
              optional=True, api=False),
        Param("view", CHOICE, HEATMAP, choices=ATTENTION_VIEWS, label="att_view", api=False),
        Param("layer", INT, 0, 0, 255, label="att_layer", doc="layer index (0 = first)", task_checked=True),
        Param("head", INT, HEAD_MEAN, 0, 255, special=(HEAD_MEAN, HEAD_MAX), label="att_head", api=False),
        Param("head", INT, -1, -1, 255, doc="head index; -1 = the mean over heads", link=False, task_checked=True),
        _text("text_pair", "att_pair", "optional sentence B for BERT-style models", max_chars, default="",
              optional=True, link=False),
        Param("token", INT, None, 0, last, label="att_token", api=False),
        # Generated text (the Generate tab's "Show attention"): its first prompt_chars characters were the prompt
        Param("prompt_chars", INT, 0, 0, max_chars, label="att_prompt_chars", api=False),
        Param("generated_only", BOOL, False, label="att_generated_only", api=False),
    ), doc="Attention weights of one layer for `text` (rows = query tokens, each summing to 1); head=-1 is the "
           "mean over heads. `text_pair` adds a sentence B for BERT-style models.")


def _logit_lens(max_chars: int) -> TaskSpec:
    return TaskSpec("logit-lens", "logit_lens", "tab_logit_lens", model_task=GENERATION, concurrency_id="logit_lens",
                    needs_internals="the logit lens (every layer's hidden state)", params=(
        _model("a causal language model's name from /models"),
        _text("text", "ll_text", "the text; each position's next token is read at every layer", max_chars),
        Param("top_k", INT, 5, 1, MAX_LENS_TOP_K, 1, label="ll_top_k", doc="predictions kept per layer and position"),
        _text("track", "ll_track", "optional: a token to follow across layers at every position, written as it would "
              "follow the text (e.g. ' Paris')", 100, default="", optional=True),
        # the trajectory chart's position: a view of the same result, not an API parameter
        Param("position", INT, -1, -1, MAX_LENS_TOKENS - 1, 1, label="ll_position", api=False),
    ), doc="The logit lens: every layer's hidden state (0 = the embeddings, then each block) at every position, read "
           "through the model's final norm and output embedding. grid[layer][t] is the prediction for the token after "
           "position t at that layer: its top_k tokens (token, id, prob) and the entropy in bits; the last layer is "
           "the model's own output. `tracked[t]` follows the model's final prediction, the actual next token and, "
           "with `track`, the token you name (`chosen`) (prob and rank, 1 = most likely) across layers.")


def _forward_pass(max_chars: int) -> TaskSpec:
    return TaskSpec("forward-pass", "forward_pass", "tab_forward_pass", model_task=GENERATION,
                    concurrency_id="forward_pass", needs_internals="the forward-pass view (the model's modules)",
                    params=(
        _model("a causal language model's name from /models (Llama-style or GPT-2)"),
        _text("text", "fp_text", "the text; the model predicts the token after `position`", max_chars),
        # their ranges depend on the model: the spec bounds them, the task checks them against the model
        Param("layer", INT, 0, 0, 255, label="fp_layer", doc="block index (0 = first)"),
        Param("head", INT, 0, 0, 255, label="fp_head", doc="attention head index (0 = first)"),
        Param("position", INT, -1, -1, FORWARD_PASS_TOKENS - 1, label="fp_position",
              doc="the position whose next token is predicted; -1 = the last"),
    ), doc="One block of one forward pass with the model's own numbers: for the chosen layer and head, q, k, v "
           "([T][head_dim], q and k after RoPE where the model uses it), the scaled scores ([T][T], null where the "
           "causal mask hides a key), their softmax (`weights`, equal to output_attentions) and weights · v "
           "(`head_output`); at `position`: the embeddings, the block's input (`resid_in`), its norm, each head's "
           "share of the attention output (`head_norms`), `attn_out`, the MLP's strongest neurons, `mlp_out`, the "
           "block's output (`resid_out` = resid_in + attn_out + mlp_out), the final norm and the next token's top 5.")


def _tokenize(max_chars: int) -> TaskSpec:
    return TaskSpec("tokenizer", "tokenize", "tab_tokenizer", model_task=TOKENIZER, concurrency_id="tokenize",
                    needs_internals="the tokenizer view", params=(
        Param("tokenizers", MODELS, None, high=MAX_TOKENIZERS, label="tok_tokenizers",
              doc="tokenizer (model) names, or the baselines 'words (baseline)' / 'characters (baseline)'"),
        _text("text", "text", "the text to tokenize", max_chars),
        Param("add_special_tokens", BOOL, True, label="tok_specials", doc="add the model's special tokens"),
    ), doc="Each tokenizer's tokens for `text` (token, id, start, end, special, unknown; text[start:end] is what a "
           "token covers), its counts and whether decode(encode(text)) == text. Loads tokenizers only.")


def _detokenize() -> TaskSpec:
    return TaskSpec("detokenize", "detokenize", "tok_decode_box", model_task=TOKENIZER, concurrency_id="tokenize",
                    tab=False, needs_internals="the tokenizer view", params=(
        Param("tokenizer", MODEL, label="tok_decode_model", doc="one tokenizer name"),
        Param("ids", IDS, label="tok_ids", doc="token ids"),
    ), doc="The text for token `ids`, and each id's vocabulary entry.")


MAX_TRAIN_CHARS = 100_000  # a few pages: enough to see a model adapt, small enough to train on a CPU
MAX_TRAIN_SECONDS = 600


def _fine_tune() -> TaskSpec:
    return TaskSpec("fine-tune", "fine_tune", "tab_fine_tune", model_task=GENERATION, concurrency_id="fine_tune",
                    needs_internals="fine-tuning (training needs the weights)", link_runs=False, params=(
        _model("the base causal LM (a name from /models)"),
        _text("train_text", "ft_train_text", "the text to train on", MAX_TRAIN_CHARS, link=False),
        _text("eval_text", "ft_eval_text", "optional held-out text: eval loss, perplexity and the before/after "
              "prompts (else the prompts come from the training text)", MAX_TRAIN_CHARS, default="", optional=True,
              link=False),
        Param("max_steps", INT, 60, 1, 500, 1, label="ft_steps", doc="optimizer steps (TrainingArguments.max_steps)"),
        Param("learning_rate", FLOAT, 1e-3, 1e-6, 1e-2, label="ft_lr", doc="AdamW learning rate, decayed linearly"),
        Param("batch_size", INT, 8, 1, 32, 1, label="ft_batch", doc="blocks per step (per_device_train_batch_size)"),
        Param("max_seq_len", INT, 64, 8, 256, 8, label="ft_seq_len", doc="tokens per block the text is cut into"),
        Param("max_seconds", INT, 120, 5, MAX_TRAIN_SECONDS, 5, limits=(1, MAX_TRAIN_SECONDS), label="ft_seconds",
              doc="time bound: training stops after this many seconds, keeping what it learnt"),
        Param("seed", INT, 0, 0, 2**31 - 1, label="ft_seed", doc="random seed (shuffling, initial state)"),
    ), doc="Fine-tune a causal LM on `train_text` with the transformers Trainer; streams progress (step, losses, "
           "steps/s, ETA) and ends with the registered model's name, held-out perplexity before and after, and "
           "base vs fine-tuned continuations of prompts from the held-out text.")
