"""`citadel-llm deploy`: install -> pull -> check -> start -> wait ready -> summary, and the
local profile's set-up, rolling restarts and `down`."""
