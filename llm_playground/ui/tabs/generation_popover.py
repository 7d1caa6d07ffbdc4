"""The token popover: a generated token's top alternatives, opened by hover, click, tap or Enter (Generate), or
its scores under both models (Compare's chips, whose lines the server writes in data-lines).

The chips (plots/generation.py) carry their data in attributes; this script, in the page head, draws the
popover from them with textContent (token texts are never parsed as HTML). Choosing an alternative stores
the branch (the ids of the chips before it, then the chosen id) in window.playgroundBranchPick and presses
the tab's hidden #gen-branch-go button, whose event reads it (tabs/generation.py's BRANCH_PICK_JS).
"""

from __future__ import annotations

CSS = """
.tok[data-step] { cursor: pointer; }
.tok[data-step]:focus-visible { outline: 3px solid #1c7ed6; outline-offset: 1px; }
.tok.forced { outline: 2px dashed #7048e8; outline-offset: 1px; }
.tok.cmp-first { outline: 2px solid #e03131; outline-offset: 1px; }  /* Compare: where the two texts part */
.tok-stopped { margin-left: 6px; padding: 1px 6px; border-radius: 4px; background: #fff4e6; color: #d9480f;
  font-family: system-ui, sans-serif; font-size: 0.85em; }
.tok-pop { position: absolute; z-index: 1000; width: min(340px, calc(100vw - 16px)); background: #fff; color: #111;
  border: 1px solid #adb5bd; border-radius: 8px; box-shadow: 0 6px 24px rgba(0,0,0,.18); padding: 8px 10px;
  font-family: system-ui, sans-serif; font-size: 13px; }
.tok-pop-head { display: flex; justify-content: space-between; align-items: baseline; gap: 8px; font-weight: 600; }
.tok-pop-close { border: none; background: none; font-size: 18px; line-height: 1; cursor: pointer; color: #555; }
.tok-pop-note { color: #555; font-size: 12px; margin: 4px 0; }
.tok-pop-line { margin: 4px 0; font-variant-numeric: tabular-nums; }
.tok[data-lines] { cursor: pointer; }
.tok[data-lines]:focus-visible { outline: 3px solid #1c7ed6; outline-offset: 1px; }
.tok-pop-list { display: flex; flex-direction: column; gap: 3px; margin-top: 4px; }
.tok-alt { box-sizing: border-box; display: grid; grid-template-columns: minmax(60px, 7.5em) 1fr auto;
  align-items: center; gap: 6px;
  width: 100%; text-align: left; border: 1px solid transparent; border-radius: 5px; background: #f8f9fa;
  padding: 3px 6px; font: inherit; color: inherit; }
button.tok-alt { cursor: pointer; }
button.tok-alt:hover, button.tok-alt:focus-visible { border-color: #1c7ed6; background: #e7f5ff; outline: none; }
.tok-alt.chosen { background: #ebfbee; border-color: #8ce99a; }
.tok-alt.removed { color: #868e96; }
.tok-alt .tok-pop-note { grid-column: 1 / -1; margin: 0; }
.tok-alt-text { font-family: ui-monospace, monospace; white-space: pre; overflow: hidden; text-overflow: ellipsis; }
.tok-bars { display: flex; flex-direction: column; gap: 2px; }
.tok-bar { height: 7px; background: #4c6ef5; border-radius: 2px; min-width: 1px; }
.tok-bar.after { background: #f08c00; }
.tok-alt.removed .tok-bar.after { background: repeating-linear-gradient(45deg, #ced4da 0 3px, #f1f3f5 3px 6px);
  width: 100% !important; height: 7px; }
.tok-alt-pct { font-variant-numeric: tabular-nums; font-size: 12px; text-align: right; white-space: nowrap; }
.tok-pop-key { display: flex; gap: 10px; font-size: 11px; color: #555; margin-top: 6px; align-items: center; }
.tok-pop-key i { display: inline-block; width: 14px; height: 7px; border-radius: 2px; margin-right: 3px; }
"""

HEAD = """
<script>
(() => {
  let open = null, hideTimer = null;
  const pct = (p) => (p * 100).toFixed(p > 0 && p < 0.001 ? 3 : 1) + "%";
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const close = (refocus) => {
    clearTimeout(hideTimer);
    if (!open) return;
    const chip = open.chip;
    open.pop.remove();
    open = null;
    if (refocus && chip.isConnected) chip.focus();
  };
  const choose = (chip, id) => {
    const row = chip.closest(".tok-view");
    const before = [...row.querySelectorAll(".tok[data-step]")]
      .filter((c) => Number(c.dataset.step) < Number(chip.dataset.step)).map((c) => Number(c.dataset.id));
    window.playgroundBranchPick = JSON.stringify({ids: before.concat([id]), step: Number(chip.dataset.step)});
    close(false);
    document.getElementById("gen-branch-go")?.click();
  };
  const barRow = (words, alt, chosenId, forced, showAfter, chip) => {
    const [text, id, prob, after, removedBy] = alt;
    const isChosen = id === chosenId;
    const classes = "tok-alt" + (isChosen ? " chosen" : "") + (removedBy ? " removed" : "");
    const row = el(isChosen ? "div" : "button", classes);
    if (isChosen) row.setAttribute("aria-current", "true");
    else {
      row.type = "button";
      row.title = words.pop_continue.replace("{token}", text);
      row.setAttribute("aria-label", words.pop_continue.replace("{token}", text) + " (" + pct(prob) + ")");
      row.addEventListener("click", (e) => { e.stopPropagation(); choose(chip, id); });
    }
    row.append(el("span", "tok-alt-text", JSON.stringify(text).slice(1, -1) || "\\u00b7"));
    const bars = el("span", "tok-bars");
    const raw = el("span", "tok-bar");
    raw.style.width = Math.max(0.5, prob * 100) + "%";
    bars.append(raw);
    let label = pct(prob);
    if (showAfter && after !== null) {
      const a = el("span", "tok-bar after");
      a.style.width = Math.max(0.5, after * 100) + "%";
      bars.append(a);
      label += removedBy ? " → " + (words["pop_removed_" + removedBy] || removedBy) : " → " + pct(after);
    }
    row.append(bars, el("span", "tok-alt-pct", label));
    if (isChosen) row.append(el("span", "tok-pop-note", forced ? words.pop_forced : words.pop_chosen));
    return row;
  };
  const show = (chip, pinned, keyboard) => {
    if (open && open.chip === chip) { open.pinned = open.pinned || pinned; return; }
    close(false);
    const root = chip.closest(".tok-root");
    const words = JSON.parse(root.dataset.words);
    if (chip.dataset.lines) { showLines(chip, words, pinned, keyboard); return; }
    const alts = JSON.parse(chip.dataset.alts);
    const id = Number(chip.dataset.id), forced = chip.classList.contains("forced");
    const known = chip.dataset.after !== "";
    // greedy with no penalty: the filtered distribution is the model's own, a second bar would repeat it
    const changed = known && (!words.greedy || alts.some((a) => a[3] !== null && Math.abs(a[3] - a[2]) > 5e-5));
    if (!alts.some((a) => a[1] === id))
      alts.push([chip.textContent, id, Number(chip.dataset.prob), known ? Number(chip.dataset.after) : null, null]);
    const pop = popup(words, words.pop_step.replace("{n}", Number(chip.dataset.step) + 1));
    const note = (text) => pop.append(el("div", "tok-pop-note", text));
    if (known && !words.greedy && chip.dataset.kept) note(words.pop_kept.replace("{n}", chip.dataset.kept));
    if (!known) note(words.pop_no_filters);
    else if (words.greedy) note(words.pop_greedy);
    const list = el("div", "tok-pop-list");
    alts.forEach((a) => list.append(barRow(words, a, id, forced, changed, chip)));
    pop.append(list);
    const key = el("div", "tok-pop-key");
    const swatch = (cls, text) => {
      const s = el("span");
      s.append(el("i", "tok-bar " + cls), text);
      return s;
    };
    key.append(swatch("", words.pop_model));
    if (changed) key.append(swatch("after", words.pop_after));
    pop.append(key, el("div", "tok-pop-note", words.pop_hint));
    place(chip, pop, pinned, keyboard);
  };
  // Compare's chips: their scores under both models, lines of text made by the server (data-lines)
  const showLines = (chip, words, pinned, keyboard) => {
    const pop = popup(words, chip.dataset.title);
    JSON.parse(chip.dataset.lines).forEach((line) => pop.append(el("div", "tok-pop-line", line)));
    place(chip, pop, pinned, keyboard);
  };
  const popup = (words, title) => {
    const pop = el("div", "tok-pop");
    pop.setAttribute("role", "dialog");
    pop.setAttribute("aria-label", title);
    const head = el("div", "tok-pop-head");
    head.append(el("span", "", title));
    const x = el("button", "tok-pop-close", "\\u00d7");
    x.type = "button";
    x.setAttribute("aria-label", words.pop_close);
    x.addEventListener("click", (e) => { e.stopPropagation(); close(true); });
    head.append(x);
    pop.append(head);
    return pop;
  };
  const place = (chip, pop, pinned, keyboard) => {
    pop.addEventListener("mouseenter", () => clearTimeout(hideTimer));
    pop.addEventListener("mouseleave", () => {
      if (open && !open.pinned) hideTimer = setTimeout(() => close(false), 300);
    });
    pop.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { e.preventDefault(); close(true); }
    });
    document.body.append(pop);
    const r = chip.getBoundingClientRect();
    const width = pop.offsetWidth;
    const left = Math.min(Math.max(8, r.left), document.documentElement.clientWidth - width - 8);
    let top = r.bottom + 6;
    const above = r.top - pop.offsetHeight - 6;
    if (top + pop.offsetHeight > window.innerHeight && above > 0) top = above;
    pop.style.left = left + window.scrollX + "px";
    pop.style.top = top + window.scrollY + "px";
    open = {chip, pop, pinned};
    if (keyboard) (pop.querySelector("button.tok-alt") || pop.querySelector(".tok-pop-close")).focus();
  };
  const chipOf = (target) => target && target.closest
    ? target.closest(".tok-root .tok[data-step], .tok-root .tok[data-lines]") : null;
  document.addEventListener("click", (e) => {
    const chip = chipOf(e.target);
    if (chip) { show(chip, true, false); return; }
    if (open && !open.pop.contains(e.target)) close(false);
  });
  document.addEventListener("keydown", (e) => {
    const chip = chipOf(e.target);
    if (chip && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); show(chip, true, true); }
    else if (open && e.key === "Escape") close(true);
  });
  document.addEventListener("mouseover", (e) => {
    const chip = chipOf(e.target);
    if (chip && (!open || !open.pinned)) { clearTimeout(hideTimer); show(chip, false, false); }
  });
  document.addEventListener("mouseout", (e) => {
    const chip = chipOf(e.target);
    if (chip && open && open.chip === chip && !open.pinned && !open.pop.contains(e.relatedTarget))
      hideTimer = setTimeout(() => close(false), 300);
  });
})();
</script>
"""
