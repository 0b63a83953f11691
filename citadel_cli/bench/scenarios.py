"""Workloads and the prompts they send, made locally (no dataset downloads).

Prompt lengths are controlled in tokens: with the model's own tokenizer when its files are on
disk (exact), otherwise with common English words (about one token each in BPE vocabularies).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from pathlib import Path

from citadel_cli.errors import UsageError

# Common words that are single tokens in the usual BPE vocabularies, so word count ~ token count.
_WORD_TEXT = ("the of and to in is that for it as was with be by on not he this are or his from at which but have "
              "an they you were her she there all one their we can has more when will would if so no what up out "
              "about into than them only time some could new these two may first then do any like my now over such")
WORDS = tuple(_WORD_TEXT.split(" "))


@dataclass(frozen=True)
class Scenario:
    name: str
    prompt_tokens: int
    output_tokens: int
    turns: int = 1  # conversation: earlier turns are replayed as chat history

    def sized(self, prompt_tokens: int | None, output_tokens: int | None) -> Scenario:
        return replace(self, prompt_tokens=prompt_tokens or self.prompt_tokens,
                       output_tokens=output_tokens or self.output_tokens)


SCENARIOS: dict[str, Scenario] = {
    "short": Scenario("short", 64, 32),
    "medium": Scenario("medium", 512, 128),
    "long": Scenario("long", 2048, 256),
    "conversation": Scenario("conversation", 96, 64, turns=4),
}


def select(name: str) -> list[Scenario]:
    if name == "all":
        return list(SCENARIOS.values())
    if name not in SCENARIOS:
        raise UsageError(f"unknown scenario {name!r}", hint=f"use one of: {', '.join(SCENARIOS)}, all")
    return [SCENARIOS[name]]


CONTENT_FORMATS = ("text", "parts")


class PromptMaker:
    """Texts of an exact token length (tokenizer) or word length (fallback), reproducibly random."""

    def __init__(self, tokenizer_file: Path | None, seed: int = 0, parts: bool = False) -> None:
        self.rng = random.Random(seed)
        self.parts = parts
        self.tokenizer = _load_tokenizer(tokenizer_file)

    @property
    def source(self) -> str:
        return "tokenizer" if self.tokenizer is not None else "words"

    def text(self, tokens: int) -> str:
        # Extra words, then an exact cut in token space, since words may split into several tokens.
        words = " ".join(self.rng.choice(WORDS) for _ in range(max(tokens, 1)))
        if self.tokenizer is None:
            return words
        ids = self.tokenizer.encode(words, add_special_tokens=False).ids
        keep = tokens
        for _ in range(4):  # decoding then re-encoding may merge across the cut: shrink until exact
            text = self.tokenizer.decode(ids[:keep])
            over = len(self.tokenizer.encode(text, add_special_tokens=False).ids) - tokens
            if over <= 0:
                return text
            keep -= over
        return text

    def messages(self, scenario: Scenario) -> list[dict]:
        """Chat messages whose user turns add up to the scenario's prompt length."""
        per_turn = max(scenario.prompt_tokens // scenario.turns, 1)
        messages: list[dict] = []
        for turn in range(scenario.turns):
            messages.append({"role": "user", "content": self._content(self.text(per_turn))})
            if turn < scenario.turns - 1:
                messages.append({"role": "assistant",
                                 "content": self._content(self.text(scenario.output_tokens // 2 or 1))})
        return messages

    def _content(self, text: str) -> str | list[dict[str, str]]:
        # The parts form costs vLLM's server more to parse than a plain string (measured on CPU
        # vLLM: TTFT 1-2 ms higher), so comparisons with `vllm bench serve` must use it too.
        return [{"type": "text", "text": text}] if self.parts else text


def _load_tokenizer(path: Path | None):  # -> tokenizers.Tokenizer | None
    if path is None or not path.is_file():
        return None
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(path))


def tokenizer_file(model_dirs: list[Path]) -> Path | None:
    """The first tokenizer.json found in the model's directories."""
    for directory in model_dirs:
        candidate = directory / "tokenizer.json"
        if candidate.is_file():
            return candidate
    return None
