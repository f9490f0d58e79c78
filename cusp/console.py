"""One place for terminal output: rich consoles for results and for messages."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

if TYPE_CHECKING:  # pandas is imported where a table is drawn: `cusp --help` starts without it
    import pandas as pd


def fail(message: str, status: int = 2) -> None:
    """Print one line to standard error and exit (2 = the user's input was wrong)."""
    err.print(f"[bold red]error:[/] {' '.join(message.split())}", markup=True)
    sys.exit(status)


def table(frame: pd.DataFrame, title: str | None = None, formats: dict[str, str] | None = None) -> Table:
    """A rich table from a DataFrame; ``formats`` maps column → format spec (``",.0f"``)."""
    import pandas as pd

    formats = formats or {}
    tbl = Table(title=title, title_justify="left", show_lines=False)
    for col in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[col])
        tbl.add_column(str(col), justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        tbl.add_row(*[_cell(v, formats.get(c)) for c, v in zip(frame.columns, row)])
    return tbl


def _cell(value: Any, spec: str | None) -> str:
    import pandas as pd

    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if spec and isinstance(value, (int, float)):
        return format(value, spec)
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)
