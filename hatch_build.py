"""Build hook: compile the translation catalogues (``.po``) to ``.mo`` files when the
package is built or installed, editable installs included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogues(BuildHookInterface):  # type: ignore[type-arg]
    """``pybabel compile`` for every ``locale/*/LC_MESSAGES/*.po`` of the packages."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        for po in sorted(root.glob("plugins/*/locale/*/LC_MESSAGES/*.po")):
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name)
            with po.with_suffix(".mo").open("wb") as compiled:
                write_mo(compiled, catalog)  # fuzzy messages left out
            build_data["artifacts"].append(po.with_suffix(".mo").relative_to(root).as_posix())
