"""The registry of assessment tools: their areas, score ranges and which direction is better.

Every tool an extract may name in ``assessments.csv`` (column ``tool``) is declared here once;
schemas, synthetic data and distance-travelled analyses all read this registry.

- ``family_star_plus``: 10 Outcomes Star areas (parent), scored 1-10, higher is better;
- ``my_star``: 8 Outcomes Star areas (child), scored 1-10, higher is better;
- ``maca_yc18``: 6 caring-activity subscales of 3 items, each 0-6 (total 0-36), lower is better;
- ``panoc_yc20``: ``positive`` and ``negative`` subscales of 10 items, each 0-20; higher is
  better for ``positive``, lower for ``negative``;
- ``cfw_radar``: 8 self-assessment spokes (child or family), scored 1-10, higher is better.

Sources: Family Star Plus and My Star are named by 004 §9.2.2; MACA-YC18, PANOC-YC20 and an
Outcome Star by 003 (L237-239, KPI 27); the CFW Family or Child Radar by 000 §2.1.13. The
specifications do not list the radar's spokes: the eight used here are an **assumption**
(documented in ``docs/data-contracts.md``). MACA-YC18 and PANOC-YC20 score every item 0-2
(Joseph, Becker & Becker 2009); MACA's total is the sum of its six subscales.

>>> from evaluation.tools import get_tool
>>> get_tool("maca_yc18").total_range
(0, 36)
>>> get_tool("panoc_yc20").area("negative").higher_is_better
False
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import UnknownToolError


@dataclass(frozen=True)
class Area:
    """One scored area of a tool.

    Parameters
    ----------
    name
        Identifier used in ``assessments.csv`` (column ``area``).
    label
        Human-readable name for reports.
    min_score, max_score
        Inclusive range of a valid score.
    higher_is_better
        ``True`` when a rise in score is an improvement.
    """

    name: str
    label: str
    min_score: int
    max_score: int
    higher_is_better: bool = True


@dataclass(frozen=True)
class Tool:
    """An assessment tool: a named set of areas scored on integer scales.

    ``total_range`` is the range of the sum over areas (``None`` when the tool has no total,
    as for the Outcomes Stars, which are read area by area).
    """

    name: str
    label: str
    areas: tuple[Area, ...]
    respondent: str = field(default="child", metadata={"doc": "'child', 'parent' or 'family'"})
    total_range: tuple[int, int] | None = None
    source: str = ""

    @property
    def area_names(self) -> list[str]:
        return [a.name for a in self.areas]

    @property
    def score_range(self) -> tuple[int, int]:
        """Smallest minimum and largest maximum over the areas."""
        return min(a.min_score for a in self.areas), max(a.max_score for a in self.areas)

    @property
    def higher_is_better(self) -> bool | None:
        """The direction shared by every area, or ``None`` when areas differ (PANOC)."""
        directions = {a.higher_is_better for a in self.areas}
        return directions.pop() if len(directions) == 1 else None

    def area(self, name: str) -> Area:
        """Return the area called ``name``; :class:`UnknownToolError` if there is none."""
        for a in self.areas:
            if a.name == name:
                return a
        raise UnknownToolError(f"tool {self.name!r} has no area {name!r}; areas are {', '.join(self.area_names)}")


def _star(names: list[tuple[str, str]]) -> tuple[Area, ...]:
    return tuple(Area(n, label, 1, 10, True) for n, label in names)


FAMILY_STAR_PLUS = Tool(
    name="family_star_plus",
    label="Family Star Plus",
    respondent="parent",
    source="004 §9.2.2; Triangle Consulting, Family Star Plus (10 areas, Journey of Change 1-10)",
    areas=_star([
        ("physical_health", "Physical health"),
        ("wellbeing", "Your well-being"),
        ("meeting_emotional_needs", "Meeting emotional needs"),
        ("keeping_safe", "Keeping your children safe"),
        ("social_networks", "Social networks"),
        ("education_learning", "Education and learning"),
        ("boundaries_behaviour", "Boundaries and behaviour"),
        ("family_routine", "Family routine"),
        ("home_money", "Home and money"),
        ("progress_to_work", "Progress to work"),
    ]),
)

MY_STAR = Tool(
    name="my_star",
    label="My Star",
    respondent="child",
    source="004 §9.2.2; Triangle Consulting, My Star (8 areas, 1-10)",
    areas=_star([
        ("physical_health", "Physical health"),
        ("where_you_live", "Where you live"),
        ("being_safe", "Being safe"),
        ("relationships", "Relationships"),
        ("feelings_behaviour", "Feelings and behaviour"),
        ("friends", "Friends"),
        ("confidence_self_esteem", "Confidence and self-esteem"),
        ("education_learning", "Education and learning"),
    ]),
)

MACA_YC18 = Tool(
    name="maca_yc18",
    label="MACA-YC18",
    respondent="child",
    total_range=(0, 36),
    source="003 L237; Joseph, Becker & Becker (2009): 18 items scored 0-2, six subscales of 3 items",
    areas=tuple(
        Area(n, label, 0, 6, False)
        for n, label in [
            ("domestic", "Domestic tasks"),
            ("household_management", "Household management"),
            ("personal_care", "Personal care"),
            ("emotional_care", "Emotional care"),
            ("sibling_care", "Sibling care"),
            ("financial_practical", "Financial and practical care"),
        ]
    ),
)

PANOC_YC20 = Tool(
    name="panoc_yc20",
    label="PANOC-YC20",
    respondent="child",
    source="003 L238; Joseph, Becker & Becker (2009): 20 items scored 0-2, 10 positive and 10 negative",
    areas=(
        Area("positive", "Positive outcomes of caring", 0, 20, True),
        Area("negative", "Negative outcomes of caring", 0, 20, False),
    ),
)

CFW_RADAR = Tool(
    name="cfw_radar",
    label="CFW Family or Child Radar",
    respondent="family",
    source="000 §2.1.13 (tool named, spokes not listed: the eight spokes here are an assumption)",
    areas=_star([
        ("feelings", "Feelings and emotional health"),
        ("behaviour", "Behaviour"),
        ("family_relationships", "Family relationships"),
        ("friendships", "Friendships"),
        ("school", "School and learning"),
        ("physical_health", "Physical health"),
        ("safety", "Feeling safe"),
        ("confidence", "Confidence"),
    ]),
)

TOOLS: dict[str, Tool] = {t.name: t for t in (FAMILY_STAR_PLUS, MY_STAR, MACA_YC18, PANOC_YC20, CFW_RADAR)}
"""Every registered tool by name."""


def get_tool(name: str) -> Tool:
    """Return the registered tool called ``name``.

    Raises
    ------
    UnknownToolError
        When ``name`` is not registered; the message lists the registered names.
    """
    try:
        return TOOLS[name]
    except KeyError:
        raise UnknownToolError(f"unknown assessment tool {name!r}; registered tools are {', '.join(TOOLS)}") from None


def tool_areas() -> pd.DataFrame:
    """The registry as one tidy table, one row per (tool, area).

    Returns
    -------
    pandas.DataFrame
        Columns ``tool``, ``tool_label``, ``area``, ``area_label``, ``min_score``,
        ``max_score``, ``higher_is_better``.
    """
    rows = [
        {
            "tool": t.name, "tool_label": t.label, "area": a.name, "area_label": a.label,
            "min_score": a.min_score, "max_score": a.max_score, "higher_is_better": a.higher_is_better,
        }
        for t in TOOLS.values()
        for a in t.areas
    ]
    return pd.DataFrame(rows)


def improvement(tool: str, area: str | np.ndarray | pd.Series, change: np.ndarray | pd.Series | float) -> np.ndarray:
    """Orient score changes so that a positive value is always an improvement.

    Parameters
    ----------
    tool
        Registered tool name.
    area
        One area name, or an array of area names aligned with ``change``.
    change
        Follow-up score minus baseline score (points on the area's scale).

    Returns
    -------
    numpy.ndarray
        ``change`` where higher is better, ``-change`` where lower is better.
    """
    t = get_tool(tool)
    values = np.asarray(change, dtype=float)
    if isinstance(area, str):
        return values if t.area(area).higher_is_better else -values
    sign_by_area = {a.name: (1.0 if a.higher_is_better else -1.0) for a in t.areas}
    names = np.asarray(area, dtype=object)
    unknown = set(np.unique(names)) - set(sign_by_area)
    if unknown:
        raise UnknownToolError(f"tool {tool!r} has no area {sorted(unknown)[0]!r}; areas are {', '.join(t.area_names)}")
    signs = np.array([sign_by_area[n] for n in names], dtype=float)
    return values * signs
