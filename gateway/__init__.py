"""The citadel-llm gateway: an OpenAI-compatible front door for vLLM model servers."""
