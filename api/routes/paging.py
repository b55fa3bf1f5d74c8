"""The envelope of every paginated list."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

T = TypeVar("T")

OffsetQuery = Annotated[int, Query(ge=0, description="rows to skip")]
LimitQuery = Annotated[int, Query(ge=1, le=500, description="rows to return")]


class Paginated(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int
