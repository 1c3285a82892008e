"""Finding the TrueType fonts the PDF embeds, on the system or in a folder the user names.

Search order for each font file:

1. every folder in ``ICSSI_ITINERARY_FONT_DIR`` (``os.pathsep``-separated), recursively;
2. unless ``ICSSI_ITINERARY_SYSTEM_FONTS=0``: the standard font folders (Debian's
   ``/usr/share/fonts`` first), then ``fc-match`` where fontconfig is installed.

A missing font is a :class:`FontNotFound` naming the files and the Debian packages that
provide them. Lookups are cached per process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from icssi_itinerary import InputError

__all__ = [
    "ARABIC",
    "LATIN",
    "LATIN_BOLD",
    "FontNotFound",
    "FontSpec",
    "find_font",
    "font_dirs",
]

FONT_DIR_ENV = "ICSSI_ITINERARY_FONT_DIR"
SYSTEM_FONTS_ENV = "ICSSI_ITINERARY_SYSTEM_FONTS"


@dataclass(frozen=True)
class FontSpec:
    """A font the PDF needs: acceptable file names, best first, and where to get them."""

    purpose: str
    family: str
    files: tuple[str, ...]
    fontconfig: str
    package: str


LATIN = FontSpec(
    "Latin text",
    "DejaVu Sans",
    ("DejaVuSans.ttf",),
    "DejaVu Sans:style=Book",
    "fonts-dejavu-core",
)
LATIN_BOLD = FontSpec(
    "headings",
    "DejaVu Sans Bold",
    ("DejaVuSans-Bold.ttf",),
    "DejaVu Sans:style=Bold",
    "fonts-dejavu-core",
)
ARABIC = FontSpec(
    "Arabic text",
    "Noto Naskh Arabic",
    (
        "NotoNaskhArabic-Regular.ttf",
        "NotoSansArabic-Regular.ttf",
        "NotoNaskhArabicUI-Regular.ttf",
        "NotoSansArabicUI-Regular.ttf",
        # DejaVu Sans also draws Arabic (less well than Noto): a machine with only the
        # fonts Debian installs by default still prints every itinerary.
        "DejaVuSans.ttf",
    ),
    "Noto Naskh Arabic",
    "fonts-noto-core",
)


class FontNotFound(InputError):
    """No usable font file: says which fonts, where it looked, and what to install.

    Like bad input, it is the user's to fix (exit status 2), not a fault of the plugin.
    """


def _system_dirs() -> list[Path]:
    home = Path.home()
    dirs = [
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        home / ".local" / "share" / "fonts",
        home / ".fonts",
    ]
    if sys.platform == "darwin":
        dirs += [home / "Library" / "Fonts", Path("/Library/Fonts"), Path("/System/Library/Fonts")]
    if sys.platform == "win32":
        windir = Path(os.environ.get("WINDIR", r"C:\Windows"))
        dirs.append(windir / "Fonts")
        local = os.environ.get("LOCALAPPDATA")
        if local:
            dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    return dirs


def _system_lookup() -> bool:
    return os.environ.get(SYSTEM_FONTS_ENV, "1").strip().lower() not in {"0", "no", "false", "off"}


def font_dirs() -> list[Path]:
    """The folders searched, in order (those of ``ICSSI_ITINERARY_FONT_DIR`` first)."""
    named = [Path(part) for part in os.environ.get(FONT_DIR_ENV, "").split(os.pathsep) if part]
    return named + (_system_dirs() if _system_lookup() else [])


@cache
def _index(folder: Path) -> dict[str, Path]:
    """Font files under *folder* by lower-cased file name (first found wins, sorted walk)."""
    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if name.lower().endswith((".ttf", ".otf")):
                found.setdefault(name.lower(), Path(root) / name)
    return found


def _in_folders(spec: FontSpec, folders: Iterable[Path]) -> Iterator[Path]:
    for folder in folders:
        index = _index(folder)
        for name in spec.files:
            if name.lower() in index:
                yield index[name.lower()]


@cache
def _fc_match(pattern: str) -> Path | None:
    program = shutil.which("fc-match")
    if program is None:
        return None
    try:
        done = subprocess.run(
            [program, "--format=%{file}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None
    return path if path is not None and path.is_file() else None


def find_font(spec: FontSpec) -> Path:
    """The file for *spec*; :class:`FontNotFound` if there is none."""
    return _find(spec, os.environ.get(FONT_DIR_ENV, ""), _system_lookup())


@cache
def _find(spec: FontSpec, _font_dir: str, system: bool) -> Path:
    # The environment is part of the cache key, so changing it finds again.
    for path in _in_folders(spec, font_dirs()):
        return path
    if system:
        # fc-match always answers with *some* font: only accept one of the files asked for.
        matched = _fc_match(spec.fontconfig)
        if matched is not None and matched.name.lower() in {n.lower() for n in spec.files}:
            return matched
    raise FontNotFound(missing_message([spec]))


def missing_message(specs: Iterable[FontSpec]) -> str:
    """One line: which fonts are missing, where we looked, what to install."""
    specs = list(specs)
    wanted = "; ".join(f"{s.family} ({' or '.join(s.files)}) for {s.purpose}" for s in specs)
    where = ", ".join(str(folder) for folder in font_dirs()) or "no folder"
    packages = " ".join(sorted({s.package for s in specs}))
    how = "" if _system_lookup() else f" (system fonts disabled by {SYSTEM_FONTS_ENV}=0)"
    return (
        f"PDF needs fonts that were not found: {wanted}; looked in {where}{how}; "
        f"install them (Debian/Ubuntu: apt-get install {packages}) "
        f"or put the files in a folder named by {FONT_DIR_ENV}"
    )
