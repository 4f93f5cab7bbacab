import sys

from assistant.cli import cli

cli(["serve", *sys.argv[1:]], prog_name="python -m ui")
