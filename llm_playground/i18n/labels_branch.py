"""Labels of the Generate tab's branching and sampler controls and of the Compare tab, in English and Japanese
(merged into labels.py's TEXTS). The Compare guide is Markdown in guides/."""

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
}
