"""Excel workbooks of a command's tables, and money rounded to pennies for CSVs.

Investors and commissioners open Excel: ``--xlsx`` on ``cusp payments settle``, ``cusp stress
ledger`` and ``cusp capacity run`` writes one workbook with one sheet per table (xlsxwriter), headers
in words (:func:`cusp.presentation.label`), a frozen header row, filters, column widths that fit,
and number formats by column (the cells keep the exact values, so totals add up): money ``£#,##0.00``, shares ``0.0%``, counts ``#,##0``, dates
``dd/mm/yyyy`` as UK readers expect. Cells hold the numbers (never text), so the workbook can be
summed and charted. The bytes are returned; the command writes them through :mod:`cusp.outputs`.
"""

from __future__ import annotations

import io
import re
from typing import Mapping

import pandas as pd

from .presentation import label, metric_kind

__all__ = ["money_columns", "round_money", "workbook_bytes", "column_format"]

_MONEY = re.compile(r"(^|_)(amount|gbp|adjustment|cash|cost|payment|payments|value_gbp|capped_gbp|price|tariff_gbp)($|_)|£")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def money_columns(frame: pd.DataFrame) -> list[str]:
    """Numeric columns holding pounds (``amount``, ``*_gbp``, ``adjustment``...)."""
    return [c for c in frame.columns if _MONEY.search(str(c).lower()) and pd.api.types.is_float_dtype(frame[c])]


def round_money(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with money columns rounded to pennies (``-74599.99999999999`` → ``-74600.0``)."""
    cols = money_columns(frame)
    return frame.assign(**{c: frame[c].round(2) for c in cols}) if cols else frame


def column_format(name: str, series: pd.Series) -> str | None:
    """The Excel number format of a column, or None for text."""
    lower = str(name).lower()
    if pd.api.types.is_datetime64_any_dtype(series):
        return "dd/mm/yyyy"
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None
    if _MONEY.search(lower):
        return "£#,##0.00;-£#,##0.00"
    if lower in ("probability", "share") or metric_kind(lower) == "share" or lower.startswith("share"):
        return "0.0%"
    if pd.api.types.is_integer_dtype(series):
        return "#,##0"
    return "#,##0.00"


def workbook_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook, one sheet per table (sheet names cut to Excel's 31 characters).

    Parameters
    ----------
    sheets
        Sheet name → tidy table (its index is not written: put keys in columns).
    """
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter") as writer:
        book = writer.book
        header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1})
        used: set[str] = set()
        for name, frame in sheets.items():
            sheet_name = _SHEET_BAD.sub(" ", name)[:31]
            while sheet_name in used:
                sheet_name = sheet_name[:28] + f" {len(used)}"
            used.add(sheet_name)
            data = frame.reset_index(drop=True)  # exact values (sums stay exact); the format shows pennies
            for c in data.columns:  # Excel has no time zones
                if isinstance(data[c].dtype, pd.DatetimeTZDtype):
                    data[c] = data[c].dt.tz_localize(None)
            data.to_excel(writer, sheet_name=sheet_name, index=False, header=False, startrow=1)
            ws = writer.sheets[sheet_name]
            for j, col in enumerate(data.columns):
                ws.write(0, j, label(str(col)), header)
                fmt = column_format(str(col), data[col])
                width = min(40, max(10, len(label(str(col))) // 2 + 2, int(data[col].astype(str).str.len().quantile(0.9)) + 2 if len(data) else 10))
                ws.set_column(j, j, width, book.add_format({"num_format": fmt}) if fmt else None)
            ws.freeze_panes(1, 0)
            if len(data.columns):
                ws.autofilter(0, 0, max(len(data), 1), len(data.columns) - 1)
    return buf.getvalue()
