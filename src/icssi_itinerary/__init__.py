"""icssi-itinerary: time-zone-correct personal itineraries from a programme of linked events.

The public API is what this module exports; plugins use nothing else. The names are
listed once, in ``__init__.pyi``: type checkers read it, and lazy_loader imports each
name from its module on first use, so that ``icssi-itinerary --help`` stays fast.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
