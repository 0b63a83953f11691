"""`python -m citadel_cli …` is `citadel-llm …` (units call it this way: no console-script shebang)."""

from citadel_cli.main import main

if __name__ == "__main__":
    main()
