"""The requirement catalogue (catalogue.toml) as validated data.

The catalogue is data so that the appraisal centre can read and review it without reading code;
pydantic validates it at load so that a typo in a level or a duplicated ID stops the tool at once.
Which checks cover a clause is not stored here: it is read from the checks' requirement marks, so
the two can never drift apart.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Level = Literal["MUST", "SHOULD", "ATTEST", "PROVINCE"]
ID_PATTERN = re.compile(r"^[A-Z]+-\d{2}$")


class Clause(BaseModel):
    """One atomic, testable requirement of the policy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    level: Level
    section: str
    quote_zh: str = Field(min_length=1)
    text_en: str = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)
    decision: str | None = None

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError(f"clause id {value!r} is not like ABC-01")
        return value

    @property
    def group(self) -> str:
        return self.id.split("-")[0]

    @property
    def judged(self) -> bool:
        """PROVINCE clauses are duties of the provincial side, left out of a platform's verdict."""
        return self.level != "PROVINCE"


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    clause: list[Clause]

    @model_validator(mode="after")
    def _unique_ids(self) -> Catalogue:
        seen: set[str] = set()
        for clause in self.clause:
            if clause.id in seen:
                raise ValueError(f"duplicate clause id {clause.id}")
            seen.add(clause.id)
        return self

    @property
    def clauses(self) -> list[Clause]:
        return self.clause

    def get(self, clause_id: str) -> Clause:
        for clause in self.clause:
            if clause.id == clause_id:
                return clause
        raise KeyError(clause_id)

    def ids(self) -> list[str]:
        return [c.id for c in self.clause]


@cache
def load_catalogue() -> Catalogue:
    text = resources.files("harness").joinpath("catalogue.toml").read_text(encoding="utf-8")
    return Catalogue.model_validate(tomllib.loads(text))
