"""Font files for printed labels and handwriting, found with fontconfig (`fc-list`)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont


@dataclass(frozen=True)
class FontFace:
    """One face inside a font file (`index` selects the face of a .ttc collection)."""

    path: str
    index: int
    family: str


# Printed styles of the office's print runs: 宋体, 黑体, 楷体 stand-ins available on Linux.
PRINTED_FAMILIES: dict[str, tuple[str, ...]] = {
    "song": ("Noto Serif CJK SC", "AR PL UMing CN"),
    "hei": ("Noto Sans CJK SC", "WenQuanYi Zen Hei"),
    "kai": ("AR PL UKai CN",),
}
HAND_FAMILIES: tuple[str, ...] = ("LXGW WenKai", "AR PL UKai CN")


@lru_cache(maxsize=1)
def _installed_faces() -> tuple[FontFace, ...]:
    """All faces fontconfig knows, sorted so that choices are deterministic."""
    if shutil.which("fc-list") is None:
        return ()
    out = subprocess.run(
        ["fc-list", "-f", "%{file}|%{family}|%{index}|%{style}\n"],
        check=False,
        capture_output=True,
        text=True,
    ).stdout
    faces: list[FontFace] = []
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) != 4:
            continue
        path, families, index, style = parts
        if "Bold" in style:
            continue
        for family in families.split(","):
            faces.append(FontFace(path, int(index or 0), family.strip()))
    return tuple(sorted(set(faces), key=lambda f: (f.family, f.path, f.index)))


def _faces_of(families: tuple[str, ...]) -> tuple[FontFace, ...]:
    found: list[FontFace] = []
    for family in families:
        matches = [f for f in _installed_faces() if f.family == family]
        # Prefer the Regular weight when a family ships several files.
        matches.sort(key=lambda f: ("Regular" not in f.path, "Mono" in f.path, f.path))
        if matches:
            found.append(matches[0])
    return tuple(found)


@lru_cache(maxsize=8)
def printed_faces(style: str) -> tuple[FontFace, ...]:
    """Faces for one printed style (`song`, `hei`, `kai`), falling back to any CJK face."""
    faces = _faces_of(PRINTED_FAMILIES[style])
    if faces:
        return faces
    fallback = _faces_of(tuple(f for fam in PRINTED_FAMILIES.values() for f in fam))
    if not fallback:
        raise RuntimeError("No CJK font found: install fonts-noto-cjk or fonts-arphic-uming.")
    return fallback


@lru_cache(maxsize=1)
def hand_faces() -> tuple[FontFace, ...]:
    """Kai-style faces used as the base of simulated handwriting."""
    faces = _faces_of(HAND_FAMILIES)
    if not faces:
        raise RuntimeError("No Kai font found: install fonts-lxgw-wenkai or fonts-arphic-ukai.")
    return faces


@lru_cache(maxsize=256)
def load_font(face: FontFace, size: int) -> ImageFont.FreeTypeFont:
    """A PIL font object for a face at a pixel size (cached: loading .ttc files is slow)."""
    return ImageFont.truetype(str(Path(face.path)), max(4, size), index=face.index)
