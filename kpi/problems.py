"""Problems found in user input, worded for the official who has to fix them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str | None
    value: str
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Dòng {self.row}")
        if self.column:
            where.append(f"cột «{self.column}»")
        found = f" (giá trị «{self.value}»)" if self.value != "" else ""
        prefix = ", ".join(where)
        return f"{prefix}{found}: {self.message}" if prefix else f"{self.message}{found}"


class Rejected(Exception):
    """Input that was refused whole; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
