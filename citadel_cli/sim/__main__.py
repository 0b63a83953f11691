"""`python -m citadel_cli.sim --model NAME --port PORT ...`: a contract other code depends on."""

from citadel_cli.sim.server import main

if __name__ == "__main__":
    main()
