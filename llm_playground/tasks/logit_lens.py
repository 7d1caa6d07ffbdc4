"""The logit lens: every layer's hidden state read through the model's own final norm and output embedding.

preprocess: text -> ids (encoded as the Generate tab encodes prompts); forward: one pass with
output_hidden_states, then per layer norm -> output embedding -> softmax -> top-k, entropy and the tracked
tokens' probability and rank, one layer at a time (layers x positions x vocabulary never sits in memory, and
never leaves the server); postprocess: ids -> token strings, a plain result.

Which hidden state is already normalised: transformers' `hidden_states` has L + 1 entries (the embeddings,
then each block's output), but in GPT-2 and Llama-style models the last entry is taken *after* the final
norm, and normalising it again gives another distribution. So the lens does not guess: a hook on the final
norm records its input (the last block's output, before the norm), and the forward checks that norm +
output embedding of it reproduce the model's own logits. Where they do not (an architecture with more steps
after the head, e.g. logit soft-capping), the lens refuses rather than show numbers that are not the model's.
The last layer's probabilities are the model's own softmax(logits).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import torch

from ..errors import InvalidInput, PlaygroundError
from ..specs import MAX_LENS_PREDICTIONS, MAX_LENS_TOKENS
from .encoder import usable_positions
from .generation import Detokenizer, encode_prompt

MAX_TOKENS, MAX_PREDICTIONS = MAX_LENS_TOKENS, MAX_LENS_PREDICTIONS  # bound the grid and its JSON (specs/params.py)
NORM_NAMES = ("norm", "ln_f", "final_layer_norm", "final_norm", "norm_f")  # Llama/Qwen, GPT-2, NeoX/OPT, ...


@dataclass
class LensTensors:
    """What the forward keeps: small tensors, (layers, positions[, k]), float32 on the CPU."""
    top_probs: torch.Tensor  # (L+1, T, k)
    top_ids: torch.Tensor  # (L+1, T, k)
    entropy: torch.Tensor  # (L+1, T), bits
    final_probs: torch.Tensor  # (L+1, T): the last layer's top-1 token at each position, read at every layer
    final_ranks: torch.Tensor  # (L+1, T), 1 = most likely
    next_probs: torch.Tensor  # (L+1, T-1): the token that really comes next
    next_ranks: torch.Tensor  # (L+1, T-1)
    chosen_probs: torch.Tensor | None = None  # (L+1, T): a token the user follows (`track`), at every position
    chosen_ranks: torch.Tensor | None = None


@dataclass
class LensResult:
    tokens: list[str]  # the text's tokens, as the tokenizer names them
    ids: list[int]
    top_ids: list  # [layer][position][rank]
    top_probs: list  # [layer][position][rank]
    entropy: list  # [layer][position], bits
    final_ids: list[int]  # per position: the model's own most likely next token
    final_probs: list  # [layer][position]
    final_ranks: list
    next_probs: list  # [layer][position < T-1]: the actual next token ids[t + 1]
    next_ranks: list
    vocab: dict[int, str]  # how each predicted token reads after the text (leading space kept)
    chosen_id: int | None = None  # the token followed at every position (`track`), if any
    chosen_probs: list | None = None  # [layer][position]
    chosen_ranks: list | None = None
    chosen_pieces: list[str] | None = None  # a followed text of several tokens: all of them (the first is followed)

    @property
    def num_layers(self) -> int:
        """Layers read: the embeddings (0) and every block (1..L)."""
        return len(self.top_ids)

    def track(self, position: int, which: str) -> dict | None:
        """One token's probability and rank at every layer, at `position` ("final", "next" or "chosen")."""
        if (which == "next" and position >= len(self.ids) - 1) or (which == "chosen" and self.chosen_id is None):
            return None
        token_id = {"final": lambda: self.final_ids[position], "next": lambda: self.ids[position + 1],
                    "chosen": lambda: self.chosen_id}[which]()
        probs, ranks = {"final": (self.final_probs, self.final_ranks), "next": (self.next_probs, self.next_ranks),
                        "chosen": (self.chosen_probs, self.chosen_ranks)}[which]
        return {"id": token_id, "token": self.vocab[token_id], "prob": [round(p[position], 6) for p in probs],
                "rank": [r[position] for r in ranks]}

    def cell(self, layer: int, position: int) -> dict:
        ids, probs = self.top_ids[layer][position], self.top_probs[layer][position]
        return {"top": [{"token": self.vocab[i], "id": i, "prob": round(p, 6)} for i, p in zip(ids, probs)],
                "entropy": round(self.entropy[layer][position], 4)}

    def to_dict(self, model: str) -> dict:
        """grid[layer][t]: the prediction for the token after position t, read at that layer (0 = embeddings);
        tracked[t]: the final prediction's, the actual next token's and the followed token's (`chosen`, with
        `track`) probability and rank at every layer."""
        positions = range(len(self.ids))
        out = {"model": model, "tokens": self.tokens, "layers": self.num_layers,
               "grid": [[self.cell(layer, t) for t in positions] for layer in range(self.num_layers)],
               "tracked": [{"final": self.track(t, "final"), "next": self.track(t, "next")} for t in positions]}
        if self.chosen_id is not None:  # one token at every position: named once (the JSON stays under 1 MB)
            out["track"] = {"id": self.chosen_id, "token": self.vocab[self.chosen_id]}
            if self.chosen_pieces:
                out["track"]["pieces"] = self.chosen_pieces
            for t, tracked in zip(positions, out["tracked"]):
                chosen = self.track(t, "chosen")
                tracked["chosen"] = {"prob": chosen["prob"], "rank": chosen["rank"]}
        return out


def preprocess(loaded, text: str, top_k: int) -> torch.Tensor:
    ids = encode_prompt(loaded.tokenizer, text)
    n, limit = ids.shape[1], min(usable_positions(loaded.model.config) or MAX_TOKENS, MAX_TOKENS)
    if n > limit:
        raise InvalidInput("lens.too_long", n=n, limit=limit, model=loaded.name)
    layers = loaded.model.config.get_text_config().num_hidden_layers + 1
    if layers * n * top_k > MAX_PREDICTIONS:
        raise InvalidInput("lens.too_many", layers=layers, n=n, k=top_k, total=layers * n * top_k,
                           limit=MAX_PREDICTIONS)
    return ids


def final_norm(model, name: str):
    """The norm between the last block and the output embedding, found by its usual names."""
    base = model.base_model
    for owner in (base, getattr(base, "decoder", None)):
        for attr in NORM_NAMES:
            module = getattr(owner, attr, None) if owner is not None else None
            if isinstance(module, torch.nn.Module):
                return module
    raise PlaygroundError("lens.no_final_norm", model=name, cls=type(model).__name__)


def _same_logits(ours: torch.Tensor, theirs: torch.Tensor) -> bool:
    scale = max(1.0, theirs.abs().max().item())
    return bool(((ours - theirs).abs().max() <= 1e-3 * scale).item())


def _read(logits: torch.Tensor, k: int, final_ids: torch.Tensor, next_ids: torch.Tensor,
          chosen_ids: torch.Tensor | None = None):
    """One layer's (T, V) logits -> top-k, entropy (bits), tracked tokens' probability and rank."""
    probs = torch.softmax(logits.float(), dim=-1)
    top = probs.topk(k, dim=-1)
    entropy = torch.special.entr(probs).sum(-1) / math.log(2)  # entr(0) = 0: no 0 * log 0 = nan

    def tracked(ids):
        p = probs[: len(ids)].gather(1, ids[:, None])  # (n, 1)
        return p[:, 0], (probs[: len(ids)] > p).sum(-1) + 1

    chosen = tracked(chosen_ids) if chosen_ids is not None else ()
    return top.values, top.indices, entropy, *tracked(final_ids), *tracked(next_ids), *chosen


def _pass(model, norm, ids: torch.Tensor):
    """(the model's outputs with hidden states, the final norm's input). The caller holds the model's lock, so
    no other request's forward runs through the norm while the hook is on; the hook also ignores other threads."""
    captured, me = {}, threading.get_ident()

    def record(_module, args, _output) -> None:  # returns None: a value returned here would replace the output
        if threading.get_ident() == me:
            captured.setdefault("pre", args[0])

    hook = norm.register_forward_hook(record)
    try:
        return model(input_ids=ids, output_hidden_states=True), captured.get("pre")
    finally:
        hook.remove()


def forward(loaded, ids: torch.Tensor, k: int, chosen: int | None = None) -> LensTensors:
    """One pass; every layer projected and reduced under the lock (it reads the model's norm and head)."""
    from .validation import out_of_memory_as_error

    model = loaded.model
    norm, head = final_norm(model, loaded.name), model.get_output_embeddings()
    if head is None:
        raise PlaygroundError("lens.no_output_embedding", model=loaded.name)
    with loaded.lock, torch.inference_mode(), out_of_memory_as_error(loaded.name):
        out, pre = _pass(model, norm, ids.to(loaded.device))
        if pre is None or not _same_logits(head(norm(pre))[0], out.logits[0]):
            raise PlaygroundError("lens.not_reproduced", model=loaded.name, cls=type(model).__name__)
        states = [*out.hidden_states[:-1], pre]  # the last block's output before the norm, not hidden_states[-1]
        final_ids = torch.softmax(out.logits[0].float(), -1).topk(1, dim=-1).indices[:, 0]  # as _read ranks
        next_ids = ids[0, 1:].to(final_ids.device)
        k = min(k, out.logits.shape[-1])
        chosen_ids = None if chosen is None else torch.full_like(final_ids, chosen)
        layers = [_read(out.logits[0] if i == len(states) - 1 else head(norm(h))[0], k, final_ids, next_ids,
                        chosen_ids) for i, h in enumerate(states)]
    stacked = [torch.stack(parts).cpu() for parts in zip(*layers)]
    return LensTensors(*stacked)


def postprocess(loaded, ids: torch.Tensor, t: LensTensors, chosen: int | None = None) -> LensResult:
    id_list = ids[0].tolist()
    final_ids = t.top_ids[-1, :, 0].tolist()
    detok = Detokenizer(loaded.tokenizer, id_list)
    shown = set(t.top_ids.flatten().tolist()) | set(final_ids) | set(id_list[1:]) | ({chosen} if chosen else set())
    follow = {} if chosen is None else {"chosen_id": chosen, "chosen_probs": t.chosen_probs.tolist(),
                                        "chosen_ranks": t.chosen_ranks.tolist()}
    return LensResult(loaded.tokenizer.convert_ids_to_tokens(id_list), id_list, t.top_ids.tolist(),
                      t.top_probs.tolist(), t.entropy.tolist(), final_ids, t.final_probs.tolist(),
                      t.final_ranks.tolist(), t.next_probs.tolist(), t.next_ranks.tolist(),
                      {i: detok.alternative(i) for i in sorted(shown)}, **follow)


def track_pieces(tokenizer, text: str, track: str) -> list[int]:
    """The tokens a `track` text is, read as it would follow `text` (so " Paris" keeps its leading space in
    BPE and sentencepiece alike): the ids from the first one where text + track is tokenized differently from text."""
    if not track:
        return []
    base, full = encode_prompt(tokenizer, text)[0].tolist(), encode_prompt(tokenizer, text + track)[0].tolist()
    at = next((i for i, (a, b) in enumerate(zip(base, full)) if a != b), min(len(base), len(full)))
    if at >= len(full):
        raise InvalidInput("lens.track_adds_nothing", track=repr(track[:40]))
    return full[at:]


def logit_lens(loaded, text: str, top_k: int = 5, track: str = "") -> LensResult:
    ids = preprocess(loaded, text, top_k)
    pieces = track_pieces(loaded.tokenizer, text, track)
    chosen = pieces[0] if pieces else None
    result = postprocess(loaded, ids, forward(loaded, ids, top_k, chosen), chosen)
    if len(pieces) > 1:  # " Zorbly" is several tokens: the page says which one the lens follows
        reads = Detokenizer(loaded.tokenizer, ids[0].tolist())  # each piece as it reads after the text, like vocab
        result.chosen_pieces = [reads.alternative(i) for i in pieces]
    return result
