"""Trim schema.org's vocabulary file to what tests/test_reservations.py checks against.

Usage: ``python tests/data/schemaorg/trim.py schemaorg-current-https.jsonld VERSION``
(from ``data/releases/VERSION/`` of the schemaorg/schemaorg repository); it writes
``vocabulary.jsonld`` beside this script.

Kept, with only ``@id``, ``@type``, ``rdfs:subClassOf``, ``schema:domainIncludes``,
``schema:rangeIncludes`` and ``schema:supersededBy``: every class and data type (the
whole hierarchy, so any value type can be placed in it), every property of the classes
the reservations are built from and of their ancestors, and the members of the
enumerations those properties range over.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SEEDS = (
    "Reservation", "EventReservation", "FlightReservation", "TrainReservation",
    "BusReservation", "BoatReservation", "LodgingReservation", "Event", "Trip", "Flight",
    "TrainTrip", "BusTrip", "BoatTrip", "Airport", "Airline", "TrainStation", "BusStation",
    "BusStop", "BoatTerminal", "Place", "PostalAddress", "GeoCoordinates",
    "LodgingBusiness", "Person",
)  # fmt: skip
"""The classes whose properties are kept (with their ancestors')."""
KEYS = (
    "@id", "@type", "rdfs:subClassOf", "schema:domainIncludes", "schema:rangeIncludes",
    "schema:supersededBy",
)  # fmt: skip
OUT = Path(__file__).with_name("vocabulary.jsonld")


def ids(value: Any) -> list[str]:
    """The ``@id`` of a reference, or of each in a list of them."""
    if value is None:
        return []
    return [item["@id"] for item in (value if isinstance(value, list) else [value])]


def types(node: dict[str, Any]) -> list[str]:
    """A node's ``@type`` as a list."""
    value = node.get("@type", [])
    return value if isinstance(value, list) else [value]


def trim(graph: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The nodes of *graph* the tests need, with the keys they read."""
    by_id = {node["@id"]: node for node in graph}
    classes = {
        node["@id"]
        for node in graph
        if "rdfs:Class" in types(node) and node["@id"].startswith("schema:")
    }
    wanted: set[str] = set()
    todo = [f"schema:{name}" for name in SEEDS]
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(ids(by_id[name].get("rdfs:subClassOf")))
    properties = [
        node
        for node in graph
        if "rdf:Property" in types(node) and wanted & set(ids(node.get("schema:domainIncludes")))
    ]
    ranges = {name for node in properties for name in ids(node.get("schema:rangeIncludes"))}
    members = [node for node in graph if set(types(node)) & ranges and node["@id"] not in classes]
    kept = [by_id[name] for name in sorted(classes)] + properties + members
    return [{key: node[key] for key in KEYS if key in node} for node in kept]


def main(source: str, version: str) -> None:
    graph = json.loads(Path(source).read_text(encoding="utf-8"))["@graph"]
    document: dict[str, Any] = {
        "@comment": (
            f"Trimmed from schema.org {version}, data/releases/{version}/"
            "schemaorg-current-https.jsonld of github.com/schemaorg/schemaorg, by "
            "tests/data/schemaorg/trim.py. schema.org is CC BY-SA 3.0."
        ),
        "version": version,
        "@graph": sorted(trim(graph), key=lambda node: node["@id"]),
    }
    lines = [json.dumps(node, sort_keys=True) for node in document.pop("@graph")]
    head = json.dumps(document, sort_keys=True)[:-1]
    OUT.write_text(head + ', "@graph": [\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:3])
