"""Replace the tags of a stored image (the gallery's tag editor): normalised as at upload, all at once."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import sessionmaker

from oculi.services.errors import InvalidParameter
from oculi.storage.db.models import Image, ImageTag

MAX_TAGS = 50


def normalise(tags: list[str]) -> list[str]:
    out = list(dict.fromkeys(t.strip().lower()[:128] for t in tags if t.strip()))
    if len(out) > MAX_TAGS:
        raise InvalidParameter(f"at most {MAX_TAGS} tags an image; got {len(out)}")
    return sorted(out)


def set_tags(sessions: sessionmaker, image_id: str, tags: list[str], not_found) -> list[str]:
    """Replace the image's tags in one transaction; `not_found` is the exception class for a missing image."""
    clean = normalise(tags)
    with sessions.begin() as s:
        if s.get(Image, image_id) is None:
            raise not_found(f"image {image_id} does not exist")
        s.execute(delete(ImageTag).where(ImageTag.image_id == image_id))
        s.add_all(ImageTag(image_id=image_id, tag=t) for t in clean)
    return clean
