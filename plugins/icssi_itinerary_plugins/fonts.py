"""Finding the TrueType fonts the PDF embeds, on the system or in a folder the user names.

Search order for each font file:

1. every folder in ``ICSSI_ITINERARY_FONT_DIR`` (``os.pathsep``-separated), recursively;
2. unless ``ICSSI_ITINERARY_SYSTEM_FONTS=0``: the standard font folders (Debian's
   ``/usr/share/fonts`` first), then ``fc-match`` where fontconfig is installed.

Latin, Greek and Cyrillic are set in DejaVu Sans; every other script in the Noto font
made for it (:func:`script_font`: ``NotoSansDevanagari-Regular.ttf``, Noto Sans CJK for
Chinese, Japanese and Korean …), else whatever font fontconfig says covers the text
(:func:`fc_match_charset`). A missing font is a :class:`FontNotFound` naming the files
and the Debian packages that provide them. Lookups are cached per process.
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

from .scripts import COMMON, INHERITED, script_name

__all__ = [
    "ARABIC",
    "LATIN",
    "LATIN_BOLD",
    "FontNotFound",
    "FontSpec",
    "candidate_fonts",
    "fc_match_charset",
    "find_font",
    "font_dirs",
    "font_settings",
    "script_font",
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
    face: str | None = None
    """In a font collection (``.ttc``), the family of the face to use."""


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


ARABIC_BOLD = FontSpec(
    "bold Arabic text",
    "Noto Naskh Arabic Bold",
    (
        "NotoNaskhArabic-Bold.ttf",
        "NotoSansArabic-Bold.ttf",
        "NotoNaskhArabicUI-Bold.ttf",
        "NotoSansArabicUI-Bold.ttf",
        "DejaVuSans-Bold.ttf",
    ),
    "Noto Naskh Arabic:style=Bold",
    "fonts-noto-core",
)

CJK = frozenset({"Hani", "Hira", "Kana", "Bopo", "Hang"})
"""The scripts of Chinese, Japanese and Korean: one font, Noto Sans CJK, draws them all."""
_CJK_FACE = {"JP": "Noto Sans CJK JP", "KR": "Noto Sans CJK KR", "SC": "Noto Sans CJK SC"}
_CJK_FACE["TC"] = "Noto Sans CJK TC"


def cjk_region(scripts: Iterable[str]) -> str:
    """Which regional face of Noto Sans CJK draws a text written in *scripts*: Japanese
    where it has kana, Korean where it has hangul, traditional Chinese with bopomofo, else
    simplified Chinese (the Han characters differ in shape from region to region)."""
    scripts = set(scripts)
    for script, region in (("Hira", "JP"), ("Kana", "JP"), ("Hang", "KR"), ("Bopo", "TC")):
        if script in scripts:
            return region
    return "SC"


@cache
def script_font(script: str, bold: bool = False, region: str = "SC") -> FontSpec:
    """The font for text in *script* (an ISO 15924 code, ``Deva``); *region* picks the
    face of Noto Sans CJK for Chinese, Japanese and Korean (:func:`cjk_region`)."""
    weight = "Bold" if bold else "Regular"
    if script == "Arab":
        return ARABIC_BOLD if bold else ARABIC
    if script in CJK:
        face = _CJK_FACE[region]
        return FontSpec(
            f"{'bold ' if bold else ''}{face[-2:]} text",
            face,
            (
                f"NotoSansCJK-{weight}.ttc",
                f"NotoSansCJK{region.lower()}-{weight}.otf",
                f"NotoSans{region}-{weight}.otf",
                f"NotoSerifCJK-{weight}.ttc",
            ),
            f"{face}:style={weight}",
            "fonts-noto-cjk",
            face,
        )
    if script in (COMMON, INHERITED):
        # Symbols (arrows, dingbats, signs) beyond DejaVu Sans' cut-down copy.
        return FontSpec(
            f"{'bold ' if bold else ''}symbols",
            "Noto Sans Symbols",
            (
                f"NotoSansSymbols-{weight}.ttf",
                "NotoSansSymbols2-Regular.ttf",
                "NotoSansMath-Regular.ttf",
                f"DejaVuSans{'-Bold' if bold else ''}.ttf",
            ),
            f"Noto Sans Symbols:style={weight}",
            "fonts-noto-core",
        )
    name = script_name(script)
    stem = name.replace(" ", "")
    return FontSpec(
        f"{'bold ' if bold else ''}{name} text",
        f"Noto Sans {name}",
        (
            f"NotoSans{stem}-{weight}.ttf",
            f"NotoSerif{stem}-{weight}.ttf",
            f"NotoSans{stem}UI-{weight}.ttf",
            # DejaVu Sans draws a few more scripts (Hebrew, Armenian, Georgian …): used
            # where it has every letter of the text.
            f"DejaVuSans{'-Bold' if bold else ''}.ttf",
        ),
        f"Noto Sans {name}:style={weight}",
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


def _fc_answer(pattern: str, form: str) -> str | None:
    program = shutil.which("fc-match")
    if program is None:
        return None
    try:
        done = subprocess.run(
            [program, f"--format={form}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


@cache
def _fc_match(pattern: str) -> Path | None:
    answer = _fc_answer(pattern, "%{file}")
    path = Path(answer) if answer else None
    return path if path is not None and path.is_file() else None


def find_font(spec: FontSpec) -> Path:
    """The file for *spec*; :class:`FontNotFound` if there is none."""
    for path in candidate_fonts(spec):
        return path
    raise FontNotFound(missing_message([spec]))


def candidate_fonts(spec: FontSpec) -> tuple[Path, ...]:
    """Every file found for *spec*, best first (the first for each of its file names)."""
    return _find(spec, *font_settings())


def font_settings() -> tuple[str, bool]:
    """What decides which fonts are found: ``ICSSI_ITINERARY_FONT_DIR``, and whether the
    system's fonts are looked at. A cache of what was found keys on it."""
    return os.environ.get(FONT_DIR_ENV, ""), _system_lookup()


@cache
def _find(spec: FontSpec, _font_dir: str, system: bool) -> tuple[Path, ...]:
    # The environment is part of the cache key, so changing it finds again.
    found = list(dict.fromkeys(_in_folders(spec, font_dirs())))
    if system and not found:
        # fc-match always answers with *some* font: only accept one of the files asked for.
        matched = _fc_match(spec.fontconfig)
        if matched is not None and matched.name.lower() in {n.lower() for n in spec.files}:
            found.append(matched)
    return tuple(found)


def fc_match_charset(chars: Iterable[str]) -> tuple[Path, int] | None:
    """The file (and face in a collection) fontconfig picks for text holding *chars*;
    ``None`` without fontconfig or with system fonts switched off. It may still lack some
    of them: fontconfig answers with its closest font."""
    if not _system_lookup():
        return None
    charset = " ".join(f"{ord(char):x}" for char in sorted(set(chars)))
    return _fc_match_face(f":charset={charset}")


@cache
def _fc_match_face(pattern: str) -> tuple[Path, int] | None:
    answer = _fc_answer(pattern, "%{file}\t%{index}")
    if answer is None or "\t" not in answer:
        return None
    file, index = answer.split("\t", 1)
    path = Path(file)
    # only what fpdf2 embeds: TrueType and OpenType (not bitmap or Type 1 fonts)
    usable = path.suffix.lower() in (".ttf", ".otf", ".ttc") and path.is_file()
    return (path, int(index)) if usable and index.isdigit() else None


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
