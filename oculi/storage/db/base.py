"""The declarative base every table class derives from (its own module, so table modules need not import
each other)."""

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
