"""Server-rendered words of the Generate tab's token popover, branches and sampler view (merged into words.W)."""

from __future__ import annotations

BRANCH_WORDS: dict[str, tuple] = {
    "gen_legend_open": ("— and the underline: thicker = likelier. Click, tap or press Enter on a token for its top "
                        "alternatives, and choose one to continue the text from there. A dashed outline marks a "
                        "token you chose.",
                        "— 下線も太いほど確率が高いことを示します。トークンをクリック・タップするか Enter キーを押すと"
                        "上位の候補が表示され、候補を選ぶとそこから続きを生成します。破線の枠はあなたが選んだトークン"
                        "です。"),
    "pop_step": ("Step {n}", "ステップ {n}"),
    "pop_model": ("model", "モデル"),
    "pop_after": ("after filters", "フィルター後"),
    "pop_chosen": ("✓ generated", "✓ 生成されたトークン"),
    "pop_forced": ("✓ you chose it", "✓ あなたが選択"),
    "pop_kept": ("{n} tokens could be sampled at this step", "このステップでサンプリングされうるトークン：{n} 個"),
    "pop_greedy": ("Greedy: the most likely token (after any penalty) was taken.",
                   "貪欲法：（ペナルティ適用後に）最も確率の高いトークンが選ばれました。"),
    "pop_no_filters": ("The engine reports only the model's probabilities, not what its sampling filters did.",
                       "推論エンジンはモデルの確率だけを返し、サンプリングのフィルターが何をしたかは返しません。"),
    "pop_continue": ("Continue the text with “{token}” here", "ここで「{token}」を選んで続きを生成"),
    "pop_hint": ("Choose a token to continue the text from here with the same settings.",
                 "トークンを選ぶと、同じ設定でここから続きを生成します。"),
    "pop_close": ("Close", "閉じる"),
    "pop_removed_top_k": ("removed by top-k", "top-k で除外"),
    "pop_removed_top_p": ("removed by top-p", "top-p で除外"),
    "pop_removed_no_repeat_ngram": ("removed: repeats an n-gram", "n-gram の繰り返しで除外"),
    "gen_branch_root": ("① as generated: {text}", "① 生成したまま：{text}"),
    "gen_branch_item": ("{indent}step {step}: {token} instead of {was}", "{indent}ステップ {step}：{was} の代わりに {token}"),
    "gen_branch_link": ("{indent}step {step}: {token} (from a link)", "{indent}ステップ {step}：{token}（リンクから）"),
    "gen_stopped_mark": ("■ stopped", "■ 停止"),
    "gen_code_stopped": ("# The app's run was stopped after {n} new tokens; this code generates all of them.\n",
                         "# アプリでの生成は {n} トークンで停止しました。このコードは最後まで生成します。\n"),
    # The sampler view
    "smp_title": ("Step {n}: model vs sampled from", "ステップ {n}：モデルとサンプリング元"),
    "smp_raw": ("model (temperature 1)", "モデル（温度 1）"),
    "smp_after": ("after the filters (sampled from)", "フィルター後（サンプリング元）"),
    "smp_after_greedy": ("after penalties (greedy takes the top)", "ペナルティ後（貪欲法は最上位を選択）"),
    "smp_x": ("probability", "確率"),
    "smp_removed": ("removed", "除外"),
    "smp_summary": ("**Step {n}** · {chain} · {picked}", "**ステップ {n}** · {chain} · {picked}"),
    "smp_temperature": ("temperature {t:g} reshaped it", "温度 {t:g} で分布を変形"),
    "smp_rep": ("repetition penalty {r:g} lowered tokens already in the text",
                "繰り返しペナルティ {r:g} で既出のトークンを下げる"),
    "smp_removed_by": ("{name} removed {n:,}", "{name} で {n:,} 個を除外"),
    "smp_name_top_k": ("top-k {v}", "top-k {v}"),
    "smp_name_top_p": ("top-p {v:g}", "top-p {v:g}"),
    "smp_name_no_repeat_ngram": ("no-repeat {v}-gram", "{v}-gram 繰り返し禁止"),
    "smp_none": ("no filter", "フィルターなし"),
    "smp_kept": ("{kept:,} of {vocab:,} tokens could be sampled", "{vocab:,} 個中 {kept:,} 個がサンプリング可能"),
    "smp_picked": ("sampled **{token}** ({raw:.1%} → {after:.1%})", "**{token}** をサンプリング（{raw:.1%} → {after:.1%}）"),
    "smp_greedy": ("greedy took the top-1: **{token}** ({raw:.1%})", "貪欲法で最上位の **{token}** を選択（{raw:.1%}）"),
    "smp_forced": ("you chose **{token}** ({raw:.1%})", "あなたが **{token}** を選択（{raw:.1%}）"),
    "smp_kept_forced": ("**{token}** ({raw:.1%}) comes from the text before the branch",
                        "**{token}**（{raw:.1%}）は分岐前のテキストのトークンです"),
    "smp_engine": ("This text ran on an inference engine, which reports only the model's own probabilities: what its "
                   "sampling filters removed is not known.",
                   "このテキストは推論エンジンで生成されました。エンジンはモデル自身の確率だけを返すため、"
                   "サンプリングのフィルターが何を除外したかはわかりません。"),
    "smp_empty": ("Generate a text to see what the sampler did at each step.",
                  "テキストを生成すると、各ステップでサンプラーが何をしたかが表示されます。"),
}
