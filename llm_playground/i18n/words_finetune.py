"""Server-rendered words of the Fine-tune tab (merged into words.W)."""

from __future__ import annotations

FINETUNE_WORDS: dict[str, tuple] = {
    "ft_train_loss": ("training loss", "学習データの損失"),
    "ft_eval_loss": ("held-out loss", "検証データの損失"),
    "ft_loss_title": ("Loss while training (log scale)", "学習中の損失（対数目盛）"),
    "ft_step": ("step", "ステップ"),
    "ft_phase_preparing": ("Preparing: copying the base model and cutting the text into blocks…",
                           "準備中：ベースモデルをコピーし、テキストをブロックに分けています…"),
    "ft_phase_measuring": ("Measuring the base model on your prompts (the “before”)…",
                           "ベースモデルをプロンプトで測定しています（「前」）…"),
    "ft_phase_saving": ("Measuring the fine-tuned model (the “after”) and saving it…",
                        "ファインチューニング後のモデルを測定し（「後」）、保存しています…"),
    "ft_progress": ("**Step {step}/{total}** · training loss {loss} · held-out loss {eval} · {rate:.1f} steps/s · "
                    "{elapsed} elapsed · about {eta} left",
                    "**ステップ {step}/{total}** · 学習損失 {loss} · 検証損失 {eval} · 毎秒 {rate:.1f} ステップ · "
                    "経過 {elapsed} · 残り約 {eta}"),
    "ft_progress_end": ("**Step {step}/{total}** · training loss {loss} · held-out loss {eval} · {rate:.1f} steps/s · "
                        "{elapsed} in all",
                        "**ステップ {step}/{total}** · 学習損失 {loss} · 検証損失 {eval} · 毎秒 {rate:.1f} ステップ · "
                        "合計 {elapsed}"),
    # {steps}: ft_steps_one or ft_steps_n ("1 steps" read wrong)
    "ft_steps_one": ("1 step", "1 ステップ"),
    "ft_steps_n": ("{n} steps", "{n} ステップ"),
    "ft_end_finished": ("**Finished** {steps} in {s:.1f} s.", "**完了**：{steps}（{s:.1f} 秒）。"),
    "ft_end_stopped": ("**Stopped** after {steps} ({s:.1f} s); the model keeps what it learnt so far.",
                       "{steps}（{s:.1f} 秒）で**停止しました**。ここまでに学習した状態のモデルを残します。"),
    "ft_end_timed_out": ("**Time limit reached** after {steps} ({s:.1f} s): training stopped there and the "
                         "model keeps what it learnt. Raise the time limit or lower the steps for a full run.",
                         "{steps}（{s:.1f} 秒）で**制限時間に達した**ため学習を止めました。ここまでの状態を残します。"
                         "最後まで学習するには制限時間を延ばすかステップ数を減らしてください。"),
    "ft_registered": ("The fine-tuned model is registered as **{name}**: pick it in Generate, Next token or "
                      "Attention to compare it with its base on the same prompt (for as long as the server runs).",
                      "ファインチューニングしたモデルを **{name}** として登録しました。生成・次のトークン・アテンションで"
                      "選ぶと、同じプロンプトでベースモデルと比べられます（サーバーが動いている間）。"),
    "ft_losses": ("Training loss: {mean:.4f} on average over the run, {last} at the end.",
                  "学習損失：学習全体の平均 {mean:.4f}、最後 {last}。"),
    "ft_perplexity": ("Held-out perplexity: **{before:.2f} before → {after:.2f} after** ({n} predicted tokens). "
                      "Lower is better; 1 means every next token is certain.",
                      "検証データのパープレキシティ：**前 {before:.2f} → 後 {after:.2f}**（予測したトークン {n} 個）。"
                      "低いほど良く、1 はすべての次のトークンを確実に当てることを意味します。"),
    "ft_no_eval": ("No held-out text was given, so there is no held-out perplexity (and the prompts below come "
                   "from the training text: the model has seen them).",
                   "検証用テキストがないため、検証データのパープレキシティはありません（下のプロンプトは学習テキストから"
                   "取っているので、モデルが見た文です）。"),
    "ft_no_prompts": ("The text has no sentence long enough to make a prompt from.",
                      "プロンプトを作れるほど長い文がテキストにありません。"),
    "ft_compare_intro": ("For each prompt: the true next tokens, coloured by the probability each model gave them, "
                         "and each model's greedy continuation.",
                         "各プロンプトについて、実際に続くトークンを各モデルが与えた確率で色付けし、各モデルの貪欲法による"
                         "続きを示します。"),
    "ft_prompt": ("Prompt:", "プロンプト："),
    "ft_base": ("before (base)", "前（ベース）"),
    "ft_tuned": ("after (fine-tuned)", "後（ファインチューニング後）"),
    "ft_greedy": ("greedy continuation:", "貪欲法の続き："),
    "ft_stopping": ("Stopping at the end of this step…", "このステップの終わりで停止します…"),
    "ft_nothing_to_stop": ("No training run of yours is in progress.", "実行中の学習はありません。"),
    "ft_legend": ("colour = probability of the true token:", "色 = 実際のトークンの確率："),
}
