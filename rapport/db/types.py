"""Column types of Rapport's own: a word of the vocabulary stored as its plain string."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Dialect, String
from sqlalchemy.types import TypeDecorator

Word = TypeVar("Word", bound=StrEnum)


class Vocabulary(TypeDecorator[Word]):
    """A StrEnum in a VARCHAR column (no database enum type, so the schema is the one the
    migrations made): written as its value, read back as the enum, and a value that is not
    one of its words is refused before it reaches the database."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[Word], length: int) -> None:
        super().__init__(length)
        self.enum = enum
        self.length = length

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> Word | None:
        return None if value is None else self.enum(value)
