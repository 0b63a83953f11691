"""Model weights on the host: download from the Hub, lockfiles, verification, import, a tiny test model.

Modules here are services: they return pydantic results and raise CitadelErrors; the
`models` command group renders them. huggingface_hub is imported only inside functions
(hub.py, fetch.py) so `--help` and the pre-start checks stay fast.
"""
