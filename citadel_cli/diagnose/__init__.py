"""`citadel-llm diagnose`: collect facts about a running deployment in parallel, turn them into
findings with fixes (rules.py), redact secrets (redact.py), optionally write a support bundle."""
