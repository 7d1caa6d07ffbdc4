"""Labels of the Generate tab's branching and sampler controls and of the Compare tab, in English and Japanese
(merged into i18n.TEXTS)."""

from __future__ import annotations

BRANCH_LABELS: dict[str, tuple[str, str]] = {
    "gen_view_sampler": ("What the sampler did", "サンプラーの働き"),
    "gen_sampler_step": ("Step", "ステップ"),
    "gen_sampler_empty": ("Generate a text to see, at each step, the model's distribution beside the one the "
                          "sampler drew from after repetition penalty, temperature, top-k and top-p.",
                          "テキストを生成すると、各ステップでのモデルの分布と、繰り返しペナルティ・温度・top-k・top-p "
                          "を適用した後に実際にサンプリングした分布を並べて表示します。"),
    "gen_branches": ("Branches", "分岐"),
    "gen_branches_info": ("Each continuation you made by choosing another token. Choose one to show it again.",
                          "別のトークンを選んで作った続きの一覧です。選ぶと、その続きをもう一度表示します。"),
    "gen_prefix": ("Forced start (token ids)", "強制する開始トークン（ID）"),
    "gen_prefix_info": ("Set when you choose an alternative token: generation continues after these tokens. Empty = "
                        "from the prompt.",
                        "候補のトークンを選ぶと設定され、これらのトークンの後から生成を続けます。空欄ならプロンプトから。"),
    "tab_compare": ("Compare", "比較"),
    "ll_track": ("Follow a token (optional)", "追跡するトークン（任意）"),
    "ll_track_info": ("Written as it would follow the text, e.g. ' Paris' with its space: its probability and rank "
                      "at every layer join the trajectory.",
                      "テキストの直後に来る形で書きます（例：先頭の空白を含めて ' Paris'）。各層での確率と順位が"
                      "軌跡に加わります。"),
    "cmp_model_a": ("Model A", "モデル A"),
    "cmp_model_b": ("Model B (the same model compares two settings)", "モデル B（同じモデルなら2つの設定を比較）"),
    "cmp_run": ("Compare", "比較する"),
    "cmp_shared": ("Both sides", "両方に共通"),
    "guide_compare": ("""
**What you see.** The same prompt continued twice, with the same seed: by two models (say a model and its fine-tuned
copy), or by one model with two settings (float32 vs 16-bit weights, greedy vs sampling, two temperatures). Each
token is coloured by the probability its own model gave it; the first step where the texts part is outlined.

**When both models read the same vocabulary**, each text is also read by the other model: hover a token for the
probability the other model gives it in the same context. The **KL divergence** KL(A ‖ B) = Σ p_A · log₂(p_A / p_B)
measures, in bits, how far B's next-token distribution is from A's at that step: 0 when they agree exactly, large
where B would have written something else. It is not symmetric, so both directions are shown. Comparing a model with
itself in 16 bits shows the cost of the smaller weights: tiny KL, and usually the same greedy text.
""", """
**表示されるもの** 同じプロンプトを、同じシードで2回続けます。2つのモデル（例：モデルとそのファインチューニング版）か、
1つのモデルの2つの設定（float32 と 16ビットの重み、貪欲法とサンプリング、2つの温度）です。各トークンは自分のモデルが
与えた確率で色分けされ、2つのテキストが初めて分かれたステップは枠で示されます。

**2つのモデルが同じ語彙を使うとき** は、それぞれのテキストをもう一方のモデルでも読みます。トークンにマウスを重ねると、
同じ文脈でもう一方のモデルが与える確率が表示されます。**KL ダイバージェンス** KL(A ‖ B) = Σ p_A · log₂(p_A / p_B) は、
そのステップで B の次トークン分布が A の分布からどれだけ離れているかをビット単位で表します。完全に一致すれば 0、
B が別のものを書きそうな所では大きくなります。対称ではないため、両方向を表示します。同じモデルを 16 ビットと比べると、
小さな重みの代償がわかります（KL はごく小さく、貪欲法のテキストはたいてい同じです）。
"""),
}
