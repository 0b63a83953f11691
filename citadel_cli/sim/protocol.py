"""OpenAI request parsing and response bodies in the shapes vLLM's server produces."""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass

WORDS = ("The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ".")


class BadRequest(Exception):
    def __init__(self, status: int, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param


def error_body(status: int, message: str, param: str | None = None) -> bytes:
    """vLLM's error shape: {"error": {"message", "type", "param", "code"}}."""
    kind = {400: "BadRequestError", 404: "NotFoundError", 429: "RateLimitError"}.get(status, "InternalServerError")
    return json.dumps({"error": {"message": message, "type": kind, "param": param, "code": status}}).encode()


@dataclass
class GenRequest:
    chat: bool
    model: str
    stream: bool
    include_usage: bool
    tokens: int
    finish_reason: str
    prompt_tokens: int
    request_id: str
    created: int


def count_tokens(text: str) -> int:
    """A stable stand-in for a tokenizer: about one token per word piece (bytes / 4)."""
    return max(1, math.ceil(len(text.encode()) / 4))


def _prompt_tokens(body: dict, chat: bool) -> int:
    if chat:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise BadRequest(400, "messages must be a non-empty list", "messages")
        # Chat templates add a few tokens of framing per message.
        return sum(4 + count_tokens(_content_text(m)) for m in messages if isinstance(m, dict))
    prompt = body.get("prompt")
    if isinstance(prompt, list):
        prompt = " ".join(str(p) for p in prompt)
    if not isinstance(prompt, str):
        raise BadRequest(400, "prompt must be a string or a list", "prompt")
    return count_tokens(prompt)


def _content_text(message: dict) -> str:
    content = message.get("content") or ""
    if isinstance(content, list):  # content parts: keep the text ones
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content)


def parse_generation(raw: bytes, chat: bool, served: str, default_tokens: int, max_model_len: int,
                     number: int) -> GenRequest:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise BadRequest(400, "request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequest(400, "request body must be a JSON object")
    model = body.get("model") or served
    if model != served:
        raise BadRequest(404, f"The model `{model}` does not exist.", "model")
    prompt_tokens = _prompt_tokens(body, chat)
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise BadRequest(400, "max_tokens must be a positive integer", "max_tokens")
    wanted = prompt_tokens + (limit or 0)
    if wanted > max_model_len:
        raise BadRequest(400, f"This model's maximum context length is {max_model_len} tokens. However, you "
                         f"requested {wanted} tokens ({prompt_tokens} in the messages, "
                         f"{limit or 0} in the completion).", "max_tokens")
    options = body.get("stream_options") or {}
    prefix = "chatcmpl" if chat else "cmpl"
    return GenRequest(
        chat=chat, model=model, stream=bool(body.get("stream")),
        include_usage=bool(isinstance(options, dict) and options.get("include_usage")),
        tokens=limit or default_tokens, finish_reason="length" if limit else "stop",
        prompt_tokens=prompt_tokens, request_id=f"{prefix}-sim{number:08x}", created=int(time.time()),
    )


def token_text(index: int) -> str:
    return WORDS[index % len(WORDS)]


def usage(req: GenRequest) -> dict:
    return {"prompt_tokens": req.prompt_tokens, "total_tokens": req.prompt_tokens + req.tokens,
            "completion_tokens": req.tokens, "prompt_tokens_details": None}


def full_response(req: GenRequest) -> bytes:
    text = "".join(token_text(i) for i in range(req.tokens))
    if req.chat:
        choice = {"index": 0, "message": {"role": "assistant", "content": text, "reasoning_content": None,
                                          "tool_calls": []},
                  "logprobs": None, "finish_reason": req.finish_reason, "stop_reason": None}
    else:
        choice = {"index": 0, "text": text, "logprobs": None, "finish_reason": req.finish_reason,
                  "stop_reason": None, "prompt_logprobs": None}
    return json.dumps({
        "id": req.request_id, "object": "chat.completion" if req.chat else "text_completion",
        "created": req.created, "model": req.model, "choices": [choice], "usage": usage(req),
    }).encode()


def _chunk(req: GenRequest, choices: list, extra: dict | None = None) -> bytes:
    obj = {"id": req.request_id, "object": "chat.completion.chunk" if req.chat else "text_completion",
           "created": req.created, "model": req.model, "choices": choices}
    if extra:
        obj.update(extra)
    return b"data: " + json.dumps(obj).encode() + b"\n\n"


def role_chunk(req: GenRequest) -> bytes:
    """vLLM's chat streams open with the assistant role and empty content."""
    return _chunk(req, [{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None,
                         "finish_reason": None}])


def token_chunk(req: GenRequest, index: int) -> bytes:
    last = index == req.tokens - 1
    finish = req.finish_reason if last else None
    if req.chat:
        choice = {"index": 0, "delta": {"content": token_text(index)}, "logprobs": None, "finish_reason": finish}
    else:
        choice = {"index": 0, "text": token_text(index), "logprobs": None, "finish_reason": finish}
    if last:
        choice["stop_reason"] = None
    return _chunk(req, [choice])


def usage_chunk(req: GenRequest) -> bytes:
    return _chunk(req, [], {"usage": usage(req)})


DONE = b"data: [DONE]\n\n"


def embeddings(raw: bytes, served: str, dim: int) -> bytes:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise BadRequest(400, "request body is not valid JSON") from None
    model = body.get("model") or served
    if model != served:
        raise BadRequest(404, f"The model `{model}` does not exist.", "model")
    inputs = body.get("input")
    if isinstance(inputs, str):
        inputs = [inputs]
    if not isinstance(inputs, list) or not inputs:
        raise BadRequest(400, "input must be a string or a non-empty list", "input")
    data = [{"index": i, "object": "embedding", "embedding": _vector(str(text), dim)} for i, text in enumerate(inputs)]
    tokens = sum(count_tokens(str(t)) for t in inputs)
    return json.dumps({"id": f"embd-sim{len(data)}", "object": "list", "created": int(time.time()), "model": model,
                       "data": data, "usage": {"prompt_tokens": tokens, "total_tokens": tokens,
                                               "completion_tokens": 0}}).encode()


def _vector(text: str, dim: int) -> list[float]:
    """Deterministic unit vector per text: equal inputs embed equally."""
    seed = hashlib.sha256(text.encode()).digest()
    raw = [(seed[i % len(seed)] - 127.5) / 127.5 for i in range(dim)]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return [round(x / norm, 6) for x in raw]
