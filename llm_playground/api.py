"""Public JSON API: thin functions over the tasks, registered with gr.api by the UI.

Each returns plain JSON-able dicts and raises PlaygroundError for bad requests (the UI layer turns
those into gr.Error, which gradio_client raises as AppError with the same message).
"""

from __future__ import annotations

from .catalog import FILL_MASK, GENERATION, NEXT_SENTENCE
from .devices import dtype_name
from .errors import InvalidInput
from .manager import ModelManager
from .tasks.attention import HEAD_MEAN, check_head, head_matrix
from .tasks.attention_cache import attention_cache
from .tasks.fill_mask import fill_mask, validated_top_k
from .tasks.generation import GenerationParams, generate
from .tasks.next_sentence import next_sentence
from .tasks.detokenize import decode_ids
from .tasks.tokenize import resolve, tokenize_all
from .tasks.validation import clean_text, flag


class PlaygroundAPI:
    def __init__(self, manager: ModelManager):
        self.manager = manager

    def generate(self, model: str, prompt: str, max_new_tokens: int = 40, do_sample: bool = False,
                 temperature: float = 1.0, top_k: int = 50, top_p: float = 1.0,
                 repetition_penalty: float = 1.0, seed: int = 0, no_repeat_ngram_size: int = 0,
                 num_sequences: int = 1, dtype: str = "auto") -> dict:
        """Generate a continuation of `prompt`, with each new token's probability and top-5 alternatives."""
        params = GenerationParams(max_new_tokens, do_sample, temperature, top_k, top_p, repetition_penalty,
                                  no_repeat_ngram_size, seed, num_sequences)
        params.validated(self.manager.settings.max_new_tokens_cap)  # fail before any model loads
        loaded = self.manager.get(model, GENERATION, None if dtype == "auto" else dtype)
        state = generate(loaded, prompt, params, self.manager.settings.max_new_tokens_cap)
        return {**state.to_dict(loaded.name, loaded.device), "dtype": dtype_name(loaded.dtype)}

    def fill_mask(self, model: str, text: str, top_k: int = 5) -> dict:
        """Top-k predictions (token, id, probability, completed text) for every [MASK] in `text`."""
        clean_text(text)  # fail on bad input before any model loads
        validated_top_k(top_k)
        loaded = self.manager.get(model, FILL_MASK)
        return fill_mask(loaded, text, top_k).to_dict(loaded.name)

    def next_sentence(self, model: str, sentence_a: str, sentence_b: str) -> dict:
        """P(IsNext) / P(NotNext) that sentence B follows sentence A (BERT's NSP head), and its encoding."""
        clean_text(sentence_a, "sentence A")
        clean_text(sentence_b, "sentence B")
        loaded = self.manager.get(model, NEXT_SENTENCE)
        return next_sentence(loaded, sentence_a, sentence_b).to_dict(loaded.name)

    def attention(self, model: str, text: str, layer: int = 0, head: int = -1, text_pair: str = "") -> dict:
        """Attention weights of one layer for `text` (rows = query tokens, each summing to 1); head=-1 is
        the mean over heads. `text_pair` adds a sentence B for BERT-style models."""
        result = attention_cache(self.manager).get(self.manager, model, text, text_pair)
        head = check_head(result, head)
        weights = head_matrix(result, layer, head)
        return {"model": result.model, "tokens": result.tokens, "num_layers": result.num_layers,
                "num_heads": result.num_heads, "layer": int(layer), "head": -1 if head == HEAD_MEAN else head,
                "causal": result.causal, "weights": weights.tolist()}

    def tokenize(self, tokenizers: list[str], text: str, add_special_tokens: bool = True) -> dict:
        """Each tokenizer's tokens for `text` (token, id, start, end, special, unknown; text[start:end] is what
        a token covers), its counts and whether decode(encode(text)) == text. Loads tokenizers only."""
        results = tokenize_all(tokenizers, text, self._tokenizer, flag(add_special_tokens, "add_special_tokens"))
        return {"text": results[0].text, "results": [r.to_dict() for r in results]}

    def detokenize(self, tokenizer: str, ids: list[int]) -> dict:
        """The text for token `ids`, and each id's vocabulary entry."""
        if not isinstance(tokenizer, str):
            raise InvalidInput("`tokenizer` must be one tokenizer (model) name.")
        text, tokens = decode_ids(resolve(tokenizer.strip(), self._tokenizer), ids)
        return {"tokenizer": tokenizer.strip(), "text": text,
                "tokens": [{"id": t.id, "token": t.token, "special": t.special} for t in tokens]}

    def _tokenizer(self, name: str):
        return self.manager.tokenizer(name)[1]

    def models(self) -> dict:
        """The model catalogue per task, and what is loaded now (device, dtype, bytes)."""
        m = self.manager
        return {
            "tasks": m.catalog.by_task(),
            "loaded": [{"model": x.name, "device": x.device, "dtype": dtype_name(x.dtype), "bytes": x.nbytes,
                        "tasks": sorted(x.tasks), "load_seconds": round(x.load_seconds, 3)} for x in m.loaded()],
            "device": m.device, "default_dtype": dtype_name(m.default_dtype),
            "memory_budget": m.settings.memory_budget, "custom_models": m.settings.allow_custom_models,
        }
