"""The service's tokenizer methods (a mixin of PlaygroundService): several tokenizers on one text, and token
ids back to text. They load tokenizers only, never weights."""

from __future__ import annotations

from ..errors import InvalidInput
from ..tasks import tokenize as tokenize_task
from ..tasks.detokenize import decode_ids
from ..tasks.token_compare import compare
from .outcome import Outcome


class Tokenizers:
    def tokenize(self, tokenizers, text: str, add_special_tokens: bool = True, partial: bool = False) -> Outcome:
        """partial: the tokenizers that work are compared and the others listed in `failures` (the tab), instead
        of one unusable tokenizer failing the whole request (the API)."""
        values = self.check("tokenizer", tokenizers=tokenizers, text=text, add_special_tokens=add_special_tokens)
        names, failures = tokenize_task.clean_names(values["tokenizers"]), [] if partial else None
        results = tokenize_task.tokenize_all(names, values["text"], self._tokenizer, values["add_special_tokens"],
                                             failures)
        if partial and not results:
            raise failures[0][1]
        return Outcome(compare(results, failures or ()), None, values | {"tokenizers": [r.tokenizer for r in results]})

    def detokenize(self, tokenizer: str, ids) -> Outcome:
        if not isinstance(tokenizer, str):
            raise InvalidInput("tok.not_one")
        values = self.check("detokenize", tokenizer=tokenizer.strip(), ids=ids)
        text, tokens = decode_ids(tokenize_task.resolve(values["tokenizer"], self._tokenizer), values["ids"])
        return Outcome((text, tokens), None, values)

    def _tokenizer(self, name: str):
        self._refuse_engine_model(name, "tokenizer")
        return self.manager.tokenizer(name)[1]
