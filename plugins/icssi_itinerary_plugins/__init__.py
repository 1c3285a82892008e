"""The built-in exporters of icssi-itinerary, written against its public API only."""
