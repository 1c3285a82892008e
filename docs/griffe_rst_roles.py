"""A griffe extension for the API reference: Sphinx roles in docstrings read as code.

The library's docstrings mention other objects the Sphinx way, ``:class:`InputError```;
mkdocstrings renders Markdown, so the role is turned into a code span, `InputError`.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|exc|obj):`~?([^`]+)`")


def _visit(obj: griffe.Object | griffe.Alias) -> None:
    if isinstance(obj, griffe.Alias):
        return  # documented where it is defined
    if obj.docstring is not None:
        obj.docstring.value = _ROLE.sub(r"`\1`", obj.docstring.value)
    for member in obj.members.values():
        _visit(member)


class SphinxRolesAsCode(griffe.Extension):
    """Rewrite ``:role:`target``` to a Markdown code span in every docstring."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        _visit(pkg)
