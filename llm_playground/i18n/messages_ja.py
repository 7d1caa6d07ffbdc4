"""Japanese for the app's error messages, which are written in English where they are raised.

Each pattern matches one English message shape (the f-strings in tasks/, checks, catalog, loading …) and
names its variable parts; its Japanese template reuses them. Patterns are applied in turn to the whole
message (a message built from two parts — "layer must be in [0, 1], got 2 (tiny-bert has 2 layers)." —
is translated part by part). What no pattern matches stays English: tests/unit/test_i18n.py sends the bad-input
suite's messages through here and refuses English left over.
"""

from __future__ import annotations

import re

WHAT = {"prompt": "プロンプト", "training text": "学習テキスト", "held-out text": "検証用テキスト", "text": "テキスト", "sentence A": "文 A", "sentence B": "文 B", "model": "モデル"}
TASKS = {"generation": "テキスト生成", "fill-mask": "穴埋め", "next-sentence": "次文予測", "attention": "アテンション",
         "tokenizer": "トークナイザー"}
_N = r"[\d,.]+"

PATTERNS: list[tuple[str, str]] = [
    # texts (checks.py, tasks/validation.py)
    (r"The (?P<what>prompt|training text|held-out text|text|sentence A|sentence B) is empty\. Type something first\.",
     "{what}が空です。何か入力してください。"),
    (rf"The (?P<what>prompt|training text|held-out text|text|sentence A|sentence B) has (?P<n>{_N}) characters; the limit is (?P<limit>{_N})\.",
     "{what}は {n} 文字あります。上限は {limit} 文字です。"),
    (r"The (?P<what>prompt|training text|held-out text|text|sentence A|sentence B) contains invalid Unicode \(a lone surrogate\); please re-type it\.",
     "{what}に不正な Unicode 文字（対になっていないサロゲート）が含まれています。入力し直してください。"),
    (r"The (?P<what>prompt|training text|held-out text|text|sentence A|sentence B|model) must be (?:a string|given by its name \(a string\)), "
     r"got (?P<type>\w+)\.", "{what}は文字列で指定してください（{type} が渡されました）。"),
    # numbers
    (r"(?P<name>\w+) must be a number, got (?P<got>.+?)(?:\.$|(?= \())", "{name} は数値で指定してください（{got} が渡されました）。"),
    (r"(?P<name>\w+) must be a finite number, got (?P<got>[^ .]+)\.?", "{name} は有限の数値で指定してください（{got} が渡されました）。"),
    (r"(?P<name>\w+) must be a whole number, got (?P<got>[^ .]+)\.?", "{name} は整数で指定してください（{got} が渡されました）。"),
    (r"(?P<name>\w+) must be in (?P<range>[\[(][^\]]*\]), got (?P<got>[^ ]+?)\.?(?= \(|$)",
     "{name} は {range} の範囲で指定してください（{got} が渡されました）。"),
    (r"(?P<name>\w+) must be true or false, got (?P<got>.+?)(?:\.$|(?= \())",
     "{name} は true か false で指定してください（{got} が渡されました）。"),
    (r"\((?P<model>\S+) has (?P<n>\d+) layers\)\.", "（{model} の層は {n} 個です）。"),
    (r"\((?P<model>\S+) has (?P<n>\d+) heads per layer; -1 means the mean over heads\)\.",
     "（{model} のヘッドは各層 {n} 個です。-1 は全ヘッドの平均です）。"),
    (r"\(the input has (?P<n>\d+) tokens\)\.", "（入力は {n} トークンです）。"),
    (r"temperature must be at least (?P<min>[\d.]+) when sampling, got (?P<got>\S+): smaller values overflow\. "
     r"For the most likely token every time, use greedy decoding\.",
     "サンプリングでは temperature は {min} 以上にしてください（{got} が渡されました）。それより小さいと計算があふれます。"
     "常に最も確率の高いトークンを選ぶには貪欲法を使ってください。"),
    (r"repetition_penalty must be at least (?P<min>[\d.]+), got (?P<got>\S+): smaller values overflow \(1 = no penalty\)\.",
     "repetition_penalty は {min} 以上にしてください（{got} が渡されました）。それより小さいと計算があふれます（1 = ペナルティなし）。"),
    (r"Unknown (?P<name>\w+) (?P<got>.+?) \(use (?P<choices>[^)]*)\)\.",
     "{name} の値 {got} は使えません（{choices} のいずれか）。"),
    # models (catalog.py, manager, loading.py)
    (r"Choose a model\.", "モデルを選んでください。"),
    (r"'(?P<name>.+?)' is not a valid Hugging Face model id \(expected 'name' or 'owner/name'; paths and URLs are "
     r"not accepted\)\.", "'{name}' は Hugging Face のモデル ID として正しくありません（'name' か 'owner/name' の形式。"
     "パスや URL は使えません）。"),
    (r"'(?P<name>.+?)' is not a known model; local folders are only served from --models-dir\.",
     "'{name}' は登録されたモデルではありません。ローカルのフォルダは --models-dir からのみ提供されます。"),
    (r"Unknown model '(?P<name>.+?)'\. This deployment only offers: (?P<names>.+?)\.$",
     "'{name}' というモデルはありません。この環境で使えるのは次のモデルです：{names}。"),
    (r"Model '(?P<name>.+?)' cannot be used for (?P<task>[\w-]+): it has no masked-language-model \(MLM\) head "
     r"\(it supports: (?P<can>[^)]*)\)\.", "モデル '{name}' は{task}に使えません。マスク言語モデル（MLM）ヘッドがありません"
     "（使える用途：{can}）。"),
    (r"Model '(?P<name>.+?)' cannot be used for (?P<task>[\w-]+): it has no next-sentence-prediction \(NSP\) head; "
     r"only BERT checkpoints saved with their NSP weights have one, not RoBERTa, DistilBERT or most fine-tuned BERTs "
     r"\(it supports: (?P<can>[^)]*)\)\.", "モデル '{name}' は{task}に使えません。次文予測（NSP）ヘッドがありません。NSP "
     "ヘッドがあるのは NSP の重みを含めて保存された BERT だけで、RoBERTa、DistilBERT、多くのファインチューニング済み BERT には"
     "ありません（使える用途：{can}）。"),
    (r"Model '(?P<name>.+?)' cannot be used for (?P<task>[\w-]+) \(it supports: (?P<can>[^)]*)\)\.",
     "モデル '{name}' は{task}に使えません（使える用途：{can}）。"),
    (r"Model '(?P<name>.+?)' has no (?P<task>[\w-]+) head in its weights, so it cannot be used for [\w-]+\.",
     "モデル '{name}' の重みには{task}のヘッドがないため、この用途には使えません。"),
    (r"Model '(?P<name>.+?)' is not in this machine's Hugging Face cache and the Hub cannot be reached\. Connect to "
     r"the internet, pre-download it \(hf download [^)]*\), or pick a local model\.",
     "モデル '{name}' はこのマシンの Hugging Face キャッシュになく、Hub にも接続できません。インターネットに接続するか、"
     "事前にダウンロードする（hf download {name}）か、ローカルのモデルを選んでください。"),
    (r" Available offline for (?P<task>[\w-]+): (?P<names>.+?)\.$", " オフラインで{task}に使えるモデル：{names}。"),
    (r"Model '(?P<name>.+?)' was not found on the Hugging Face Hub\. Check the spelling \(e\.g\. 'gpt2'\)\.",
     "モデル '{name}' は Hugging Face Hub に見つかりません。綴りを確認してください（例：'gpt2'）。"),
    (r"Model '(?P<name>.+?)' is gated on the Hugging Face Hub; gated models are not supported here\.",
     "モデル '{name}' は Hugging Face Hub で利用制限（gated）がかかっているため、ここでは使えません。"),
    (r"Not enough memory to load '(?P<name>.+?)'\. Try a smaller model or a 16-bit dtype\.",
     "'{name}' を読み込むメモリが足りません。小さいモデルか 16 ビットのデータ型を試してください。"),
    (r"'(?P<name>.+?)' needs Python code shipped inside the checkpoint \(trust_remote_code\); this app never runs "
     r"such code\. Pick a model that transformers supports natively\.",
     "'{name}' はチェックポイントに同梱された Python コード（trust_remote_code）を必要としますが、このアプリはそのような"
     "コードを決して実行しません。transformers が標準で対応しているモデルを選んでください。"),
    (r"'(?P<name>.+?)' has no weights file \(model\.safetensors or pytorch_model\.bin\), so it cannot be loaded\.",
     "'{name}' には重みのファイル（model.safetensors または pytorch_model.bin）がないため、読み込めません。"),
    (r"The weights of '(?P<name>.+?)' are corrupt or truncated and could not be read\.",
     "'{name}' の重みが壊れているか途中で切れていて、読み込めませんでした。"),
    (r"'(?P<name>.+?)' has no supported model configuration \(config\.json\)\.",
     "'{name}' には対応しているモデル設定（config.json）がありません。"),
    (r" \(It failed (?P<ago>\d+) s ago; it will be tried again in (?P<wait>\d+) s\.\)",
     "（{ago} 秒前に失敗しました。{wait} 秒後にもう一度試します。）"),
    (r"Ran out of memory while running '(?P<name>.+?)'\. Try a shorter text, fewer tokens or sequences, or a 16-bit "
     r"dtype\.", "'{name}' の実行中にメモリが足りなくなりました。短いテキスト、少ないトークン数や系列数、16 ビットのデータ型を"
     "試してください。"),
    (r"Unloading models is disabled on this deployment\.", "この環境ではモデルのアンロードは無効です。"),
    (r"Deleting cache entries is disabled on this deployment\.", "この環境ではキャッシュの削除は無効です。"),
    (r"'(?P<name>.+?)' \((?P<type>\w+)\) is not in the local Hugging Face cache\.",
     "'{name}'（{type}）はローカルの Hugging Face キャッシュにありません。"),
    # generation: branches (prefix_ids), 8-bit weights, the logit lens's followed token
    (r"The prompt is (?P<n>\d+) tokens plus (?P<k>\d+) forced tokens \(prefix_ids\); with max_new_tokens=(?P<max>\d+) "
     r"it exceeds (?P<name>.+?)'s context of (?P<limit>\d+) tokens\.",
     "プロンプトは {n} トークン、強制するトークン（prefix_ids）は {k} 個です。max_new_tokens={max} を加えると {name} の"
     "文脈長 {limit} トークンを超えます。"),
    (r"`(?P<name>\w+)` must be token ids \(whole numbers separated by commas\), got '(?P<got>.*)'\.",
     "`{name}` はトークン ID（カンマ区切りの整数）で指定してください（'{got}' が渡されました）。"),
    (r"`(?P<name>\w+)` must be a list of token ids \(whole numbers from 0\)\.",
     "`{name}` はトークン ID（0 以上の整数）のリストで指定してください。"),
    (r"`(?P<name>\w+)` has (?P<n>\d+) tokens; at most (?P<most>\d+) can be forced\.",
     "`{name}` は {n} トークンあります。強制できるのは {most} トークンまでです。"),
    (r"prefix_ids: token id (?P<id>\d+) is not in (?P<name>.+?)'s vocabulary \(ids 0–(?P<last>\d+)\)\.",
     "prefix_ids：トークン ID {id} は {name} の語彙にありません（ID は 0〜{last}）。"),
    (r"prefix_ids: the engine read the forced tokens differently; choose the branch again\.",
     "prefix_ids：エンジンが強制トークンを別の形で読みました。もう一度分岐を選んでください。"),
    (r"Choose an alternative token in a token's popover to branch from it\.",
     "トークンのポップアップで候補のトークンを選ぶと、そこから分岐できます。"),
    (r"The chosen branch is not a list of token ids\.", "選ばれた分岐がトークン ID のリストではありません。"),
    (r"int8 weights \(dynamic quantization\) run on the CPU only; on (?P<device>\S+) use bfloat16 or float16 to save "
     r"memory\.", "int8 の重み（動的量子化）は CPU でのみ動きます。{device} ではメモリ節約に bfloat16 か float16 を使ってください。"),
    (r"track='(?P<track>.*)' adds no token after the text with this tokenizer; write the token as it would follow the "
     r"text, e\.g\. ' Paris' with its leading space\.",
     "track='{track}' はこのトークナイザーではテキストの後にトークンを追加しません。テキストの直後に来る形で書いてください"
     "（例：先頭の空白を含めて ' Paris'）。"),
    # generation
    (r"The prompt is (?P<n>\d+) tokens; with max_new_tokens=(?P<max>\d+) it exceeds (?P<name>.+?)'s context of "
     r"(?P<limit>\d+) tokens\.", "プロンプトは {n} トークンです。max_new_tokens={max} を加えると {name} の文脈長 {limit} "
     "トークンを超えます。"),
    (r"The prompt is (?P<n>\d+) tokens; (?P<name>.+?) reads at most (?P<limit>\d+)\. Shorten it\.",
     "プロンプトは {n} トークンです。{name} が読めるのは最大 {limit} トークンです。短くしてください。"),
    (r"The prompt produced no tokens for this model's tokenizer\.", "このモデルのトークナイザーではプロンプトが 0 トークンに"
     "なりました。"),
    (r"The client went away before the result was read; generation stopped\.", "結果が読まれる前に接続が切れたため、生成を"
     "止めました。"),
    # encoders, fill-mask, attention
    (r"The text is (?P<n>\d+) tokens long; (?P<name>.+?) reads at most (?P<limit>\d+) tokens \(special tokens "
     r"included\)\. Shorten it\.", "テキストは {n} トークンです。{name} が読めるのは特殊トークンを含めて最大 {limit} "
     "トークンです。短くしてください。"),
    (r"The text has no \[MASK\](?: \(or the model's own (?P<own>\S+)\))?\. Put \[MASK\] where a word should be "
     r"predicted, e\.g\. 'I played \[MASK\] with my friends at school yesterday'\.",
     "テキストに [MASK] がありません。予測したい単語の位置に [MASK] を書いてください（例：'I played [MASK] with my "
     "friends at school yesterday'）。"),
    (r"The text has (?P<n>\d+) masks; the limit is (?P<limit>\d+)\.", "テキストには [MASK] が {n} 個あります。上限は {limit} "
     "個です。"),
    (r"This model's tokenizer has no mask token, so it cannot fill masks\.", "このモデルのトークナイザーにはマスクトークンが"
     "ないため、穴埋めはできません。"),
    (r"Sentence B is for BERT-style models; (?P<name>.+?) reads text left to right, so put both sentences in the "
     r"text\.", "文 B は BERT 型のモデル用です。{name} はテキストを左から右へ読むので、両方の文をテキストに入れてください。"),
    (r"The input is (?P<n>\d+) tokens; at most (?P<limit>\d+) can be shown, because (?P<name>.+?) only has "
     r"(?P<pos>\d+) positions\. Shorten the text\.", "入力は {n} トークンです。{name} の位置埋め込みは {pos} 個しかないため、"
     "表示できるのは最大 {limit} トークンです。テキストを短くしてください。"),
    (r"The input is (?P<n>\d+) tokens; at most (?P<limit>\d+) can be shown, because the attention view stops at "
     r"\d+ tokens: .*? Shorten the text\.", "入力は {n} トークンです。表示できるのは最大 {limit} トークンです（それ以上は"
     "ヒートマップのセルが画素より多くなり、ブラウザも重くなります）。テキストを短くしてください。"),
    (r"(?P<name>.+?) cannot return attention weights for plain text \((?P<err>\w+)\)\.",
     "{name} はこのテキストのアテンションの重みを返せません（{err}）。"),
    (r"(?P<name>.+?) returned no attention weights\.", "{name} はアテンションの重みを返しませんでした。"),
    (r"Generate a text first, then show its attention\.", "先にテキストを生成してから、そのアテンションを表示してください。"),
    # logit lens
    (r"The text is (?P<n>\d+) tokens; the logit lens reads at most (?P<limit>\d+) with (?P<name>.+?)\. Shorten it\.",
     "テキストは {n} トークンです。{name} でロジットレンズが読めるのは最大 {limit} トークンです。短くしてください。"),
    (r"The logit lens would send (?P<layers>\d+) layers x (?P<n>\d+) tokens x top (?P<k>\d+) = (?P<total>[\d,]+) "
     r"predictions; the limit is (?P<limit>[\d,]+)\. Lower top_k or shorten the text\.",
     "ロジットレンズの予測は {layers} 層 × {n} トークン × 上位 {k} 件 = {total} 個になり、上限の {limit} 個を超えます。"
     "top_k を下げるかテキストを短くしてください。"),
    (r"The logit lens needs a causal language model \(one that predicts the next token\); '(?P<name>.+?)' is not one\.",
     "ロジットレンズには因果言語モデル（次のトークンを予測するモデル）が必要です。'{name}' はそうではありません。"),
    (r"The logit lens cannot find the final norm of (?P<name>.+?) \((?P<cls>\w+)\), so it cannot read its layers the "
     r"way its output is read\.", "{name}（{cls}）の最終正規化層が見つからないため、ロジットレンズは出力と同じやり方で"
     "各層を読めません。"),
    (r"The logit lens cannot reproduce the output of (?P<name>.+?) \((?P<cls>\w+)\) from its final norm and output "
     r"embedding, so it does not show this model\.", "ロジットレンズは {name}（{cls}）の出力を最終正規化層と出力埋め込み"
     "から再現できないため、このモデルは表示しません。"),
    (r"(?P<name>.+?) has no output embedding, so the logit lens cannot read its layers\.",
     "{name} には出力埋め込みがないため、ロジットレンズは各層を読めません。"),
    # tokenizer
    (r"`tokenizers` must be a list of tokenizer \(model\) names\.", "`tokenizers` はトークナイザー（モデル）名のリストで"
     "指定してください。"),
    (r"`tokenizer` must be one tokenizer \(model\) name\.", "`tokenizer` は1つのトークナイザー（モデル）名で指定してください。"),
    (r"Choose at least one tokenizer\.", "トークナイザーを1つ以上選んでください。"),
    (r"Compare at most (?P<max>\d+) tokenizers at once \(got (?P<n>\d+)\)\.", "一度に比較できるトークナイザーは {max} 個まで"
     "です（{n} 個が指定されました）。"),
    (r"This tokenizer has no fast \(Rust\) version, so it cannot report which characters each token covers\.",
     "このトークナイザーには高速版（Rust）がないため、各トークンがどの文字に対応するかを示せません。"),
    (r"Paste some token ids first, e\.g\. 15496, 995\.", "まずトークン ID を貼り付けてください（例：15496, 995）。"),
    (rf"(?P<n>{_N}) ids is too many; the limit is (?P<limit>{_N})\.", "ID が {n} 個あります。上限は {limit} 個です。"),
    (r"'(?P<item>.+?)' is not a token id \(ids are whole numbers\)\.", "'{item}' はトークン ID ではありません（ID は整数です）。"),
    (r"Id (?P<id>-?\d+) is outside this tokenizer's vocabulary \((?P<range>[^)]*)\)\.",
     "ID {id} はこのトークナイザーの語彙（{range}）の範囲外です。"),
    (r"The word baseline has no fixed vocabulary \(its ids number the words of one text\), so ids cannot be decoded\. "
     r"Pick a real tokenizer or the character baseline\.", "単語ベースラインには固定の語彙がない（ID は1つのテキスト内の"
     "単語の番号）ため、ID から復元できません。実際のトークナイザーか文字ベースラインを選んでください。"),
    (r"(?P<n>-?\d+) is not a Unicode code point the character baseline can decode \((?P<range>[^)]*)\)\.",
     "{n} は文字ベースラインで復元できる Unicode のコードポイントではありません（{range}）。"),
    # traffic (service/playground.py, ratelimit.py)
    (r"Too many requests: this deployment allows (?P<n>\d+) per minute\. Try again in (?P<wait>\d+) s\.",
     "リクエストが多すぎます。この環境で許可されているのは1分あたり {n} 回です。{wait} 秒後にもう一度試してください。"),
    (r"You already have (?P<n>\d+) requests waiting or running, and this deployment runs at most (?P<cap>\d+) at "
     r"once per visitor\. Wait for them to finish \(or press Stop\)\.", "待機中または実行中のリクエストがすでに {n} 件あります。"
     "この環境では1人あたり同時に {cap} 件までです。終わるまで待つか、停止を押してください。"),
    (r"Press “Show attention” first\.", "先に「アテンションを表示」を押してください。"),
    # fine-tuning (service/finetune.py, tasks/finetune.py, tasks/text_upload.py, manager.reserve)
    (r"Fine-tuning is off on this deployment: .*--allow-fine-tune\.",
     "この環境ではファインチューニングは無効です。学習は1回ごとに数分の CPU とメモリを使うため、公開サーバーでは提供して"
     "いません。自分のマシンでアプリを動かす（既定で有効です）か、--allow-fine-tune を付けて起動してください。"),
    (r"You already have a training run in progress \((?P<name>[^)]*)\)\. Wait for it to finish or press Stop\.",
     "実行中の学習がすでにあります（{name}）。終わるまで待つか、停止を押してください。"),
    (r"The server is busy: it trains at most (?P<cap>\d+) models? at once and another visitor's run is in progress\. "
     r"Try again in a minute or two\.",
     "サーバーが混んでいます。同時に学習できるのは {cap} 件までで、ほかの人の学習が実行中です。1〜2分後にもう一度試してください。"),
    (r"The (?P<what>training text|held-out text) is too short to learn from: it has (?P<n>\d+) token\(s\); give a "
     r"sentence or more\.", "{what}が短すぎて学習できません（{n} トークン）。1文以上入力してください。"),
    (r"max_seq_len (?P<n>\d+) is longer than (?P<name>.+?)'s context \((?P<c>\d+) tokens\)\.",
     "max_seq_len {n} は {name} の文脈長（{c} トークン）より長いです。"),
    (r"Not enough memory for fine-tuning (?P<name>.+?): it needs (?P<n>[\d,]+) MiB and the models in use leave too "
     r"little of this server's memory budget\. Try again when other work has finished, or with a smaller model\.",
     "{name} のファインチューニングに必要なメモリ（{n} MiB）が、このサーバーのメモリ予算に残っていません。ほかの処理が"
     "終わってから、または小さなモデルで試してください。"),
    (r"Training failed on the server \((?P<err>\w+)\); the error was logged\.",
     "サーバーで学習に失敗しました（{err}）。エラーは記録されました。"),
    (r"(?P<name>'.*?') is not a \.txt or \.jsonl file; upload plain text \(\.txt\) or JSON lines \(\.jsonl\)\.",
     "{name} は .txt でも .jsonl でもありません。テキスト（.txt）か JSON Lines（.jsonl）をアップロードしてください。"),
    (r"(?P<name>'.*?') is empty\.", "{name} は空です。"),
    (r"(?P<name>'.*?') has (?P<n>[\d,]+) bytes; the limit is (?P<max>[\d,]+) bytes\. Upload a shorter text\.",
     "{name} は {n} バイトあります。上限は {max} バイトです。短いテキストをアップロードしてください。"),
    (r"(?P<name>'.*?') looks like a binary file, not text\.", "{name} はテキストではなくバイナリファイルのようです。"),
    (r"(?P<name>'.*?') is not UTF-8 text\.", "{name} は UTF-8 のテキストではありません。"),
    (r"(?P<name>'.*?') has no text in it\.", "{name} にはテキストがありません。"),
    (r"Line (?P<n>\d+) of (?P<name>'.*?') is not JSON; a \.jsonl file has one JSON object per line, e\.g\. "
     r"(?P<ex>\{.*?\})\.", "{name} の {n} 行目は JSON ではありません。.jsonl ファイルは1行に1つの JSON オブジェクトです"
     "（例：{ex}）。"),
    (r"Line (?P<n>\d+) of (?P<name>'.*?') has no \"text\" field \(a string\)\.",
     "{name} の {n} 行目に \"text\" フィールド（文字列）がありません。"),
    # deep links (deeplink.py): one problem per parameter, joined by spaces
    (r"(?P<name>\w+)=(?P<raw>'.*?') is not (?:a whole number|a number)(?: or (?P<also>[\w /]+))?; ignored\.",
     "{name}={raw} は数値ではないため無視しました。"),
    (r"(?P<name>\w+)=(?P<raw>\S+) is outside (?P<low>\S+)–(?P<high>\S+); using (?P<used>\S+)\.",
     "{name}={raw} は {low}–{high} の範囲外のため {used} にしました。"),
    (r"(?P<name>\w+) has (?P<n>[\d,]+) characters; cut to the limit of (?P<limit>[\d,]+)\.",
     "{name} は {n} 文字あるため、上限の {limit} 文字で切りました。"),
    (r"(?P<name>\w+)=(?P<raw>'.*?') is not available here; kept the default\.",
     "{name}={raw} はここでは使えないため、既定値のままにしました。"),
    (r"(?P<name>\w+): (?P<bad>.+?) not available here; left out\.", "{name}：{bad} はここでは使えないため外しました。"),
    (r"(?P<name>\w+): at most (?P<n>\d+); kept the first \d+\.", "{name}：最大 {n} 個までのため、最初の {n} 個を使います。"),
    (r"(?P<name>\w+)=(?P<raw>'.*?') is not true or false; ignored\.", "{name}={raw} は true/false ではないため無視しました。"),
    (r"(?P<name>\w+)=(?P<raw>'.*?') is not one of (?P<choices>.+?); ignored\.",
     "{name}={raw} は {choices} のいずれでもないため無視しました。"),
    (r"tab=(?P<raw>'.*?') is not a tab \((?P<tabs>[^)]*)\); ignored\.", "tab={raw} はタブではないため無視しました（{tabs}）。"),
    (r"The link's model is not available, so it was not run\.", "リンクのモデルが使えないため、実行しませんでした。"),
    (r"The link could not be read; ignored\.", "リンクを読めなかったため無視しました。"),
    (r"Something went wrong on the server \((?P<err>\w+)\)\. The error was logged; please try again\.",
     "サーバーで問題が起きました（{err}）。エラーは記録されました。もう一度試してください。"),
]

_COMPILED = [(re.compile(pattern), template) for pattern, template in PATTERNS]


def _render(template: str, match: re.Match) -> str:
    parts = {k: v or "" for k, v in match.groupdict().items()}
    if "what" in parts:
        parts["what"] = WHAT.get(parts["what"], parts["what"])
    if "task" in parts:
        parts["task"] = TASKS.get(parts["task"], parts["task"])
    return template.format(**parts)


def to_japanese(message: str) -> str:
    for pattern, template in _COMPILED:
        message = pattern.sub(lambda m, t=template: _render(t, m), message)
    return re.sub(r"。 (?=[（\u3000-\u9fff\u30a0-\u30ff])", "。", message)  # no space between Japanese sentences
