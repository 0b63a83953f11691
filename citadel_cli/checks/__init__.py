"""Pre-start checks: will this model start, and if not, exactly why.

One module per check family; `runner.run_checks` runs them and returns a `CheckReport`.
Nothing here imports vLLM, torch or transformers: `check --pre-start` runs in every unit's
ExecStartPre= and must stay fast.
"""
