"""What the commands print and read: aligned tables, and the photos named by paths and folders."""

from __future__ import annotations

from pathlib import Path


def table(headers, rows) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    for row in [headers, *rows]:
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)).rstrip())


def photos(paths: list[str]) -> list[Path]:
    from oculi.services.imaging import IMAGE_SUFFIXES

    out = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.suffix.lower() in IMAGE_SUFFIXES)
        else:
            out.append(p)
    return out
