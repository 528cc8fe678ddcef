"""The site's Urdu fonts: taken from npm's @fontsource packages, shipped inside the site.

Why npm ``@fontsource`` and not a system font package or a font found on the
build machine:

* **Reproducible.** ``package-lock.json`` pins the exact package and its
  integrity hash, so every build of the same commit ships the same font files;
  ``npm install`` (run by ``scripts/test`` and ``scripts/demo``) fetches them on
  a fresh machine, with no root and no Debian package.
* **The same file in every browser.** The site serves the ``.woff2`` files
  itself, so a reader's phone needs no Urdu font installed, and what the tests
  measured is what every reader sees. A ``local()`` source would let a
  different installed version win, so none is given.
* **Licensed to ship.** Noto Nastaliq Urdu and Noto Naskh Arabic are under the
  SIL Open Font License, which allows bundling them with the site; the license
  file is copied beside the fonts.

Noto Nastaliq Urdu sets the Urdu text. The charts use Noto Naskh Arabic: Nastaliq's
tall ascenders and descenders need a line height that axis labels do not have.
Each face comes in the package's ``arabic`` and ``latin`` subsets (Urdu letters
and punctuation; the Western digits, colon and Latin letters that Urdu pages
also show), with the ``unicode-range`` the package itself declares.

A missing package is an error, never a silent fallback to whatever fonts the
reader happens to have: Urdu without these fonts shows empty boxes for ے, ہ
and ۔ on many machines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ledger.errors import FontMissing

NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
"""Where ``npm install``, run at the repository root, puts the font packages."""

INSTALL_COMMAND = "npm install (at the repository root; scripts/test and scripts/demo run it)"

TEXT_FAMILY = "Noto Nastaliq Urdu"
CHART_FAMILY = "Noto Naskh Arabic"
URDU_IN_LATIN_FAMILY = "Urdu in Naskh"
"""The Naskh face's Arabic-script subset alone, under its own name: the first family of the
English pages' stacks. An Urdu name recorded in the data (a group, a place) is then drawn
joined on an English page instead of in boxes, while Latin text, outside its
``unicode-range``, falls through to the English fonts."""


@dataclass(frozen=True)
class Face:
    """One ``@font-face``: a family, weight and subset from one @fontsource package."""

    package: str
    family: str
    weight: int
    subset: str

    @property
    def slug(self) -> str:
        return self.package.removeprefix("@fontsource/")

    @property
    def file_name(self) -> str:
        return f"{self.slug}-{self.subset}-{self.weight}-normal.woff2"

    def source(self, node_modules: Path) -> Path:
        return node_modules / self.package / "files" / self.file_name


FACES: tuple[Face, ...] = tuple(
    Face(package, family, weight, subset)
    for package, family, weights in (
        ("@fontsource/noto-nastaliq-urdu", TEXT_FAMILY, (400, 700)),
        ("@fontsource/noto-naskh-arabic", CHART_FAMILY, (400,)),
    )
    for weight in weights
    for subset in ("arabic", "latin")
)


@dataclass(frozen=True)
class FontFiles:
    """What the build copies into ``static/fonts/``, and the ``@font-face`` rules for them."""

    files: dict[str, Path]
    """Site path under ``static/`` → file in ``node_modules``."""
    faces: tuple[tuple[Face, str], ...]
    """Each face with its ``unicode-range``."""

    def css(self, fonts_url: str = "fonts/") -> str:
        """``@font-face`` rules for the fonts at ``fonts_url`` (relative to the stylesheet)."""
        rules = [(face.family, face, unicode_range) for face, unicode_range in self.faces]
        rules += [
            (URDU_IN_LATIN_FAMILY, face, unicode_range)
            for face, unicode_range in self.faces
            if face.family == CHART_FAMILY and face.subset == "arabic"
        ]
        return "".join(
            f'@font-face {{ font-family: "{family}"; font-style: normal;'
            f" font-weight: {face.weight}; font-display: swap;"
            f' src: url("{fonts_url}{face.file_name}") format("woff2");'
            f" unicode-range: {unicode_range}; }}\n"
            for family, face, unicode_range in rules
        )


def _unicode_ranges(node_modules: Path, package: str) -> dict[str, str]:
    path = node_modules / package / "unicode.json"
    try:
        ranges: dict[str, str] = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise FontMissing(
            f"the font package {package} is not installed or is damaged ({path}: {error});"
            f" install it with: {INSTALL_COMMAND}"
        ) from None
    return ranges


def font_files(node_modules: Path = NODE_MODULES) -> FontFiles:
    """Every face's file and its ``@font-face`` rule; raises ``FontMissing`` naming what to install."""
    files: dict[str, Path] = {}
    faces = []
    ranges: dict[str, dict[str, str]] = {}
    for face in FACES:
        if face.package not in ranges:
            ranges[face.package] = _unicode_ranges(node_modules, face.package)
            files[f"fonts/{face.slug}-LICENSE"] = node_modules / face.package / "LICENSE"
        source = face.source(node_modules)
        if not source.is_file() or not files[f"fonts/{face.slug}-LICENSE"].is_file():
            raise FontMissing(
                f"the font file {face.file_name} of {face.package} or its LICENSE is missing"
                f" ({source.parent});"
                f" install it with: {INSTALL_COMMAND}"
            )
        if face.subset not in ranges[face.package]:
            raise FontMissing(
                f"{face.package} declares no '{face.subset}' subset in its unicode.json;"
                f" reinstall it with: {INSTALL_COMMAND}"
            )
        files[f"fonts/{face.file_name}"] = source
        faces.append((face, ranges[face.package][face.subset]))
    return FontFiles(files, tuple(faces))


def stylesheet(fonts: FontFiles) -> str:
    """``static/fonts.css``, written by the build."""
    return (
        "/* Urdu fonts from npm @fontsource (SIL Open Font License), pinned by"
        " package-lock.json. Written by the site build. */\n" + fonts.css()
    )
