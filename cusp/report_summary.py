"""The plain-English summary at the top of the annual evaluation, written from published values only.

Every number it quotes comes from a :class:`~evaluation.disclosure.DisclosedTable` (rounded or
suppressed as published); a finding whose figure is suppressed is described without it.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from evaluation.disclosure import DisclosedTable

from .presentation.labels import label

__all__ = ["plain_summary"]


def _agree(main: pd.Series, others: pd.DataFrame) -> bool:
    """Every other published estimate has the main one's sign, and its CI excludes 0 exactly
    when the main CI does."""
    sig = lambda r: (r["ci_low"] > 0) or (r["ci_high"] < 0)  # noqa: E731
    ok = others.dropna(subset=["estimate", "ci_low", "ci_high"])
    return all(np.sign(r["estimate"]) == np.sign(main["estimate"]) and sig(r) == sig(main)
               for _, r in ok.iterrows())


def _count_words(shown: object) -> str:
    """A published count for prose: as published, or 'a small number of' where it is suppressed."""
    text = str(shown)
    return "a small number of" if text in ("*", "c", "x") else text


def plain_summary(flow: DisclosedTable, distance: DisclosedTable | None, tool: str | None, effects: DisclosedTable | None,
                  cox: DisclosedTable | None, sensitivity: pd.DataFrame | None, calipers: pd.DataFrame | None,
                  imbalanced: Sequence[str], end_date: pd.Timestamp) -> str:
    """Markdown bullets of the main findings, in plain English, from *published* values only.

    Parameters
    ----------
    flow, distance, effects, cox : DisclosedTable
        The report's disclosed tables (sample flow; one tool's overall distance KPIs; matched
        effects; Cox models, matched first).
    sensitivity, calipers : pandas.DataFrame
        Published values (``DisclosedTable.values``) of the other analyses: IPW and regression
        rows; caliper rows (index: outcome label; ``estimate, ci_low, ci_high``).
    tool : str
        The tool ``distance`` describes.
    imbalanced : sequence of str
        Covariates with |SMD| > 0.1 after matching.

    A section the report does not hold (no matched comparison, no care entries, no paired
    scores) is passed as ``None`` and summarised in one sentence saying why it is absent.
    """
    started = _count_words(flow.display.loc["children whose support started (evaluation cohort)", "served"])
    n_matched = _count_words(flow.display.loc["matched to a comparison child", "served"])
    if distance is None:
        lines = [f"- **Who was served.** Support started for {started} children up to {end_date:%d %B %Y}.",
                 "- **Distance travelled.** No child or family has both a baseline and a follow-up score yet."]
        return "\n".join(lines + _comparison_lines(flow, effects, cox, sensitivity, calipers, imbalanced))
    d = distance.values
    pct = lambda m: None if m not in d.index or pd.isna(d.loc[m, "estimate"]) else f"{100 * d.loc[m, 'estimate']:.0f}%"  # noqa: E731
    improved, reliable = pct("% improved"), pct("% reliably improved (RCI)")
    name = label(tool)
    if improved:
        dist = (f"{improved} of those assessed twice on {name} improved between the baseline and the six-month review"
                + (f"; {reliable} by more than measurement error alone would explain" if reliable else "") + ".")
    else:
        dist = f"Too few were assessed twice on {name} to publish the share who improved."
    lines = [f"- **Who was served.** Support started for {started} children up to {end_date:%d %B %Y}"
             + (f"; {n_matched} of them were matched to a similar child who was not served." if effects is not None else "."),
             f"- **Distance travelled.** {dist} On its own this is a before-and-after comparison (Maryland level 1): "
             "children may have improved anyway."]
    return "\n".join(lines + _comparison_lines(flow, effects, cox, sensitivity, calipers, imbalanced))


def _comparison_lines(flow, effects, cox, sensitivity, calipers, imbalanced) -> list[str]:
    if effects is None:
        return ["- **Comparison.** Too few children to form a matched comparison group: the report describes the "
                "service and its KPIs only (Maryland level 1)."]
    lines = []
    e = effects.values
    diff = e[e["measure"] != "risk ratio"] if "measure" in e else e
    c12 = diff.loc["care within 12 months"] if "care within 12 months" in diff.index else None
    h = cox.values.iloc[0] if cox is not None else None
    if cox is None:
        pass  # no care entries: the service's report has no care section
    elif c12 is not None and pd.notna(c12["estimate"]):
        way = "less" if c12["estimate"] < 0 else "more"
        lines.append(f"- **Entry to care.** Compared with matched children, served children were "
                     f"{abs(100 * c12['estimate']):.1f} percentage points {way} likely to enter care within 12 months "
                     f"(95% CI {100 * c12['ci_low']:.1f} to {100 * c12['ci_high']:.1f})"
                     + (f"; over the whole follow-up their rate of entering care was {h['hazard ratio']:.2f} times the "
                        f"comparison group's (95% CI {h['ci_low']:.2f} to {h['ci_high']:.2f})." if h is not None and pd.notna(h["hazard ratio"]) else "."))
    else:
        lines.append("- **Entry to care.** Too few children entered care to publish the 12-month comparison.")
    school = []
    for key, what in (("unauthorised absence (% points)", "unauthorised absence changed by {e:.2f} percentage points"),
                      ("reading beyond forecast (years)", "reading age moved {e:.2f} years beyond forecast")):
        if key in diff.index and pd.notna(diff.loc[key, "estimate"]):
            r = diff.loc[key]
            school.append(what.format(e=r["estimate"]) + f" (95% CI {r['ci_low']:.2f} to {r['ci_high']:.2f})")
    if school:
        lines.append("- **School and reading.** Relative to matched children, " + "; ".join(school) + ".")
    s = sensitivity if sensitivity is not None else pd.DataFrame(columns=["estimate", "ci_low", "ci_high"])
    cal = calipers if calipers is not None else s.iloc[:0]
    differ = [o for o in diff.index if pd.notna(diff.loc[o, "estimate"])
              and not _agree(diff.loc[o], pd.concat([s.loc[s.index == o], cal.loc[cal.index == o]]))]
    level = ("The matched comparison is Maryland level 3: the groups were alike on every recorded characteristic "
             "before support began (|SMD| ≤ 0.1)" if not imbalanced else
             "The matched comparison aims at Maryland level 3, but some imbalance remains after matching "
             f"({', '.join(imbalanced)}), which weakens it")
    robust = ("every sensitivity analysis (inverse-probability weighting, regression adjustment, other calipers) "
              "points the same way with the same certainty" if not differ else
              f"the sensitivity analyses disagree for {', '.join(differ)}: treat those results with caution")
    lines.append(f"- **How sure we are.** {level}; children may still differ in ways the records do not show. "
                 f"Of the checks, {robust}.")
    return lines
