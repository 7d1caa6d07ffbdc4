"""Labels of the Inside one prediction tab, in English and Japanese (merged into labels.py's TEXTS). Its guide is
Markdown in guides/forward_pass.*.md; the explanations of each step, rendered with the result, are in
words_forward.py."""

from __future__ import annotations

from ..specs import FORWARD_PASS_TOKENS

FORWARD_LABELS: dict[str, tuple[str, str]] = {
    "tab_forward_pass": ("Inside one prediction", "予測の内側"),
    "fp_text": ("Text (the model predicts the token after the chosen position)",
                "テキスト（選んだ位置の次のトークンをモデルが予測します）"),
    "fp_layer": ("Block (layer)", "ブロック（層）"),
    "fp_head": ("Attention head", "アテンションヘッド"),
    "fp_position": ("Position (-1 = the last token)", "位置（-1 = 最後のトークン）"),
    "fp_run": ("Walk through the forward pass", "順伝播をたどる"),
    "fp_help": (f"Up to **{FORWARD_PASS_TOKENS} tokens**, for Llama-style models (stories260K, SmolLM2, Qwen) and "
                "GPT-2. Every number is the model's own, from one forward pass; hover a chart to read it, zoom to "
                "see every dimension, or download the JSON.",
                f"最大 **{FORWARD_PASS_TOKENS} トークン**。Llama 系"
                "（stories260K、SmolLM2、Qwen）と GPT-2 に対応します。"
                "数値はすべて1回の順伝播でモデル自身が計算したものです。グラフにマウスを重ねると値が読め、拡大すると"
                "すべての次元が見え、JSON もダウンロードできます。"),
}
