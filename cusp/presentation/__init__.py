"""The presentation layer: how every Cusp report and the command line name and show things.

One place for what a reader sees, shared by the notebooks and ``cusp`` on the terminal:

* :mod:`.labels` — human names for metrics, KPI targets, sub-cohorts, areas, parties and table
  columns (``diversion_10_15`` → "Diversion, aged 10–15"), with units; pure Python, so the
  command line loads it without the scientific stack;
* :mod:`.formats` — numbers as a board reads them: £ with separators and no pence unless pennies
  matter, % to one decimal, differences of shares in percentage points, counts as integers,
  estimates with their intervals; never ``NaN``, ``None`` or ``e+03``;
* :mod:`.tables` — publication tables (pandas Styler, no index column, labelled headers, units
  in headers), disclosed tables without a footnote under each, the one-screen summary block,
  the table of contents and the disclosure footnote (once);
* :mod:`.charts` — figures shown with alt text written from their data, suppressed values
  hatched and labelled "suppressed" (never drawn as zero), legends listing only what is drawn;
* :mod:`.disclosure` — tables of estimates and counts through disclosure control
  (``kpi_table``, ``count_table``) and shown the board's way (``show``);
* :mod:`.evaluation` — the annual evaluation's table shapers and summary; its charts (forest plots,
  Kaplan–Meier, cumulative incidence, love plot) with alt text in :mod:`.evaluation_charts`.

Notebooks import it as ``from cusp import presentation as pr`` and call ``pr.table``,
``pr.summary``, ``pr.contents``, ``pr.bar``, ``pr.show_figure``...; the submodules holding pandas
and matplotlib load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from .formats import count, gbp, interval, mean_interval, pct, pp, target_text, value
from .labels import LABELS, UNITS, label, metric_kind, metric_label, words

__all__ = ["LABELS", "UNITS", "label", "metric_kind", "metric_label", "words", "count", "gbp", "interval", "pct",
           "pp", "value", "target_text", "mean_interval", "table", "figures", "figure_kind", "disclosed", "summary", "contents", "footnote", "style", "headline",
           "show_figure", "bar", "alt_text", "tidy_legend", "figure_html"]

_LAZY = {"table": "tables", "disclosed": "tables", "summary": "tables", "contents": "tables",
         "footnote": "tables", "style": "tables", "headline": "tables", "frame": "tables",
         "figures": "tables", "figure_kind": "tables",
         "show_figure": "charts", "bar": "charts", "alt_text": "charts", "tidy_legend": "charts",
         "figure_html": "charts"}


def __getattr__(name: str) -> Any:  # pandas and matplotlib load only when a table or chart is drawn
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(name)
