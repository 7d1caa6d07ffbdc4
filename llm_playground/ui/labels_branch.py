"""Labels of the Generate tab's branching and sampler controls, in English and Japanese (merged into i18n.TEXTS)."""

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
}
