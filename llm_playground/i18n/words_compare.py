"""Server-rendered words of the Compare tab (merged into words.W)."""

from __future__ import annotations

COMPARE_WORDS: dict[str, tuple] = {
    "cmp_greedy": ("greedy", "貪欲法"),
    "cmp_sampling": ("sampling, temperature {t:g}", "サンプリング、温度 {t:g}"),
    "cmp_chip_own": ("p = {p:.2%} under its own model", "自分のモデルでの確率 {p:.2%}"),
    "cmp_chip_other": ("p = {p:.2%} under {other}", "{other} での確率 {p:.2%}"),
    "cmp_chip_kl": ("KL = {kl:.4f} bits (how far the two models' next-token distributions are apart here)",
                    "KL = {kl:.4f} ビット（ここでの2つのモデルの次トークン分布の違い）"),
    "cmp_same": ("The two texts take the same {n} tokens.", "2つのテキストは同じ {n} トークンを選びました。"),
    "cmp_first_diff": ("The texts first differ at step {step}: A took {a}, B took {b} (outlined).",
                       "ステップ {step} で初めて分かれました：A は {a}、B は {b}（枠で表示）。"),
    "cmp_no_shared": ("The two models read different vocabularies, so neither can score the other's tokens: only "
                      "each text with its own probabilities is shown.",
                      "2つのモデルは語彙が異なるため、互いのトークンを評価できません。各テキストを自分のモデルの確率で"
                      "表示します。"),
    "cmp_kl": ("Mean KL divergence of the next-token distributions: **{a:.4f} bits** along A's text (KL(A ‖ B)), "
               "**{b:.4f} bits** along B's (KL(B ‖ A)); 0 = the models agree exactly.",
               "次トークン分布の KL ダイバージェンスの平均：A のテキスト上で **{a:.4f} ビット**（KL(A ‖ B)）、"
               "B のテキスト上で **{b:.4f} ビット**（KL(B ‖ A)）。0 = 2つのモデルが完全に一致。"),
    "cmp_fig_probs": ("Probability of A's tokens under each model", "A のトークンの各モデルでの確率"),
    "cmp_fig_kl": ("KL divergence of the next-token distributions at each step", "各ステップの次トークン分布の KL ダイバージェンス"),
    "cmp_kl_a": ("KL(A ‖ B) along A's text", "A のテキスト上の KL(A ‖ B)"),
    "cmp_kl_b": ("KL(B ‖ A) along B's text", "B のテキスト上の KL(B ‖ A)"),
    "cmp_tokens": ("{n} tokens", "{n} トークン"),
    "cmp_bits": ("KL (bits)", "KL（ビット）"),
}
