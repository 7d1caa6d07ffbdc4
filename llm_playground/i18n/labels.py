"""UI language: English and Japanese, chosen by the browser (Gradio i18n; passed to launch(i18n=I18N)).

`t("key")` gives a gr.I18nData the browser translates: use it for labels, infos, button texts, tab and
accordion labels, Radio choice labels and Markdown. Results computed on the server (summaries, tables, chart
titles) are written in the page's language by the handlers, with words.py's `tr`; error messages are made in
it from their key (messages.py). Long texts (the learner guides) are Markdown files read by guide.py.
"""

from __future__ import annotations

import gradio as gr

from ..specs import MAX_ATTENTION_TOKENS as MAX_TOKENS
from ..specs import MAX_LENS_PREDICTIONS as MAX_PREDICTIONS
from ..specs import MAX_LENS_TOKENS, MAX_MASKS
from . import guide
from .labels_branch import BRANCH_LABELS
from .labels_forward import FORWARD_LABELS

# key: (English, Japanese). The English texts are the labels the app always had (tests find them).
LABELS: dict[str, tuple[str, str]] = {
    "intro": ("# LLM Playground\nSee how transformer language models work: generate text token by token with each "
              "token's probability, and inspect what the model computes. Models load on first use and are shared "
              "by every tab.",
              "# LLM Playground\nTransformer 言語モデルの仕組みを目で見て確かめましょう。テキストを1トークンずつ生成して"
              "各トークンの確率を表示し、モデルが内部で何を計算しているかを調べられます。モデルは最初に使うときに"
              "読み込まれ、すべてのタブで共有されます。"),
    "tab_generate": ("Generate", "生成"),
    "tab_next_token": ("Next token", "次のトークン"),
    "tab_fill_mask": ("Fill-mask", "穴埋め"),
    "tab_next_sentence": ("Next sentence", "次文予測"),
    "tab_attention": ("Attention", "アテンション"),
    "tab_logit_lens": ("Logit lens", "ロジットレンズ"),
    "tab_tokenizer": ("Tokenizer", "トークナイザー"),
    "tab_models": ("Models", "モデル"),
    "tab_fine_tune": ("Fine-tune", "ファインチューニング"),
    # Fine-tune
    "ft_train_text": ("Training text (the model learns to continue it)", "学習テキスト（モデルはこの続きを学びます）"),
    "ft_eval_text": ("Held-out text (optional; never trained on: eval loss, perplexity and the before/after prompts)",
                     "検証用テキスト（任意。学習には使わず、検証損失・パープレキシティ・前後比較のプロンプトに使います）"),
    "ft_upload": ("📄 Or upload a .txt / .jsonl file (512 KB at most; .jsonl: each line's \"text\")",
                  "📄 または .txt / .jsonl ファイルをアップロード（512 KB まで。.jsonl は各行の \"text\"）"),
    "ft_steps": ("Training steps", "学習ステップ数"),
    "ft_lr": ("Learning rate", "学習率"),
    "ft_lr_info": ("AdamW's step size, decayed linearly to 0 (tiny models like 1e-3; GPT-2 size 5e-5)",
                   "AdamW の更新幅。0 まで線形に減らします（小さなモデルは 1e-3、GPT-2 程度なら 5e-5）"),
    "ft_batch": ("Batch size (blocks per step)", "バッチサイズ（1ステップのブロック数）"),
    "ft_seq_len": ("Max sequence length (tokens per block)", "最大系列長（1ブロックのトークン数）"),
    "ft_seq_len_info": ("The text is cut into blocks of this many tokens; a remainder shorter than a block is dropped",
                        "テキストをこのトークン数のブロックに分けます。1ブロックに満たない余りは使いません"),
    "ft_seconds": ("Time limit (seconds)", "制限時間（秒）"),
    "ft_seed": ("Seed", "シード"),
    "ft_run": ("Train", "学習する"),
    "ft_stop": ("Stop", "停止"),
    "ft_download": ("⬇ Fine-tuned model (.zip: safetensors + config + tokenizer)",
                    "⬇ ファインチューニングしたモデル（.zip：safetensors・設定・トークナイザー）"),
    "ft_off": ("**Fine-tuning is off on this deployment.** Training takes minutes of CPU and memory per run, so public "
               "servers (such as a Hugging Face Space) do not offer it, just as they do not load custom models. Run the "
               "app on your own machine, where it is on by default, or start it with `--allow-fine-tune`.",
               "**この環境ではファインチューニングは無効です。** 学習は1回ごとに数分の CPU とメモリを使うため、"
               "公開サーバー（Hugging Face Space など）では、任意のモデルの読み込みと同じく提供していません。"
               "自分のマシンでアプリを動かす（既定で有効です）か、`--allow-fine-tune` を付けて起動してください。"),
    "guide_title": ("📘 Guide: what the model does, what the controls change",
                    "📘 ガイド：モデルがしていること・各設定の効果"),
    "model": ("Model", "モデル"),
    "model_info": ("Pick a model", "モデルを選択"),
    "model_info_custom": ("Pick a model or type any Hugging Face model id",
                          "モデルを選択するか、Hugging Face のモデル ID を入力"),
    "examples": ("Examples", "例"),
    "examples_course": ("Examples from the course notes", "講義ノートの例"),
    "ex_prompt": ("Prompt", "プロンプト"),
    "ex_model": ("Model", "モデル"),
    "ex_text": ("Text", "テキスト"),
    "ex_sentence_a": ("Sentence A", "文 A"),
    "ex_sentence_b": ("Sentence B", "文 B"),
    "text": ("Text", "テキスト"),
    # share panel
    "copy_link": ("🔗 Copy link", "🔗 リンクをコピー"),
    "link": ("Link to this view", "この画面へのリンク"),
    "link_placeholder": ("Press 🔗 Copy link: a link that restores this tab and its inputs appears here and in the "
                         "clipboard", "🔗 リンクをコピー を押すと、このタブと入力を再現するリンクがここ（とクリップボード）に"
                         "表示されます"),
    "python": ("Copy as Python", "Python コードとしてコピー"),
    "python_info": ("The plain `transformers` code that gives this result outside the app (for a model served by an "
                    "engine, the `openai` client request); filled after each run.",
                    "このアプリを使わずに同じ結果を得る、素の `transformers` のコードです（エンジンが提供するモデルでは "
                    "`openai` クライアントのリクエスト）。実行するたびに更新されます。"),
    "json": ("⬇ Result as JSON", "⬇ 結果を JSON で保存"),
    # Generate
    "gen_prompt": ("Prompt", "プロンプト"),
    "gen_run": ("Generate", "生成"),
    "gen_stop": ("Stop", "停止"),
    "gen_output": ("Generated text (streams token by token)", "生成されたテキスト（1トークンずつ表示）"),
    "gen_decoding": ("Decoding", "デコーディング"),
    "gen_decoding_info": ("greedy always picks the most likely token; sampling draws from the distribution",
                          "貪欲法は常に最も確率の高いトークンを選び、サンプリングは確率分布に従ってランダムに選びます"),
    "gen_greedy": ("greedy", "貪欲法"),
    "gen_sampling": ("sampling", "サンプリング"),
    "gen_max_new": ("Max new tokens", "最大生成トークン数"),
    "gen_temperature": ("Temperature (sampling)", "温度（サンプリング時）"),
    "gen_temperature_info": ("<1 sharpens, >1 flattens the distribution",
                             "1未満で分布が鋭く、1より大きいと平らになります"),
    "gen_top_k": ("Top-k (sampling, 0 = off)", "Top-k（サンプリング時、0 = 無効）"),
    "gen_top_p": ("Top-p / nucleus (sampling)", "Top-p（nucleus、サンプリング時）"),
    "gen_rep": ("Repetition penalty", "繰り返しペナルティ"),
    "gen_rep_info": (">1 discourages repeating tokens (fixes loops)",
                     "1より大きいと同じトークンの繰り返しを抑えます（ループ対策）"),
    "gen_ngram": ("No-repeat n-gram size (0 = off)", "n-gram の繰り返し禁止（0 = 無効）"),
    "gen_seed": ("Seed (-1 = random)", "シード（-1 = ランダム）"),
    "gen_nseq": ("Sequences", "生成する系列数"),
    "gen_dtype": ("Weights dtype", "重みのデータ型"),
    "gen_dtype_info": ("16-bit halves the memory; int8 (CPU) stores the linear layers in 8 bits — the Compare tab "
                       "shows what it costs",
                       "16ビットにするとメモリが半分になります。int8（CPU）は線形層を 8 ビットで保持します。その代償は"
                       "「比較」タブで確認できます"),
    "gen_view_tokens": ("Token probabilities", "トークンの確率"),
    "gen_show_attention": ("👁 Show attention for this text", "👁 このテキストのアテンションを表示"),
    "gen_view_chart": ("Chart", "グラフ"),
    "gen_view_table": ("Table", "表"),
    # Next token
    "nt_prompt": ("Prompt (the model predicts the token after it)", "プロンプト（この直後のトークンを予測します）"),
    "nt_run": ("Show the next-token distribution", "次のトークンの確率分布を表示"),
    "nt_top_k": ("Top-k (0 = off)", "Top-k（0 = 無効）"),
    "nt_temperature": ("Temperature", "温度"),
    "nt_top_p": ("Top-p / nucleus", "Top-p（nucleus、累積確率）"),
    "nt_table": ("Candidates: probability before and after the filters", "候補：フィルター適用前と適用後の確率"),
    # Fill-mask
    "fm_text": ("Text with [MASK]", "[MASK] を含むテキスト"),
    "fm_run": ("Predict masked words", "マスクされた単語を予測"),
    "fm_top_k": ("Top-k predictions per mask", "マスクごとに表示する予測の数（Top-k）"),
    "fm_help": (f"Write **[MASK]** where a word is missing (up to {MAX_MASKS}). It is mapped to the model's own mask "
                "token, e.g. `<mask>` for RoBERTa. With several masks, each one is predicted on its own, with the "
                "others still masked.",
                f"単語が欠けている位置に **[MASK]** と書きます（最大 {MAX_MASKS} 個）。モデル固有のマスクトークン"
                "（RoBERTa なら `<mask>`）に置き換えられます。マスクが複数あるときは、他のマスクを隠したまま"
                "それぞれを別々に予測します。"),
    "fm_chips": ("Tokens the model saw", "モデルが見たトークン"),
    "fm_tokens": ("Tokens, ids and mask positions", "トークン・ID・マスクの位置"),
    "fm_predictions": ("Predictions and completed texts", "予測と補完されたテキスト"),
    # Next sentence
    "nsp_a": ("Sentence A", "文 A"),
    "nsp_b": ("Sentence B (does it follow A?)", "文 B（A の次に続く文か？）"),
    "nsp_run": ("Predict", "予測"),
    "nsp_swap": ("Swap A ⇄ B", "A ⇄ B を入れ替え"),
    "nsp_help": ("BERT reads `[CLS] A [SEP] B [SEP]`: `token_type_ids` mark segment A (0) and B (1). Its NSP head "
                 "gives two logits (IsNext, NotNext); their softmax is the probability that B really follows A.",
                 "BERT は `[CLS] A [SEP] B [SEP]` と読み、`token_type_ids` で文 A（0）と文 B（1）を区別します。"
                 "NSP ヘッドは 2つのロジット（IsNext、NotNext）を出力し、そのソフトマックスが「B が本当に A の"
                 "次に続く」確率です。"),
    "nsp_tokens": ("What the model sees, per token", "モデルが見ている入力（トークンごと）"),
    "nsp_encoding": ("Encoding as the seed notebook prints it", "ノートブックで表示したときのエンコード結果"),
    # Attention
    "att_pair": ("Sentence B (optional; BERT-style models read [CLS] A [SEP] B [SEP])",
                 "文 B（任意。BERT 系のモデルは [CLS] A [SEP] B [SEP] として読みます）"),
    "att_run": ("Show attention", "アテンションを表示"),
    "att_view": ("View", "表示"),
    "att_view_info": ("heatmap: one layer · model view: all heads · rollout: flow through layers · "
                      "token view: one token across layers",
                      "ヒートマップ：1つの層 · モデルビュー：全ヘッド · ロールアウト：層を通じた情報の流れ · "
                      "トークンビュー：1つのトークンを全層で"),
    "att_heatmap": ("heatmap", "ヒートマップ"),
    "att_model_view": ("model view", "モデルビュー"),
    "att_rollout": ("rollout", "ロールアウト"),
    "att_token_view": ("token view", "トークンビュー"),
    "att_layer": ("Layer", "層（レイヤー）"),
    "att_head": ("Head", "ヘッド"),
    "att_head_info": ("one head, or all heads of the layer combined", "1つのヘッド、または層の全ヘッドをまとめたもの"),
    "att_head_n": ("head", "ヘッド"),
    "att_mean": ("mean over heads", "全ヘッドの平均"),
    "att_max": ("max over heads", "全ヘッドの最大値"),
    "att_token": ("Token (token view)", "トークン（トークンビュー用）"),
    "att_prompt_chars": ("Characters of the prompt (the rest was generated)",
                         "プロンプトの文字数（残りは生成されたテキスト）"),
    "att_generated_only": ("Generated tokens only (rows)", "生成されたトークンだけ（行）"),
    "att_generated_only_info": ("for a text from the Generate tab: heatmap and rollout show only what each generated "
                                "token attended to", "生成タブから開いたテキストのとき：ヒートマップとロールアウトで、"
                                "生成された各トークンが何に注目したかだけを表示します"),
    "att_export": ("Export weights of this view (JSON)", "この表示の重みを書き出す（JSON）"),
    "att_exported": ("Exported weights", "書き出した重み"),
    "att_help": (f"Up to **{MAX_TOKENS} tokens** (fewer for models with fewer positions): beyond that a heatmap has "
                 "more cells than pixels. The model runs once per text; layer, head, view and token re-plot the "
                 "stored weights. **PNG**: the camera icon in the chart's toolbar (hover the chart).",
                 f"最大 **{MAX_TOKENS} トークン**（位置埋め込みが少ないモデルではそれ以下）。それを超えるとヒートマップの"
                 "セルが画素より多くなります。モデルはテキストごとに 1回だけ実行され、層・ヘッド・表示・トークンを"
                 "変えると保存済みの重みを描き直します。**PNG**：グラフにマウスを重ねると出るツールバーのカメラ"
                 "アイコンから保存できます。"),
    # Logit lens
    "ll_text": ("Text (every position's next token is read at every layer)",
                "テキスト（すべての位置の次のトークンを、すべての層で読み取ります）"),
    "ll_run": ("Show the logit lens", "ロジットレンズを表示"),
    "ll_top_k": ("Top-k per cell (shown on hover)", "セルごとの上位 k 件（マウスを重ねると表示）"),
    "ll_position": ("Position for the trajectory", "層ごとの変化を見る位置"),
    "ll_position_info": ("whose next token to follow across layers", "どの位置の次のトークンを層ごとに追うか"),
    "ll_last": ("last token", "最後のトークン"),
    "ll_help": (f"Up to **{MAX_LENS_TOKENS} tokens** (and about {MAX_PREDICTIONS:,} predictions: layers × tokens × "
                "top-k), for causal language models only. The model runs once per text; the position re-plots the "
                "stored result. **PNG**: the camera icon in the chart's toolbar.",
                f"最大 **{MAX_LENS_TOKENS} トークン**（予測の数 = 層 × トークン × 上位 k 件 は約 {MAX_PREDICTIONS:,} まで）。"
                "因果言語モデル専用です。モデルはテキストごとに 1回だけ実行され、位置を変えると保存済みの結果を描き直します。"
                "**PNG**：グラフのツールバーのカメラアイコンから保存できます。"),
    # Tokenizer
    "tok_tokenizers": ("Tokenizers to compare", "比較するトークナイザー"),
    "tok_tokenizers_info": ("Only the tokenizer loads (no model weights)",
                            "読み込むのはトークナイザーだけです（モデルの重みは不要）"),
    "tok_specials": ("Add the model's special tokens ([CLS]/[SEP], BOS/EOS)",
                     "モデルの特殊トークンを追加（[CLS]/[SEP]、BOS/EOS）"),
    "tok_run": ("Tokenize", "トークン化"),
    "tok_try": ("Try", "試す"),
    "tok_explainer": ("How tokenizers work", "トークナイザーの仕組み"),
    "tok_decode_box": ("Ids → text", "ID → テキスト"),
    "tok_decode_model": ("Tokenizer", "トークナイザー"),
    "tok_ids": ("Token ids", "トークン ID"),
    "tok_decode": ("Decode", "デコード"),
    "tok_decoded": ("Decoded text", "デコードされたテキスト"),
    # Models
    "models_loaded": ("Loaded models", "読み込み済みのモデル"),
    "models_refresh": ("Refresh", "更新"),
    "models_unload_name": ("Unload a model", "アンロードするモデル"),
    "models_unload": ("Unload", "アンロード"),
    "models_cache": ("### Local Hugging Face cache\nDownloaded checkpoints stay on disk until deleted "
                     "(the same as `hf cache ls` / `hf cache rm`).",
                     "### ローカルの Hugging Face キャッシュ\nダウンロードしたチェックポイントは削除するまでディスクに"
                     "残ります（`hf cache ls` / `hf cache rm` と同じです）。"),
    "models_cache_public": ("### Local Hugging Face cache\nDownloaded checkpoints stay on disk until deleted "
                            "(the same as `hf cache ls` / `hf cache rm`). Deleting is disabled on this public "
                            "deployment.",
                            "### ローカルの Hugging Face キャッシュ\nダウンロードしたチェックポイントは削除するまで"
                            "ディスクに残ります（`hf cache ls` / `hf cache rm` と同じです）。この公開環境では削除"
                            "できません。"),
    "models_cache_table": ("Cached repos", "キャッシュ済みのリポジトリ"),
    "models_delete_name": ("Delete a cached repo", "削除するキャッシュ"),
    "models_delete": ("Delete from disk", "ディスクから削除"),
}

TEXTS = {**{k: v for k, v in LABELS.items()}, **BRANCH_LABELS, **FORWARD_LABELS, **guide.TEXTS}
I18N = gr.I18n(en={k: en for k, (en, _) in TEXTS.items()}, ja={k: ja for k, (_, ja) in TEXTS.items()})


def t(key: str) -> gr.i18n.I18nData:
    """A translated text (KeyError for a key that has no translation: caught by the tests at import)."""
    if key not in TEXTS:
        raise KeyError(f"no translation for {key!r}")
    return I18N(key)


def en(key: str) -> str:
    """The English text of a key (for server-side strings that must match a translated label)."""
    return TEXTS[key][0]
