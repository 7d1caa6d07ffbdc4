"""Records the vLLM answers the contract test replays (tests/engine/test_engine_contract.py).

Run against a vLLM 0.32 server on stories260K-hd32 served as "stories260K" (see tests/engine_server.py):
    python tests/data/vllm/record.py http://127.0.0.1:PORT
Each file is the request body (first line, JSON) and the raw HTTP body the engine answered.
"""

import json
import sys
from pathlib import Path

import httpx

HERE = Path(__file__).parent
BASE = {"model": "stories260K", "prompt": "Once upon a time", "stream": True, "logprobs": 5,
        "return_tokens_as_token_ids": True, "skip_special_tokens": True, "repetition_penalty": 1.0}
REQUESTS = {
    "greedy": BASE | {"max_tokens": 8, "temperature": 0.0, "top_k": -1, "top_p": 1.0, "n": 1},
    "sampled_n2": BASE | {"max_tokens": 6, "temperature": 0.9, "top_k": 40, "top_p": 0.9, "seed": 3, "n": 2},
    "logprobs_refused": BASE | {"max_tokens": 4, "temperature": 0.0, "logprobs": 25},
    "context_refused": BASE | {"max_tokens": 600, "temperature": 0.0},
}


def main(url: str) -> None:
    for name, body in REQUESTS.items():
        response = httpx.post(url.rstrip("/") + "/v1/completions", json=body, timeout=60)
        (HERE / f"{name}.txt").write_text(json.dumps(body) + "\n" + f"{response.status_code}\n" + response.text)
    for path, body in {"detokenize": {"model": "stories260K", "tokens": [13, 383, 13, 432, 13]},
                       "tokenize": {"model": "stories260K", "prompt": "\n", "add_special_tokens": False}}.items():
        response = httpx.post(url.rstrip("/") + "/" + path, json=body, timeout=60)
        (HERE / f"{path}.txt").write_text(json.dumps(body) + "\n" + f"{response.status_code}\n" + response.text)


if __name__ == "__main__":
    main(sys.argv[1])
