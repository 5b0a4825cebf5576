"""The records of a collapse run, as :func:`nglab.run` returns them."""

from __future__ import annotations

import csv
import os
import pathlib
from typing import Any, Union


def _value(text: str) -> Union[int, float, str, None]:
    """A CSV cell as Python reads it: int, float, str, or None for an empty (undefined) cell."""
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _read_csv(path: pathlib.Path) -> list[dict[str, Any]]:
    with open(path, newline="", encoding="utf-8") as f:
        return [{key: _value(cell) for key, cell in row.items()} for row in csv.DictReader(f)]


class Records(list[dict[str, Any]]):
    """One dict per (cell, seed, generation): the rows of the run's ``metrics.csv``
    (columns as the report documents them; an undefined value is None).

    ``summary`` holds the rows of ``summary.csv`` (means and intervals over seeds),
    ``out_dir`` the run's directory (``report.html``, ``plots/``, ``config.json``).
    """

    def __init__(self, out_dir: Union[str, os.PathLike[str]]) -> None:
        self.out_dir = pathlib.Path(os.fspath(out_dir))
        super().__init__(_read_csv(self.out_dir / "metrics.csv"))
        self.summary = _read_csv(self.out_dir / "summary.csv")

    def to_pandas(self, table: str = "metrics") -> Any:
        """The rows as a ``pandas.DataFrame`` (``table="summary"`` for summary.csv).

        pandas is optional: this is the only method that needs it.
        """
        try:
            import pandas  # type: ignore[import]  # optional, and untyped without pandas-stubs
        except ImportError as err:
            raise ImportError("Records.to_pandas needs pandas: pip install pandas") from err
        if table not in ("metrics", "summary"):
            raise ValueError(f"table must be 'metrics' or 'summary', got {table!r}")
        return pandas.read_csv(self.out_dir / f"{table}.csv")

    def __repr__(self) -> str:
        return f"<Records: {len(self)} rows from {self.out_dir}>"
