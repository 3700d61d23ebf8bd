"""``python -m tocsin`` runs the command-line interface."""

from tocsin.cli.main import main

main()
