"""citadel-llm: operate vLLM model servers behind one OpenAI-compatible gateway."""

__version__ = "0.1.0"
