"""Daily, weekly and monthly routines that cron or systemd timers run unattended.

One module per job; `runner.py` wraps a routine with a lock, a JSON report and the history.
Nothing heavy is imported here: the CLI imports the routine it runs inside its command.
"""
