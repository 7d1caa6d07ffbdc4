"""Copy as Python: the short plain-`transformers` code that reproduces a tab's result outside the app.

One function per task, taking the same parameters as the PlaygroundService method of that task plus the
checkpoint `source` (what from_pretrained gets: catalogue ModelEntry.source; the model name when left
out). Each returns a runnable script as a string. Every user string enters the code through repr() and
every number through int()/float(), so no input can change what the code does, only what it reads.

The code is what the course notes teach (AutoTokenizer, AutoModelForCausalLM.generate, a masked-LM
top-k, BertForNextSentencePrediction's softmax, output_attentions with eager attention, offsets) and
gives the app's numbers: generate() with the same processors, the same prompt handling (a trailing EOS
dropped, BOS kept) and, on a CPU, the same sampled tokens (torch.manual_seed(seed) seeds the generator
the app's own torch.Generator(seed) mirrors). No torch or gradio import here.
"""

from .compare import compare
from .encoders import attention, fill_mask, next_sentence
from .engine import generate_openai
from .finetune import fine_tune
from .generation import generate, next_token
from .lens import logit_lens
from .tokenizers import tokenize

__all__ = ["attention", "compare", "fill_mask", "fine_tune", "generate", "generate_openai", "logit_lens", "next_sentence",
           "next_token", "tokenize"]
