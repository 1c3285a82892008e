"""``python -m icssi_itinerary``: the command-line interface."""

from .cli import main

main()
