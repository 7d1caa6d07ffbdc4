"""The Generate tab's tree of branches: every continuation of one prompt and settings that the page has made.

Choosing an alternative token in a popover runs the same settings with `prefix_ids` = the tokens before
it + that token (a branch). Each finished run is kept here (per page, in a gr.State) with where it
branched off, so the list under the result can go back to any of them without running the model again.
A run with another model, prompt or settings starts a new tree.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

from ...errors import InvalidInput
from ...i18n.words import tr
from ...tasks.generation import GenerationState

NOT_KEY = ("prefix_ids", "max_new_tokens")  # a branch keeps its tree when only these differ
PREVIEW = 40
MAX_BRANCHES = 24  # kept per page (its session's memory): beyond, the oldest branch after the first goes


@dataclass
class Branch:
    prefix: list[int]
    state: GenerationState
    run: object  # the GenerationRun, without its (finished) stream
    depth: int = 0  # branch points above it
    step: int | None = None  # where it left its parent (None: the first run)
    was: str | None = None  # the token its parent had there (None: opened from a link)


@dataclass
class Tree:
    key: tuple
    branches: list[Branch] = field(default_factory=list)
    current: int = 0

    @property
    def shown(self) -> Branch:
        return self.branches[self.current]


def tree_key(values: dict) -> tuple:
    return tuple(sorted((k, json.dumps(v, sort_keys=True)) for k, v in values.items() if k not in NOT_KEY))


def ids_of(state: GenerationState) -> list[int]:
    return [t.id for t in state.sequences[0].tokens]


def _shared(a: list[int], b: list[int]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def add(tree: Tree | None, state: GenerationState, run) -> Tree:
    """The tree with this finished run in it (replacing a run of the same branch), shown."""
    run = dataclasses.replace(run, states=None)
    key, prefix = tree_key(run.values), list(run.values.get("prefix_ids") or [])
    if tree is None or tree.key != key:
        tree = Tree(key)
    else:
        tree = dataclasses.replace(tree, branches=list(tree.branches))
    same = next((i for i, b in enumerate(tree.branches) if b.prefix == prefix), None)
    if same is not None:
        tree.branches[same] = dataclasses.replace(tree.branches[same], state=state, run=run)
        tree.current = same
        return tree
    branch = Branch(prefix, state, run)
    if prefix:
        ids, step = ids_of(state), len(prefix) - 1
        parent = max(tree.branches, key=lambda b: _shared(ids_of(b.state), ids), default=None)
        branch.step = step
        before = parent.state.sequences[0].tokens if parent is not None else []
        if len(before) > step and _shared(ids_of(parent.state), ids) == step:
            branch.depth, branch.was = parent.depth + 1, before[step].token
        else:
            branch.depth = 1
    tree.branches.append(branch)
    if len(tree.branches) > MAX_BRANCHES:
        del tree.branches[1]
    tree.current = len(tree.branches) - 1
    return tree


def label(branch: Branch, lang: str) -> str:
    tokens = branch.state.sequences[0].tokens
    if branch.step is None:
        text = "".join(t.token for t in tokens)
        return tr(lang, "gen_branch_root", text=repr(text[:PREVIEW] + ("…" if len(text) > PREVIEW else "")))
    indent = "↳ " * branch.depth
    token = repr(tokens[branch.step].token) if branch.step < len(tokens) else "?"
    if branch.was is None:
        return tr(lang, "gen_branch_link", indent=indent, step=branch.step + 1, token=token)
    return tr(lang, "gen_branch_item", indent=indent, step=branch.step + 1, token=token, was=repr(branch.was))


def choices(tree: Tree | None, lang: str) -> list[tuple[str, int]]:
    return [(label(b, lang), i) for i, b in enumerate(tree.branches)] if tree else []


def worth_listing(tree: Tree | None) -> bool:
    return tree is not None and (len(tree.branches) > 1 or bool(tree.shown.prefix))


def picked_prefix(pick: str | None) -> list[int]:
    """The branch the popover asked for: {"ids": [...tokens before, chosen], "step": n} (from the page script)."""
    try:
        data = json.loads(pick or "")
        ids = data["ids"]
    except (ValueError, TypeError, KeyError):
        raise InvalidInput("branch.choose") from None
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) and i >= 0 for i in ids):
        raise InvalidInput("branch.not_ids")
    return ids
