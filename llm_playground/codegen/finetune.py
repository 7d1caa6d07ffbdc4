"""Copy as Python for the Fine-tune tab: the course's Trainer recipe, with the run's exact data and arguments.

The blocks, TrainingArguments (seed and data_seed included) and the Trainer are the ones the app used
(tasks/finetune.py), so on a CPU the script ends with the same losses; a run stopped early (Stop or its
time bound) stops at the same step through a small callback.
"""

from __future__ import annotations

from ..specs import DEFAULTS
from .common import as_float, as_int, source_of, text_literal

F = DEFAULTS["fine-tune"]


def _arguments(max_steps: int, learning_rate: float, batch_size: int, seed: int, with_eval: bool) -> list[str]:
    logging_steps, eval_steps = max(1, max_steps // 50), max(1, max_steps // 10)  # as TrainConfig
    lines = ["args = TrainingArguments(",
             '    output_dir="finetuned-run", report_to=[], save_strategy="no",',
             f"    max_steps={max_steps}, learning_rate={learning_rate!r}, seed={seed}, data_seed={seed},",
             f"    per_device_train_batch_size={batch_size}, per_device_eval_batch_size={batch_size},",
             f"    logging_steps={logging_steps}, logging_first_step=True,"]
    lines.append(f'    eval_strategy="steps", eval_steps={eval_steps},' if with_eval else '    eval_strategy="no",')
    return lines + [")"]


def fine_tune(model: str, train_text: str, eval_text: str = "", max_steps: int = F["max_steps"],
              learning_rate: float = F["learning_rate"], batch_size: int = F["batch_size"],
              max_seq_len: int = F["max_seq_len"], seed: int = F["seed"], *, source: str | None = None,
              stopped_at: int | None = None) -> str:
    """Code that trains the same model on the same blocks. stopped_at: the step a stopped run ended at."""
    train_text, eval_text = text_literal(train_text, "training text"), text_literal(eval_text or "", "held-out text")
    steps, seed = as_int(max_steps, "max_steps"), as_int(seed, "seed")
    lr, batch, seq = as_float(learning_rate, "learning_rate"), as_int(batch_size, "batch_size"), as_int(
        max_seq_len, "max_seq_len")
    with_eval = bool(eval_text.strip())
    lines = ["# LLM Playground, Fine-tune: the same training run with the transformers Trainer.",
             "# Needs: pip install torch transformers accelerate", "import math", "",
             "from transformers import (AutoModelForCausalLM, AutoTokenizer, Trainer, TrainerCallback,",
             "                          TrainingArguments, default_data_collator, set_seed)", "",
             f"source = {source_of(source, model)!r}", "tokenizer = AutoTokenizer.from_pretrained(source)",
             "model = AutoModelForCausalLM.from_pretrained(source)  # float32: training needs full precision", "",
             f"train_text = {train_text!r}", f"eval_text = {eval_text!r}  # held out: never trained on",
             f"max_seq_len = {seq}", "", "",
             "def blocks(text):",
             '    """The ids (BOS first, no trailing EOS) cut into blocks of max_seq_len; the rest is dropped."""',
             '    ids = tokenizer(text)["input_ids"]',
             "    if len(ids) > 1 and ids[-1] == tokenizer.eos_token_id:",
             "        ids = ids[:-1]",
             "    size = min(max_seq_len, len(ids))",
             '    return [{"input_ids": ids[i:i + size], "labels": ids[i:i + size]}  # the model shifts labels',
             "            for i in range(0, len(ids) - size + 1, size)]", "", "",
             "train_dataset = blocks(train_text)",
             f"eval_dataset = {'blocks(eval_text)' if with_eval else 'None'}",
             f"set_seed({seed})", *_arguments(steps, lr, batch, seed, with_eval)]
    callbacks = ""
    if stopped_at is not None and stopped_at < steps:
        lines += ["", "", "class StopAt(TrainerCallback):",
                  f'    """The app\'s run was stopped (Stop or its time bound) after step {int(stopped_at)}."""',
                  "    def on_step_end(self, args, state, control, **kwargs):",
                  f"        if state.global_step >= {int(stopped_at)}:",
                  "            control.should_training_stop = control.should_log = True  # log the last step",
                  f"            control.should_evaluate = {with_eval}", "", ""]
        callbacks = ", callbacks=[StopAt()]"
    lines += ["trainer = Trainer(model=model, args=args, train_dataset=train_dataset, eval_dataset=eval_dataset,",
              f"                  data_collator=default_data_collator{callbacks})",
              "result = trainer.train()",
              'losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]',
              'print(f"steps: {trainer.state.global_step}  mean training loss: {result.training_loss:.6f}")',
              'print(f"final loss: {losses[-1]:.6f}")']
    if with_eval:
        lines += ['print(f"held-out perplexity: {math.exp(trainer.evaluate()[\'eval_loss\']):.4f}")']
    lines += ["", 'model.save_pretrained("finetuned-model")  # model.safetensors + config.json',
              'tokenizer.save_pretrained("finetuned-model")']
    return "\n".join(lines) + "\n"
