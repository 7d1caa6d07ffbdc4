"""Server-rendered words in English and Japanese: result summaries, stats lines, table headers, chart
titles and legends (no gradio, no torch). Labels of the controls and the learner guides are in i18n/labels.py
and translated in the browser; these are written by the server for the language the page shows.

`tr(lang, key, **values)` formats the entry for `lang` ("en" or "ja"; anything else is English).
"""

from __future__ import annotations

from .words_branch import BRANCH_WORDS
from .words_compare import COMPARE_WORDS
from .words_finetune import FINETUNE_WORDS
from .words_forward import FORWARD_WORDS

LANGS = ("en", "ja")

W: dict[str, tuple[str, str]] = {
    # Generate
    "gen_stats": ("**{n} tokens** in {s:.2f} s ({tps:.1f} tokens/s) · {name} on `{device}` in {dtype} ({weights}) · "
                  "{seed}{flag}",
                  "**{n} トークン**（{s:.2f} 秒、毎秒 {tps:.1f} トークン）· {name}（`{device}`、{dtype}、{weights}）· "
                  "{seed}{flag}"),
    "gen_seed": ("seed {seed}", "シード {seed}"),
    "gen_stats_engine": ("**{n} tokens** in {s:.2f} s ({tps:.1f} tokens/s) · {name} served by the engine at "
                         "{engine} · {seed}{flag}",
                         "**{n} トークン**（{s:.2f} 秒、毎秒 {tps:.1f} トークン）· {name}（推論エンジン {engine} で実行）· "
                         "{seed}{flag}"),
    "engine_intro": ("Models named `model@engine` run on an inference engine: **generation only** (the other tabs "
                     "need a local model's internals).",
                     "`モデル@エンジン` という名前のモデルは推論エンジンで動きます：**生成のみ**（ほかのタブはローカル"
                     "モデルの内部を使うため）。"),
    "engine_up": ("- engine {where}: {names}", "- エンジン {where}：{names}"),
    "engine_down": ("- ⚠ engine {where} is not answering: its models appear once it does (asked again on page loads, "
                    "at most every 15 s)",
                    "- ⚠ エンジン {where} が応答しません：応答し次第そのモデルが表示されます（ページを開くたびに、"
                    "最短 15 秒ごとに確認します）"),
    "engine_no_models": ("no models", "モデルなし"),
    "gen_greedy_seed": ("greedy: no random draws", "貪欲法：乱数は使いません"),
    "gen_stopped": (" — stopped", " — 停止しました"),
    "gen_generating": (" — generating…", " — 生成中…"),
    "gen_fitted": (" · max new tokens shortened to {n} to fit the context of {limit} tokens",
                   " · 文脈長 {limit} トークンに収まるよう最大生成トークン数を {n} にしました"),
    "gen_weights": ("{size} of weights", "重み {size}"),
    "gen_weights_vs": ("{size} of weights, vs {full} in float32", "重み {size}（float32 では {full}）"),
    "gen_engine": ("served by an engine", "推論エンジンで実行"),
    "gen_legend": ("token colour = its probability:", "トークンの色 = その確率："),
    "gen_sequence": ("Sequence {i}", "系列 {i}"),
    "gen_chart_title": ("Probability of each generated token (the model's own distribution, before sampling)",
                        "生成された各トークンの確率（サンプリング前の、モデル自身の分布）"),
    "gen_chart_x": ("generation step", "生成ステップ"),
    "gen_chart_y": ("probability", "確率"),
    "gen_table": (("step", "token", "id", "probability", "top-5 alternatives (probability)"),
                  ("ステップ", "トークン", "ID", "確率", "上位5候補（確率）")),
    # Next token
    "nt_summary": ("Most likely next token: **{token}** ({prob:.1%}) · after temperature {temperature:g}, top-k "
                   "{top_k} and top-p {top_p:g}, **{kept:,} of {vocab:,} tokens** can still be sampled · {name}, "
                   "{n} prompt tokens",
                   "最も確率の高い次のトークン：**{token}**（{prob:.1%}）· 温度 {temperature:g}、top-k {top_k}、"
                   "top-p {top_p:g} の後でサンプリングされうるのは **{vocab:,} トークン中 {kept:,} 個** · {name}、"
                   "プロンプトは {n} トークン"),
    "off": ("off", "無効"),
    "nt_chart_title": ("Next-token probabilities: the model's, and after the filters",
                       "次のトークンの確率：モデルの分布と、フィルター適用後"),
    "nt_raw": ("model (temperature 1)", "モデル（温度 1）"),
    "nt_after": ("after temperature / top-k / top-p", "温度 / top-k / top-p の適用後"),
    "nt_axis": ("probability", "確率"),
    "nt_removed_top_k": ("removed by top-k", "top-k で除外"),
    "nt_removed_top_p": ("removed by top-p", "top-p で除外"),
    "nt_kept": ("kept", "残る"),
    "nt_table": (("rank", "token", "id", "probability", "after filters", "kept"),
                 ("順位", "トークン", "ID", "確率", "フィルター後", "残るか")),
    # Fill-mask
    "fm_mask": ("[MASK] #{i} (token {position})", "[MASK] #{i}（トークン {position}）"),
    "fm_ran": ("{name} on `{device}` · the model saw {n} tokens", "{name}（`{device}`）· モデルが見たトークンは {n} 個"),
    "fm_chips": ("the {n} tokens the model saw; masks highlighted", "モデルが見た {n} 個のトークン（マスクは強調表示）"),
    "fm_tokens": (("#", "token", "id", "mask"), ("#", "トークン", "ID", "マスク")),
    "fm_predictions": (("mask", "rank", "token", "id", "probability", "completed text"),
                       ("マスク", "順位", "トークン", "ID", "確率", "補完されたテキスト")),
    "fm_chart_title": ("Top predictions per mask (probability at that position, masks scored independently)",
                       "マスクごとの上位の予測（その位置での確率。マスクはそれぞれ独立に予測）"),
    # Next sentence
    "nsp_follows": ("B follows A", "B は A の次に続く"),
    "nsp_not": ("B does not follow A", "B は A の次に続かない"),
    "nsp_summary": ("### {verdict}\n**P(IsNext) = {p_next}** · P(NotNext) = {p_not}\n\nRaw NSP logits: IsNext "
                    "{l_next:.4f}, NotNext {l_not:.4f} · {name} on `{device}` · {n} tokens",
                    "### {verdict}\n**P(IsNext) = {p_next}** · P(NotNext) = {p_not}\n\nNSP の生のロジット：IsNext "
                    "{l_next:.4f}、NotNext {l_not:.4f} · {name}（`{device}`）· {n} トークン"),
    "nsp_gauge": ("P(IsNext): sentence B follows sentence A", "P(IsNext)：文 B が文 A の次に続く確率"),
    "nsp_tokens": (("#", "token", "input_id", "token_type_id", "segment", "attention_mask"),
                   ("#", "トークン", "input_id", "token_type_id", "区間", "attention_mask")),
    # Attention
    "att_summary": ("**{n} tokens** · {layers} layers × {heads} heads{kv} · {kind} · {name}",
                    "**{n} トークン** · {layers} 層 × {heads} ヘッド{kv} · {kind} · {name}"),
    "att_kv": (" (grouped KV: {kv} key/value heads shared by {heads} query heads; shown per query head)",
               "（グループ化 KV：{heads} 個のクエリヘッドが {kv} 個のキー/バリューヘッドを共有。クエリヘッドごとに表示）"),
    "att_causal": ("causal: each token sees only earlier tokens", "因果的：各トークンは前のトークンだけを見る"),
    "att_bidirectional": ("bidirectional", "双方向"),
    "att_heatmap_title": ("Layer {layer}, {head}", "層 {layer}、{head}"),
    "att_rollout_title": ("Attention rollout through {through} ({head})", "{through}を通したアテンション・ロールアウト（{head}）"),
    "att_layers_range": ("layers 0–{layer}", "層 0–{layer}"),
    "att_layer_zero": ("layer 0", "層 0"),
    "att_token_title": ("What token {token} '{label}' attends to, per layer ({head})",
                        "トークン {token} '{label}' が各層で注目している先（{head}）"),
    "att_model_title": ("All {layers} layers × {heads} heads{note}", "全 {layers} 層 × {heads} ヘッド{note}"),
    "att_pooled": (", max over {block}×{block} token blocks", "、{block}×{block} トークンのブロックごとの最大値"),
    "att_mean": ("mean over heads", "全ヘッドの平均"),
    "att_max": ("max over heads", "全ヘッドの最大値"),
    "att_head": ("head {head}", "ヘッド {head}"),
    "att_key": ("key (attended to)", "キー（注目される側）"),
    "att_query": ("query (attending)", "クエリ（注目する側）"),
    "att_weight": ("weight", "重み"),
    "att_layer_axis": ("layer", "層"),
    "att_note_saturated": ("colours saturate at {top}: a few 'sink' tokens such as <s> or [CLS] take most weight "
                           "(hover for exact weights)",
                           "色は {top} で飽和：<s> や [CLS] のような少数の「シンク」トークンが重みの大半を集めます"
                           "（正確な重みはマウスを重ねて確認）"),
    "att_note_causal": ("grey = masked: a token cannot attend to later tokens (causal)",
                        "灰色 = マスク：トークンは後ろのトークンに注目できません（因果的）"),
    "att_note_pair": ("red dashes = sentence A | sentence B", "赤の破線 = 文 A | 文 B"),
    "att_note_generated": ("orange lines = prompt | generated text", "オレンジの線 = プロンプト | 生成されたテキスト"),
    "att_note_generated_rows": ("rows: the generated tokens only; orange line = prompt | generated text",
                                "行：生成されたトークンだけ。オレンジの線 = プロンプト | 生成されたテキスト"),
    "att_generated_from": ("generated →", "生成 →"),
    "att_model_sub": ("rows: layers, columns: heads; each tile is query × key — hover for tokens; pick a layer and "
                      "head to see it full size",
                      "行：層、列：ヘッド。各タイルはクエリ × キー。マウスを重ねるとトークンが表示されます。層とヘッドを"
                      "選ぶと拡大表示されます"),
    "att_head_n": ("head {h}", "ヘッド {h}"),
    "att_layer_n": ("layer {k}", "層 {k}"),
    "att_key_token": ("key token", "キーのトークン"),
    "att_weight_axis": ("attention weight", "アテンションの重み"),
    "att_query_label": ("query: {label}", "クエリ：{label}"),
    "att_hover": ("query {q}<br>key {k}<br>", "クエリ {q}<br>キー {k}<br>"),
    # Logit lens
    "ll_summary": ("**{n} tokens** × **{layers} layers** (embeddings + {blocks} blocks) · {name} · at the last position "
                   "the model predicts **{token}** ({prob:.1%}){first}",
                   "**{n} トークン** × **{layers} 層**（埋め込み + {blocks} ブロック）· {name} · 最後の位置でモデルが"
                   "予測するのは **{token}**（{prob:.1%}）{first}"),
    "ll_first": (", the top-1 token from layer {layer} on", "、層 {layer} 以降で1位"),
    "ll_first_embeddings": (", the top-1 token already in the embeddings", "、埋め込みの時点ですでに1位"),
    "ll_track_pieces": ("\n\n⚠ The text to follow is **{n} tokens** for this model ({pieces}): one position predicts "
                        "one token, so the lens follows the first, {first}.",
                        "\n\n⚠ 追跡するテキストはこのモデルでは **{n} トークン**（{pieces}）です。"
                        "1つの位置が予測するのは1トークンなので、最初の {first} を追跡します。"),
    "ll_embeddings": ("embeddings", "埋め込み"),
    "ll_layer_n": ("layer {k}", "層 {k}"),
    "ll_entropy": ("entropy {bits:.2f} bits", "エントロピー {bits:.2f} ビット"),
    "ll_hover_head": ("after {position}: {token}", "{position}: {token} の次"),
    "ll_top1_prob": ("top-1 probability", "1位の確率"),
    "ll_grid_title": ("The most likely next token at every layer (hover a cell for its top-k)",
                      "各層で最も確率の高い次のトークン（セルにマウスを重ねると上位 k 件）"),
    "ll_position_axis": ("position: token (each column predicts the token after it)",
                         "位置：トークン（各列はその次のトークンを予測）"),
    "ll_final": ("final prediction {token}", "最終的な予測 {token}"),
    "ll_chosen": ("followed {token}", "追跡中 {token}"),
    "ll_next": ("actual next token {token}", "実際の次のトークン {token}"),
    "ll_final_is_next": ("final prediction = actual next token {token}", "最終的な予測 = 実際の次のトークン {token}"),
    "ll_rank": ("rank", "順位"),
    "ll_prob_axis": ("probability (labels: rank)", "確率（ラベル：順位）"),
    "ll_trajectory_title": ("Across the layers, after position {position} ({token})",
                            "位置 {position}（{token}）の次のトークン：層ごとの変化"),
    # Tokenizer
    "tok_nothing": ("Choose one or more tokenizers above.", "上でトークナイザーを1つ以上選んでください。"),
    "tok_failed": ("{name}: {message}", "{name}：{message}"),
    "tok_head": ("{count} tokens · {cpt:.2f} characters/token", "{count} トークン · 1トークンあたり {cpt:.2f} 文字"),
    "tok_unknown": ("{n} unknown", "未知 {n} 個"),
    "tok_legend": ("top: the characters a token covers (· space, ↵ newline); bottom: the vocabulary entry (Ġ = a "
                   "space in GPT-2, ▁ = a space in sentencepiece, ## = continues a word in WordPiece). Grey dashed = "
                   "special token, red ⚠ = unknown token",
                   "上段：トークンが表す文字（· 空白、↵ 改行）、下段：語彙の見出し（GPT-2 の Ġ と sentencepiece の ▁ は"
                   "空白、WordPiece の ## は単語の続き）。灰色の破線 = 特殊トークン、赤の ⚠ = 未知のトークン"),
    "tok_legend_differs": (", orange underline = another tokenizer splits these characters differently",
                           "、オレンジの下線 = 別のトークナイザーはこの文字を違う位置で区切る"),
    "tok_legend_hover": (". Hover a token for its id and bytes.", "。トークンにマウスを重ねると ID とバイト列が表示されます。"),
    "tok_ruler": ("Where they cut", "区切る位置"),
    "tok_ruler_kind": ("grey = all {total} tokenizers cut here, orange = only some",
                       "灰色 = {total} 個すべてがここで区切る、オレンジ = 一部だけが区切る"),
    "tok_summary": (("tokenizer", "algorithm", "tokens", "characters", "bytes (UTF-8)", "characters / token",
                     "unknown", "round trip"),
                    ("トークナイザー", "アルゴリズム", "トークン数", "文字数", "バイト数（UTF-8）", "1トークンあたりの文字数",
                     "未知", "往復")),
    "tok_exact": ("✓ exact", "✓ 完全に一致"),
    "tok_differs": ("✗ differs (below)", "✗ 異なる（下記）"),
    "tok_no_decode": ("— cannot decode", "— 復元不可"),
    "tok_decodes_to": ("decodes its tokens to (<del>removed</del>, <ins>added</ins>):",
                       "のトークンを復元すると（<del>削除</del>、<ins>追加</ins>）："),
    "tok_rest": ("… (the rest is not compared)", "…（残りは比較していません）"),
    "byte-level BPE": ("byte-level BPE", "バイトレベル BPE"),
    "WordPiece": ("WordPiece", "WordPiece"),
    "sentencepiece unigram": ("sentencepiece unigram", "sentencepiece ユニグラム"),
    "sentencepiece BPE (byte fallback)": ("sentencepiece BPE (byte fallback)", "sentencepiece BPE（バイトフォールバック）"),
    "sentencepiece BPE": ("sentencepiece BPE", "sentencepiece BPE"),
    "word-level (split at spaces and punctuation)": ("word-level (split at spaces and punctuation)",
                                                     "単語単位（空白と句読点で区切る）"),
    "character-level (one token per Unicode code point)": ("character-level (one token per Unicode code point)",
                                                           "文字単位（Unicode のコードポイントごとに1トークン）"),
    # Models
    "models_summary": ("Device **{device}**, default dtype **{dtype}** · {n} model(s) loaded, {used} of a {budget} "
                       "budget (least recently used models are unloaded beyond it).",
                       "デバイス **{device}**、既定のデータ型 **{dtype}** · 読み込み済み {n} 個、{budget} の上限のうち "
                       "{used} を使用（上限を超えると最も長く使われていないモデルから解放）。"),
    "models_loaded": (("model", "device", "dtype", "weights", "tasks", "load time (s)"),
                      ("モデル", "デバイス", "データ型", "重み", "用途", "読み込み時間（秒）")),
    "models_cache": (("repo", "type", "size", "revisions"), ("リポジトリ", "種類", "サイズ", "リビジョン")),
    "models_cache_empty": ("The Hugging Face cache is empty.", "Hugging Face のキャッシュは空です。"),
    "models_none_loaded": ("No model is loaded yet: models load on first use.",
                           "まだ読み込まれたモデルはありません。モデルは最初に使うときに読み込まれます。"),
    "models_unloaded": ("Unloaded {name}: it loads again on next use.", "{name} をアンロードしました。次に使うときに再び読み込まれます。"),
    "models_not_loaded": ("'{name}' is not loaded.", "'{name}' は読み込まれていません。"),
    "models_unload_none": ("Nothing was unloaded: choose a loaded model in the list first, then press Unload.",
                           "アンロードしていません。先にリストから読み込み済みのモデルを選び、それからアンロードを押してください。"),
    "models_deleted": ("Deleted {repo} ({size} freed).", "{repo} を削除しました（{size} を解放）。"),
    # Models offline / pickers / links
    "offline": ("The Hugging Face Hub cannot be reached, so only models that work offline are offered now: the built-in "
                "`stories260K` (Generate, Next token, Attention, Logit lens, Inside one prediction, Compare, Tokenizer, "
                "Fine-tune), the "
                "built-in `story-bert` (Fill-mask, Next sentence, Attention, Tokenizer) and any `--models-dir` "
                "folders.",
                "Hugging Face Hub に接続できないため、オフラインで使えるモデルだけを表示しています：内蔵の `stories260K`"
                "（生成・次のトークン・アテンション・ロジットレンズ・予測の内側・比較・トークナイザー・"
                "ファインチューニング）、内蔵の `story-bert`（穴埋め・次文予測・アテンション・トークナイザー）と "
                "`--models-dir` のフォルダ。"),
    "offline_no_bert": (" Fill-mask and Next sentence need a BERT checkpoint: start the app with `--models-dir` pointing "
                        "at one, or connect to the internet.",
                        "穴埋めと次文予測には BERT のチェックポイントが必要です。`--models-dir` でそのフォルダを指定して"
                        "起動するか、インターネットに接続してください。"),
    "picker_offline": ("Offline now: listed are the models that work without the Hub ({hidden} need it).",
                       "現在オフラインです。Hub なしで使えるモデルだけを表示しています（{hidden} には Hub が必要）。"),
    "link_problems": ("Link: {problems}", "リンク：{problems}"),
    "error": ("⚠ {message}", "⚠ {message}"),
    "warning_title": ("Warning", "注意"),
    "cut_note": ("✂ The pasted text had {pasted} characters and this box takes {limit}: only the first {kept} were "
                 "kept, so the text now ends at “…{end}”.",
                 "✂ 貼り付けたテキストは {pasted} 文字ありましたが、この欄は {limit} 文字までのため、最初の {kept} 文字"
                 "だけを残しました。末尾は「…{end}」です。"),
    "info_title": ("Done", "完了"),
    "error_title": ("Error", "エラー"),
}

W.update(BRANCH_WORDS)
W.update(COMPARE_WORDS)
W.update(FINETUNE_WORDS)
W.update(FORWARD_WORDS)


def tr(lang: str, key: str, **values):
    """The entry for `lang`, formatted with `values` (tuples, such as table headers, come back as lists)."""
    en, ja = W[key]
    text = ja if lang == "ja" else en
    if isinstance(text, tuple):
        return list(text)
    return text.format(**values) if values else text


def kind(lang: str, name: str) -> str:
    """A tokenizer algorithm's name (tokenizer_kind) in `lang`; unknown kinds as they are."""
    return tr(lang, name) if name in W else name
