"""Run the CLI as `python -m socialbot`."""

from socialbot.cli import main

main()
