"""The learner guide beside each tab, and the tokenizer explainer, in English and Japanese (Markdown).

key: (English, Japanese); i18n.py merges these into the app's translations.
"""

from __future__ import annotations

import re


def _wide(ch: str) -> bool:
    return ord(ch) >= 0x2E80  # CJK, kana, full-width punctuation


def unwrap(markdown: str) -> str:
    """Join the source's wrapped lines into one line per paragraph / list item. Browsers show a line break
    inside a paragraph as a space, which Japanese must not have between characters."""
    def join(m: re.Match) -> str:
        before, after = m.group(1), m.group(2)
        if _wide(before) and _wide(after):
            return before + after
        ascii_side = after if _wide(before) else before
        return before + (" " if not (_wide(before) or _wide(after)) or ascii_side.isalnum() else "") + after
    return re.sub(r"([^\n])\n[ \t]*(?!- )([^\s])", join, markdown.strip())


_TEXTS: dict[str, tuple[str, str]] = {
    "guide_generate": ("""
**What the model does.** A causal language model (GPT-2, Llama) reads the prompt as tokens and computes, for the
next position, a probability for every token of its vocabulary (the softmax of its logits). One token is chosen and
appended, and the model runs again: the text grows one token at a time (**next-token prediction**). Each generated
token is coloured by the probability the model gave it; hover, click or tap it (or press Enter on it) for the five
most likely alternatives.

**What the controls change.**
- **Greedy** always takes the most likely token, so the same prompt always gives the same text. **Sampling** draws a
  token at random according to the probabilities; the **seed** fixes the random draws (same seed, same text).
- **Temperature** divides the logits before the softmax: below 1 the distribution gets sharper (safer, more
  repetitive), above 1 flatter (more varied, more mistakes). **Top-k** keeps only the k most likely tokens, **top-p**
  the smallest set whose probabilities add up to p. These three only apply to sampling.
- **Repetition penalty** lowers the scores of tokens already in the text; **no-repeat n-gram** forbids any n tokens in
  a row from appearing twice.
- **Max new tokens** caps the length (generation also stops at the end-of-text token). A **16-bit dtype** halves the
  memory of the weights and changes the numbers slightly.

The probabilities shown are the model's own (temperature 1, before top-k / top-p), so greedy and sampling runs can be
compared. **What the sampler did** puts, for every step, that distribution beside the one actually drawn from after the
penalty, temperature, top-k and top-p, with what each filter removed.

**Steering.** Choose an alternative in a token's popover and the text continues from there with that token (a
**branch**; same settings, same seed). **Branches** lists every continuation you made, to go back to any of them;
the link (and Copy as Python) reproduce the branch you are looking at. **Stop** keeps what was generated so far.
""", """
**モデルがしていること** 因果言語モデル（GPT-2、Llama など）はプロンプトをトークン列として読み、次の位置に来るトークンに
ついて、語彙に含まれるすべてのトークンの確率（ロジットのソフトマックス）を計算します。その中から1つのトークンを選んで末尾に
追加し、もう一度モデルを実行します。こうしてテキストは1トークンずつ伸びていきます（**次トークン予測**）。生成された各トークンは
モデルが与えた確率で色分けされ、マウスを重ねる・クリックする・タップする（または Enter キーを押す）と確率の高い上位5つの
候補が表示されます。

**各設定の効果**
- **貪欲法（greedy）** は常に最も確率の高いトークンを選ぶため、同じプロンプトからは常に同じテキストが得られます。
  **サンプリング** は確率に従ってランダムにトークンを選びます。**シード** で乱数を固定すると、同じシードなら同じテキストが
  再現されます。
- **温度** はソフトマックスの前にロジットを割る値です。1未満では分布が鋭くなり（無難だが繰り返しが増える）、1より大きいと
  平らになります（多様になるが誤りも増える）。**Top-k** は確率の高い上位 k 個のトークンだけを、**Top-p** は確率の合計が
  p に達する最小のトークン集合だけを候補に残します。この3つはサンプリング時にだけ効きます。
- **繰り返しペナルティ** は、すでにテキストに現れたトークンのスコアを下げます。**n-gram の繰り返し禁止** は、連続する
  n 個のトークンの並びが2回現れることを禁止します。
- **最大生成トークン数** は長さの上限です（文末トークンが出た時点でも停止します）。**16ビットのデータ型** にすると重みの
  メモリが半分になり、数値はわずかに変わります。

表示される確率はモデル自身の確率（温度1、Top-k / Top-p を適用する前）なので、貪欲法とサンプリングの結果を比べられます。
**サンプラーの働き** では、各ステップのこの分布と、ペナルティ・温度・Top-k・Top-p を適用した後に実際にサンプリングした分布を
並べ、各フィルターが何を除外したかを示します。

**生成を操る** トークンのポップアップで候補を選ぶと、そのトークンからテキストの続きを生成します（**分岐**。設定もシードも
同じ）。**分岐** の一覧から、作ったどの続きにも戻れます。リンク（と Python コードのコピー）は表示中の分岐を再現します。
**停止** を押すと、そこまでに生成した分が残ります。
"""),
    "guide_next_token": ("""
**What you see.** For the prompt, the model computes one score (logit) for every token of its vocabulary; the softmax
turns them into the probability of each token coming next. The grey bars are these probabilities (temperature 1), the
model's own distribution. Generation picks the next token from this distribution, one step at a time.

**What the filters do.** Sampling does not draw from that distribution directly:
- **Temperature** divides the logits first: below 1 the likely tokens get even likelier, above 1 the distribution
  flattens. The order of the tokens never changes.
- **Top-k** keeps only the k most likely tokens; **top-p** keeps the smallest set of tokens whose probabilities add up
  to p (computed after temperature and top-k, as transformers' `generate()` does).
- The green bars are the distribution sampling really draws from: the kept tokens, renormalised so they sum to 1. Red
  marks the tokens a filter removed (their probability is 0) and which filter removed them.

Greedy decoding ignores all three and always takes the most likely token (rank 1).
""", """
**表示されているもの** モデルはプロンプトに対して、語彙のすべてのトークンに1つずつスコア（ロジット）を計算し、ソフトマックスで
それを「次に来る確率」に変換します。灰色の棒がその確率（温度 1）で、モデル自身の分布です。生成では、この分布から次のトークンを
1ステップずつ選びます。

**フィルターの働き** サンプリングはこの分布からそのまま選ぶわけではありません。
- **温度** は最初にロジットを割ります。1未満では確率の高いトークンがさらに高くなり、1より大きいと分布が平らになります。
  トークンの順位は変わりません。
- **Top-k** は確率の高い上位 k 個のトークンだけを残し、**Top-p** は確率の合計が p に達する最小のトークン集合だけを残します
  （transformers の `generate()` と同じく、温度と Top-k の後に計算します）。
- 緑の棒が、サンプリングが実際に選ぶ分布です。残ったトークンの確率を合計が 1 になるように正規化したものです。赤は
  フィルターが取り除いたトークン（確率 0）で、どのフィルターが取り除いたかを示します。

貪欲法はこの3つをすべて無視し、常に最も確率の高いトークン（1位）を選びます。
"""),
    "guide_logit_lens": ("""
**What you see.** A transformer keeps one vector per token position, the *hidden state*, and each block adds its
update to it. Only the last one is read by the model: its final norm and output embedding turn it into a score for
every token of the vocabulary, and the softmax into next-token probabilities. The **logit lens** reads *every* layer
the same way, as if the model stopped there: the embeddings (layer 0) and the output of each block, at every position.

- **Grid**: rows are layers (the model's real output on top), columns are positions. A cell shows the most likely next
  token at that layer, shaded by its probability; hover it for the top-k and the **entropy** (in bits: 0 = certain,
  1 = a coin flip between two tokens, higher = more spread out). The top row is exactly the model's own prediction.
- **Trajectory**: for one position, the probability of the model's final prediction and of the token that really
  comes next in the text, at every layer; the labels are their ranks (#1 = most likely). Pick the position in the
  list; it re-plots without running the model again.

**How to read it, and its limits.** Watch where the final answer first appears and how confident it gets. With tied
embeddings (stories260K) layer 0 often "predicts" the input token itself: the embeddings were never trained to predict
the next token. Intermediate layers were not trained to be read through the final norm and head either: the lens shows
what they would say *if* read that way, which is often noisy or odd in early layers, and works better in some model
families (GPT-2) than in others. A token that appears late is not proof that earlier layers did not "know" it; it
may just be encoded in a way this one projection cannot read (the *tuned lens* learns a projection per layer to fix
that).
""", """
**表示されているもの** Transformer はトークンの位置ごとに1本のベクトル（*隠れ状態*）を持ち、各ブロックがそこに更新を
足していきます。モデルが読むのは最後の隠れ状態だけで、最終正規化（final norm）と出力埋め込みが語彙のすべてのトークンに
スコアを付け、ソフトマックスが次のトークンの確率に変えます。**ロジットレンズ** は、*すべての* 層を同じやり方で、その層で
モデルが止まったかのように読みます。対象は埋め込み（層 0）と各ブロックの出力で、すべての位置について読みます。

- **グリッド**：行が層（一番上がモデルの実際の出力）、列が位置です。各セルはその層で最も確率の高い次のトークンを示し、
  色の濃さがその確率です。マウスを重ねると上位 k 件と **エントロピー** が表示されます（単位はビット。0 = 確信、1 = 2つの
  トークンのどちらかを選ぶコイン投げ、それより大きいほど分散している）。一番上の行はモデル自身の予測そのものです。
- **層ごとの変化**：1つの位置について、モデルの最終的な予測と、テキストで実際に次に来るトークンの確率を層ごとに示します。
  ラベルは順位です（#1 = 最も確率が高い）。位置はリストで選びます。モデルを再実行せずに描き直します。

**読み方と限界** 最終的な答えがどの層で初めて現れ、どれだけ確信が強まるかを見ましょう。埋め込みを出力と共有している
モデル（stories260K）では、層 0 が入力トークン自体を「予測」することがよくあります。埋め込みは次のトークンを予測するように
学習されていないからです。途中の層も、最終正規化と出力ヘッドを通して読まれるようには学習されていません。ロジットレンズが
示すのは「もしそう読んだら何と言うか」で、初期の層ではノイズが多かったり奇妙だったりします。うまく読めるかはモデルの系統
によっても違います（GPT-2 では比較的よく読めます）。あるトークンが遅い層で初めて現れても、それより前の層がそれを「知らな
かった」証拠にはなりません。この1つの射影では読めない形で表されているだけかもしれません（*tuned lens* は層ごとに射影を
学習してこれを補います）。
"""),
    "guide_fill_mask": ("""
**What the model does.** BERT-style models are trained by **masked language modelling**: words of a sentence are
hidden behind **[MASK]** and the model learns to guess them from the words on *both* sides. For each [MASK], the
masked-language-model head gives a probability for every token of the vocabulary; the top-k are shown, each with the
completed sentence.

**What the controls change.** Write [MASK] where a word is missing (it becomes the model's own mask token, `<mask>`
for RoBERTa). **Top-k** is how many candidates to show per mask. With several masks, each is predicted on its own in
the same forward pass while the others stay masked, so the best candidates do not always fit together. The token list
shows how the tokenizer split the text (`play ##ed`): the model predicts one *token*, not necessarily a whole word.
""", """
**モデルがしていること** BERT 系のモデルは **マスク言語モデル（MLM）** として学習されています。文中の単語を **[MASK]** で
隠し、その *前後両方* の文脈から隠された単語を当てるように学習します。各 [MASK] について MLM ヘッドが語彙のすべての
トークンの確率を出力し、ここでは上位 k 件を、それぞれを当てはめた文とともに表示します。

**各設定の効果** 単語が欠けている位置に [MASK] と書きます（モデル固有のマスクトークンに置き換わります。RoBERTa では
`<mask>`）。**Top-k** はマスクごとに表示する候補の数です。マスクが複数あるときは、同じ1回の順伝播の中で、他のマスクを
隠したまま各マスクを別々に予測するため、それぞれの最有力候補どうしが噛み合うとは限りません。トークン一覧では、
トークナイザーがテキストをどう分割したか（`play ##ed`）がわかります。モデルが予測するのは1つの *トークン* であり、
単語全体とは限りません。
"""),
    "guide_next_sentence": ("""
**What the model does.** Besides masked words, the original BERT was pre-trained on **next-sentence prediction
(NSP)**: given two sentences, is B the sentence that really followed A, or a random one? The model reads
`[CLS] A [SEP] B [SEP]`; `token_type_ids` mark the tokens of A (0) and of B (1). The NSP head turns the output at
`[CLS]` into two logits (IsNext, NotNext); their softmax gives P(IsNext) and P(NotNext), which add up to 1.

**What the controls change.** Type sentence A and sentence B and press Predict. **Swap A ⇄ B** shows that the order
matters. Only BERT checkpoints that still contain the NSP head can be used (RoBERTa and DistilBERT were trained
without NSP).
""", """
**モデルがしていること** オリジナルの BERT は、マスクされた単語の予測に加えて **次文予測（NSP: Next Sentence
Prediction）** でも事前学習されています。2つの文が与えられたとき、文 B が本当に文 A の次に続いていた文なのか、無関係な
ランダムな文なのかを判定する課題です。モデルは `[CLS] A [SEP] B [SEP]` という形で入力を読み、`token_type_ids` で各トークンが
A（0）と B（1）のどちらに属するかを区別します。NSP ヘッドは `[CLS]` の位置の出力から2つのロジット（IsNext、NotNext）を計算し、
そのソフトマックスが P(IsNext) と P(NotNext) になります（合計は1）。

**各設定の効果** 文 A と文 B を入力して「予測」を押します。**A ⇄ B を入れ替え** ると、順序が結果に影響することがわかります。
使えるのは NSP ヘッドを含む BERT のチェックポイントだけです（RoBERTa と DistilBERT は NSP なしで学習されています）。
"""),
    "guide_attention": ("""
**What the model does.** In every layer, each token builds its new representation as a weighted average of the value
vectors of the tokens it can see. The weights are the **attention**, softmax(QKᵀ/√d): how well the token's query
matches each token's key. Each layer has several **heads** with their own weights, which learn different patterns
(the previous token, `[CLS]`/`[SEP]`, a related word). In the heatmap a row is the token attending (query) and a column
the token attended to (key); every row sums to 1. Causal models (GPT-2, Llama) see only earlier tokens, so the upper
triangle is empty; BERT looks both ways.

**What the controls change.** **Layer** and **head** pick the matrix (or the mean / max over the layer's heads).
**Model view** shows every layer × head at once; **rollout** multiplies the layers' head-averaged attention (plus the
residual connection) to estimate how much each input token flows into each position; **token view** follows one
token through all layers. These only re-plot the stored weights; **Show attention** runs the model. Attention shows
where information is read from, not why the model decided something: a hint, not an explanation.

**Attention on generated text.** In the Generate tab, **👁 Show attention for this text** opens this tab on the prompt
and its completion with the same model and runs it: an orange line marks where the generated tokens start, on every
view. **Generated tokens only** keeps the heatmap's and rollout's rows of the generated tokens: what each word the model
wrote looked at when it wrote it (a causal model computes the same attention whether it generates or re-reads the text).
""", """
**モデルがしていること** 各層で、それぞれのトークンは自分から見えるトークンの値ベクトルの重み付き平均として新しい表現を
作ります。この重みが **アテンション（注意機構）** で、softmax(QKᵀ/√d)、つまりそのトークンのクエリが各トークンのキーと
どれだけ合うかで決まります。各層には独自の重みを持つ複数の **ヘッド** があり、それぞれ異なるパターン（直前のトークン、
`[CLS]`/`[SEP]`、関連する単語など）を学習します。ヒートマップの行は注意を向ける側のトークン（クエリ）、列は注意を向けられる
側のトークン（キー）で、各行の合計は1です。因果モデル（GPT-2、Llama）は前のトークンしか見られないため右上の三角形は空になり、
BERT は前後両方を見ます。

**各設定の効果** **層** と **ヘッド** で表示する行列を選びます（層の全ヘッドの平均・最大値も選べます）。**モデルビュー** は
全層×全ヘッドを一度に表示します。**ロールアウト** は各層のヘッド平均アテンションを（残差接続を加えて）掛け合わせ、
各入力トークンの情報が各位置にどれだけ流れ込むかを推定します。**トークンビュー** は1つのトークンを全層にわたって追跡します。
これらは保存済みの重みを描き直すだけで、モデルを実行するのは **アテンションを表示** を押したときです。アテンションは情報を
どこから読み取ったかを示すもので、モデルがなぜそう判断したかの説明ではありません。手がかりとして扱いましょう。

**生成されたテキストのアテンション** 生成タブの **👁 このテキストのアテンションを表示** を押すと、プロンプトと生成された続きを
同じモデルでこのタブに開いて実行します。生成されたトークンが始まる位置は、どの表示でもオレンジの線で示されます。
**生成されたトークンだけ** をオンにすると、ヒートマップとロールアウトで生成されたトークンの行だけを表示します。モデルが
書いた各単語が、書くときにどこに注目していたかがわかります（因果モデルのアテンションは、生成するときもテキストを読み直す
ときも同じです）。
"""),
    "guide_tokenizer": ("""
**What happens.** A language model never sees characters: a **tokenizer** first cuts the text into **tokens** from a
fixed vocabulary and maps each one to an id, and the model works on the ids. Different models use different
tokenizers (GPT-2's byte-level BPE, BERT's WordPiece, sentencepiece), so the same text becomes different tokens, and
a different number of them.

**What the controls change.** Pick up to 6 tokenizers to compare side by side (only the tokenizer loads, no model
weights). **Special tokens** adds what the model adds itself (`[CLS]`/`[SEP]`, BOS/EOS). Orange marks where the
tokenizers cut differently; the counts show characters per token and whether decoding gives back exactly the text.
**Ids → text** decodes a list of ids.
""", """
**何が起きているか** 言語モデルは文字を直接見ることはありません。まず **トークナイザー** がテキストを固定の語彙に含まれる
**トークン** に分割して、それぞれを ID に変換し、モデルはその ID を処理します。モデルによってトークナイザーは異なる
（GPT-2 のバイトレベル BPE、BERT の WordPiece、sentencepiece など）ため、同じテキストでもトークンの切り方も数も変わります。

**各設定の効果** 比較したいトークナイザーを最大6つ選ぶと、横に並べて比べられます（読み込むのはトークナイザーだけで、
モデルの重みは不要です）。**特殊トークン** をオンにすると、モデル自身が付け加えるトークン（`[CLS]`/`[SEP]`、BOS/EOS）も
表示されます。オレンジ色の印はトークナイザーによって切れ目が異なる箇所です。集計では1トークンあたりの文字数や、
デコードすると元のテキストに正確に戻るかがわかります。**ID → テキスト** では ID の列をテキストに戻せます。
"""),
    "guide_models": ("""
**What is here.** All tabs share one model manager: a checkpoint is loaded once, on first use, and serves every task it
supports (one BERT serves fill-mask, next sentence and attention). This tab shows what is loaded (device, dtype,
memory) against the memory budget (beyond it, the least recently used models are unloaded) and the local Hugging
Face cache of downloaded checkpoints.
""", """
**ここにあるもの** すべてのタブは1つのモデルマネージャーを共有しています。チェックポイントは最初に使うときに一度だけ
読み込まれ、そのモデルが対応するすべてのタスクで使われます（1つの BERT が穴埋め・次文予測・アテンションを担います）。
このタブでは、読み込まれているモデル（デバイス、データ型、メモリ）をメモリ予算と比べて確認できます（予算を超えると、
最も長く使われていないモデルからアンロードされます）。ダウンロード済みチェックポイントのローカル Hugging Face キャッシュも
表示します。
"""),
    "guide_fine_tune": ("""
**What happens.** Fine-tuning adapts a pre-trained model to your own text, with the same recipe as the course: the
text is tokenized and cut into blocks of *max sequence length* tokens (the dataset), `TrainingArguments` sets the
steps, learning rate and batch size, and `Trainer.train()` repeats: predict every next token of a batch of blocks,
measure the **loss** (the mean of −log p(true next token)), and nudge every weight against its gradient (AdamW).
The run trains a *copy* of the base model; the base stays as it was.

**What to watch.** The **training loss** falls as the model learns your text. The **held-out loss** is measured on
text the model never trains on: if it falls too, the model learnt something general; if it rises while the training
loss keeps falling, it is memorising (overfitting). **Perplexity** = exp(held-out loss): "how many tokens the model
hesitates between", 1 at best. The before/after panel colours the true next tokens by the probability each model
gives them, and shows each model's greedy continuation.

**Limits.** Steps, time (the run stops at its time limit and keeps what it learnt) and text length are bounded; one
run per visitor, and one at a time on this server. **Stop** ends training at the next step and keeps the weights.
The fine-tuned model is registered as `<base>+ft-<id>` for as long as the server runs: pick it in Generate, Next
token or Attention to compare it with its base. Download it as a zip, or copy the exact `Trainer` code of the run.
""", """
**何が起きているか** ファインチューニングは、事前学習済みモデルを自分のテキストに合わせて調整することです。手順は講義と
同じで、テキストをトークン化して *最大系列長* のトークン数ごとのブロックに分け（データセット）、`TrainingArguments` で
ステップ数・学習率・バッチサイズを決め、`Trainer.train()` が次を繰り返します：ブロックのバッチについて次のトークンを
すべて予測し、**損失**（−log p(実際の次のトークン) の平均）を測り、すべての重みを勾配と逆向きに少しずつ動かします
（AdamW）。学習するのはベースモデルの *コピー* で、ベースモデルはそのまま残ります。

**見るところ** **学習損失** はモデルがテキストを覚えるにつれて下がります。**検証損失** は学習に使わないテキストで測ります。
これも下がれば一般的なことを学んでおり、学習損失が下がり続けるのに検証損失が上がるなら丸暗記（過学習）です。
**パープレキシティ** = exp(検証損失) は「モデルが何個のトークンの間で迷っているか」で、最良は 1 です。前後比較の欄では、
実際に続くトークンを各モデルが与えた確率で色付けし、各モデルの貪欲法による続きを示します。

**制限** ステップ数・時間（制限時間に達すると学習を止め、それまでの状態を残します）・テキストの長さには上限があります。
学習は1人1つ、このサーバー全体でも同時に1つです。**停止** は次のステップで学習を終え、重みを残します。
ファインチューニングしたモデルはサーバーが動いている間 `<ベース>+ft-<id>` として登録され、生成・次のトークン・
アテンションで選んでベースモデルと比べられます。zip でダウンロードしたり、この学習を再現する `Trainer` のコードを
コピーしたりできます。
"""),
    "tok_explainer_body": ("""
**Why subwords?** A word-level vocabulary needs every word of the language and still meets words it has
never seen (they become one *unknown* token); a character-level one never fails but makes sequences long
and leaves the model to learn spelling. Subword tokenizers sit in between: common words are one token,
rare words are split into known pieces ("Unbelievable" → "Un", "believ", "able"), all from a fixed
vocabulary of a few tens of thousands of entries.

- **BPE (byte-pair encoding, GPT-2)** starts from single symbols and repeatedly *merges* the most frequent
  adjacent pair in its training text; the merges, replayed in order, tokenize new text. GPT-2's
  **byte-level** BPE works on UTF-8 bytes, so nothing is ever unknown: a kanji or an emoji that is not
  in the vocabulary falls apart into 2–4 byte pieces, shown here as one chip with the bytes underneath.
  Every byte has a printable stand-in in its vocabulary: a space is **Ġ** (glued to the start of the
  next word), a newline **Ċ**, and é, two bytes in UTF-8, is written **Ã©**.
- **WordPiece (BERT)** splits text into words first, then each word into the longest vocabulary pieces from
  the left; a piece that continues a word is written **##piece**. A character missing from its vocabulary
  turns the whole word into **[UNK]**. BERT adds **[CLS]** at the start and **[SEP]** at the end.
- **sentencepiece** treats the text as one stream and writes spaces as **▁**, so decoding is exact and no
  language needs spaces between words (Japanese has none). Its *unigram* model keeps the split with the
  highest probability; its *BPE* model merges like GPT-2, and with *byte fallback* spells unknown
  characters as bytes (<0xE7>) instead of an unknown token.

Counts matter: a model's context window and its price are in tokens, and the same sentence costs very
different numbers of tokens in different tokenizers and languages.
""", """
**なぜサブワードなのか** 単語単位の語彙では言語のすべての単語が必要になり、それでも見たことのない単語に出会います
（その単語は1つの *未知* トークンになります）。文字単位の語彙なら失敗はしませんが、系列が長くなり、綴りまでモデルが
学ばなければなりません。サブワードのトークナイザーはその中間です。よく使う単語は1トークン、まれな単語は既知の断片に
分割されます（"Unbelievable" → "Un"、"believ"、"able"）。語彙はどれも数万語程度の固定されたものです。

- **BPE（バイトペア符号化、GPT-2）** は1文字ずつの記号から始め、学習テキスト中で最も頻繁に隣り合うペアを繰り返し
  *マージ* します。このマージを順に適用し直すことで新しいテキストをトークン化します。GPT-2 の **バイトレベル** BPE は
  UTF-8 のバイト列を扱うため、未知のものは決してありません。語彙にない漢字や絵文字は2〜4個のバイト片に分かれ、ここでは
  バイトを下に並べた1つのチップとして表示されます。どのバイトにも語彙の中に表示可能な代替文字があり、スペースは **Ġ**
  （次の単語の先頭にくっつきます）、改行は **Ċ**、UTF-8 で2バイトの é は **Ã©** と書かれます。
- **WordPiece（BERT）** はまずテキストを単語に分け、各単語を左から語彙にある最長の断片に分割します。単語の続きとなる
  断片は **##piece** と書かれます。語彙にない文字を含むと、単語全体が **[UNK]** になります。BERT は先頭に **[CLS]**、
  末尾に **[SEP]** を付け加えます。
- **sentencepiece** はテキストを1本の文字列として扱い、スペースを **▁** と書くため、デコードが正確で、単語の間に
  スペースのない言語（日本語など）もそのまま扱えます。*unigram* モデルは確率が最も高い分割を選び、*BPE* モデルは
  GPT-2 と同様にマージを行います。*バイトフォールバック* があると、未知の文字を未知トークンではなくバイト（<0xE7>）で
  表します。

トークン数は重要です。モデルのコンテキスト長も料金もトークン単位で、同じ文でもトークナイザーや言語によって必要な
トークン数は大きく異なります。
"""),
}

TEXTS = {key: (unwrap(en), unwrap(ja)) for key, (en, ja) in _TEXTS.items()}
