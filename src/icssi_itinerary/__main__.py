"""``python -m icssi_itinerary``: the command-line interface."""

from .cli import main

try:
    main()
finally:
    # CPython marks a KeyboardInterrupt that leaves code run by exec() (a dataclass or
    # named tuple being made by a late import, when a stop arrives) as unhandled, even
    # though main() caught it, and then ends ``python -m`` by SIGINT instead of with
    # main()'s exit status. Any exec() that ends normally clears that mark.
    exec("")
