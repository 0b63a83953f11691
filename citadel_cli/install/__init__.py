"""`citadel-llm install` / `uninstall`: plan what a host needs, show it, apply it, undo it.

plan.py decides (pure: reads files, changes nothing), apply.py writes, uninstall.py removes
what the manifest (manifest.py) says install created. Heavy work stays out of import time.
"""
