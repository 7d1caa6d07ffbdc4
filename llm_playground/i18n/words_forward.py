"""Server-rendered words of the Inside one prediction tab (merged into words.W): each step's explanation, in the
course's wording, and the charts' titles and axes."""

from __future__ import annotations

FORWARD_WORDS: dict[str, tuple] = {
    "fp_summary": ("**{model}**, block {layer} of {layers}, head {head} of {heads}: how the model reads **{token}** "
                   "(position {position}) and predicts the token after it, **{best}** ({prob:.1%}).",
                   "**{model}**、ブロック {layer}（全 {layers}）、ヘッド {head}（全 {heads}）：モデルが **{token}**"
                   "（位置 {position}）を読み、次のトークン **{best}**（{prob:.1%}）を予測するまで。"),
    "fp_step1": ("**1. Embeddings.** Each token id selects one row of the embedding matrix: a vector of "
                 "{d} numbers `[{d}]`. {positions}",
                 "**1. 埋め込み.** トークン ID ごとに埋め込み行列の1行を取り出します：{d} 個の数のベクトル `[{d}]`。"
                 "{positions}"),
    "fp_rope": ("This model has no position embedding: positions enter inside attention, where RoPE rotates "
                "each pair of a query's and a key's numbers by an angle that grows with the position, so q·k "
                "depends on how far apart two tokens are.",
                "このモデルには位置埋め込みがありません。位置はアテンションの中で入ります：RoPE がクエリとキーの数を "
                "2つずつ組にして、位置とともに大きくなる角度で回転させる"
                "ので、q·k は2つのトークンの距離によって変わります。"),
    "fp_learned": ("A learned position embedding (row {position} of another matrix) is added to it: the block "
                   "reads their sum.",
                   "学習された位置埋め込み（別の行列の {position} 行目）が足され、"
                   "ブロックはその和を読みます。"),
    "fp_step2": ("**2. The block's input and its norm.** The residual stream entering block {layer} `[{d}]`, "
                 "and the same vector after the norm, which is what attention reads.",
                 "**2. ブロックの入力とその正規化.** ブロック {layer} に入る残差ストリーム `[{d}]` と、"
                 "アテンションが読む正規化後のベクトル。"),
    "fp_step3": ("**3. Query, key and value of head {head}.** Three projections of every token's normed vector "
                 "`[{n} tokens × {hd}]`.{gqa}{rope}",
                 "**3. ヘッド {head} のクエリ・キー・バリュー.** 各トークンの正規化ベクトルの3つの射影 "
                 "`[{n} トークン × {hd}]`。{gqa}{rope}"),
    "fp_gqa": (" Grouped-query attention: {group} query heads share one key/value head; head {head} uses key/value "
               "head {kv}.",
               " グループ化クエリアテンション：{group} 個のクエリヘッドが1つのキー/バリューヘッドを共有し、"
               "ヘッド {head} はキー/バリューヘッド {kv} を使います。"),
    "fp_rotated": (" q and k are shown as they are multiplied: after the rotation.",
                   " q と k は掛け合わされる形、つまり回転後で示します。"),
    "fp_step4": ("**4. Scores and weights.** Each query is multiplied with every earlier key: `q·k × {scale:.4g}`"
                 "{root} `[{n} × {n}]`; later keys are masked (blank), so a token never sees the future. The "
                 "softmax of each row gives the attention weights, each row summing to 1: the same matrix as the "
                 "Attention tab's.",
                 "**4. スコアと重み.** 各クエリに、それ以前のすべてのキーを掛けます：`q·k × {scale:.4g}`{root}"
                 "`[{n} × {n}]`。後ろのキーはマスクされ（空白）、トークンは未来を見ません。"
                 "各行の softmax がアテンションの重みで、各行の和は 1 です。アテンションタブと同じ行列です。"),
    "fp_root": (" (1/√{hd})", "（1/√{hd}）"),
    "fp_scale": ("scale", "係数"),
    "fp_step5": ("**5. The head's output, then all heads together.** Weights · values `[{n} × {hd}]`: each "
                 "token's mix of the values it attends to. All {heads} heads' outputs are concatenated and the "
                 "output projection turns them into the attention output `[{d}]`; the bars show how much each head "
                 "adds at position {position}.",
                 "**5. ヘッドの出力、そして全ヘッド.** 重み · バリュー `[{n} × {hd}]`："
                 "各トークンが注目したバリューの混合。{heads} 個のヘッドの出力を連結し、"
                 "出力射影でアテンション出力 `[{d}]` にします。棒は位置 {position} で各ヘッドが加える大きさです。"),
    "fp_step6": ("**6. The MLP.** After a second norm, the MLP expands the vector to {neurons} neurons, applies "
                 "its activation, and projects back to `[{d}]`. The strongest neurons at this position:",
                 "**6. MLP.** 2つ目の正規化の後、MLP はベクトルを {neurons} 個のニューロンに広げ、活性化関数をかけ、"
                 "`[{d}]` に戻します。この位置で最も強く発火したニューロン："),
    "fp_step7": ("**7. The residual update.** block output = input + attention output + MLP output. Their "
                 "lengths show which part moved the stream most: |input| {resid_in:.3g}, |attention| "
                 "{attn_out:.3g}, |MLP| {mlp_out:.3g}, |output| {resid_out:.3g}.",
                 "**7. 残差の更新.** ブロックの出力 = 入力 + アテンション出力 + MLP 出力。長さを比べると、どちらが"
                 "ストリームを大きく動かしたかが分かります：|入力| {resid_in:.3g}、|アテンション| {attn_out:.3g}、"
                 "|MLP| {mlp_out:.3g}、|出力| {resid_out:.3g}。"),
    "fp_step8": ("**8. The prediction.** After the last block, the final norm, then the output embedding gives one "
                 "logit per vocabulary token; their softmax is the next-token distribution (the Next token tab's "
                 "numbers).",
                 "**8. 予測.** 最後のブロックの後、最終正規化、"
                 "そして出力埋め込みで語彙のトークンごとに1つのロジットが"
                 "出ます。その softmax が次トークンの分布です（次トークンタブと同じ数値）。"),
    "fp_vector_axis": ("dimension", "次元"),
    "fp_value": ("value", "値"),
    "fp_token_axis": ("token", "トークン"),
    "fp_key_axis": ("key (earlier token)", "キー（前のトークン）"),
    "fp_query_axis": ("query", "クエリ"),
    "fp_head_axis": ("head", "ヘッド"),
    "fp_norm_axis": ("length (L2 norm)", "長さ（L2 ノルム）"),
    "fp_prob_axis": ("probability", "確率"),
    "fp_neuron": ("neuron {i}", "ニューロン {i}"),
    "fp_fig_embeddings": ("Embeddings at position {position}", "位置 {position} の埋め込み"),
    "fp_fig_input": ("Block {layer}'s input and its norm at position {position}",
                     "位置 {position} でのブロック {layer} の入力と正規化"),
    "fp_fig_qkv": ("q, k and v of head {head}", "ヘッド {head} の q・k・v"),
    "fp_fig_scores": ("Scores q·k × scale", "スコア q·k × 係数"),
    "fp_fig_weights": ("Weights: the softmax of each row", "重み：各行の softmax"),
    "fp_fig_head_output": ("Head {head}'s output: weights · v", "ヘッド {head} の出力：重み · v"),
    "fp_fig_shares": ("Each head's share at position {position}", "位置 {position} での各ヘッドの寄与"),
    "fp_fig_mlp": ("The MLP's strongest neurons at position {position}", "位置 {position} で最も強い MLP ニューロン"),
    "fp_fig_residual": ("What moved the residual stream at"
    " position {position}", "位置 {position} で残差ストリームを動かしたもの"),
    "fp_fig_prediction": ("The next token's top {k}", "次のトークンの上位 {k}"),
    "fp_token_emb": ("token embedding", "トークン埋め込み"),
    "fp_position_emb": ("position embedding", "位置埋め込み"),
    "fp_resid_in": ("input (residual stream)", "入力（残差ストリーム）"),
    "fp_normed": ("after the norm", "正規化後"),
    "fp_attn_out": ("attention output", "アテンション出力"),
    "fp_mlp_out": ("MLP output", "MLP 出力"),
    "fp_resid_out": ("block output", "ブロック出力"),
}
