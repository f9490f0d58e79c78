"""The disclosure-policy protocol and registry: one module per policy registers itself here.

A policy says, as its publisher applies it,

* which counts are too small to publish (``1 .. min_count - 1``) and the symbol shown instead;
* whether other counts are rounded (``round_to``), and whether secondary suppression is needed
  by default (it is not when every published count is rounded, as NHS Digital's rule says);
* how a share (a percentage of a count) is published, and the symbols for a value that is
  not applicable, unavailable or rounds to zero.

:class:`Policy` is the one protocol. A policy module builds one and calls :func:`register`;
:func:`get_policy` looks a policy up by name. Nothing else switches on a policy's name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Union

from evaluation.balance import DataInputError

__all__ = ["Policy", "POLICIES", "register", "get_policy", "Published"]

Published = Union[int, float, str]  # a number as published, or a symbol


@dataclass(frozen=True)
class Policy:
    """A named disclosure-control policy (see the module docstring).

    Attributes
    ----------
    name : str
        What a notebook declares (``disclosure_policy = "nhs-digital"``).
    min_count : int
        Counts ``1 .. min_count - 1`` are suppressed (0 is shown: a true zero).
    round_to : int or None
        Publish other counts rounded to this base (half up); ``None``: unrounded.
    secondary : bool
        Whether :func:`~evaluation.disclosure.disclose` adds secondary suppression by default.
    share_decimals : int
        Decimal places of a published percentage (0: whole percentages).
    suppressed, not_applicable, unavailable, rounds_to_zero : str
        Symbols shown instead of a value.
    dominance_n, dominance_k : int, float or None
        Dominance (n, k) rule on magnitude tables.
    personal_data : bool
        ``False`` only for reports of modelled figures that read no record of a real person.
    text : str
        The sentence printed under every table.
    """

    name: str
    min_count: int
    round_to: int | None
    secondary: bool
    text: str
    share_decimals: int = 1
    suppressed: str = "*"
    not_applicable: str = ""
    unavailable: str = ""
    rounds_to_zero: str = "0"
    dominance_n: int | None = None
    dominance_k: float | None = None
    personal_data: bool = True

    @property
    def protection(self) -> int:
        """Width an attacker's feasible range for a hidden primary cell must reach."""
        return self.min_count

    @property
    def symbols(self) -> frozenset[str]:
        """Every non-numeric text this policy publishes in a count or share cell."""
        return frozenset({self.suppressed, self.not_applicable, self.unavailable, self.rounds_to_zero} - {"0"})

    def is_small(self, n: float) -> bool:
        """Whether a count is one the policy never publishes (``0 < n < min_count``)."""
        return 0 < n < self.min_count

    def round(self, n: float) -> int:
        """``n`` rounded half up to the policy's base (unchanged without rounding)."""
        if self.round_to is None:
            return int(n)
        return int(math.floor(n / self.round_to + 0.5) * self.round_to)

    def count(self, n: float | None) -> Published:
        """A count as published: the unavailable symbol, the suppressed symbol or a (rounded) integer."""
        if n is None or (isinstance(n, float) and math.isnan(n)):
            return self.unavailable
        if self.is_small(n):
            return self.suppressed
        return self.round(n)

    def share(self, numerator: float, denominator: float) -> Published:
        """``numerator / denominator`` as published: a proportion (0-1) or a symbol.

        Suppressed when the denominator, the numerator or its complement is a small count, so
        that no small count follows from a share and its denominator. Under a rounding policy the
        share is computed from the *published* (rounded) counts, so share × published denominator
        gives back only the published numerator. Not applicable when the denominator is 0.
        """
        if denominator == 0:
            return self.not_applicable
        if any(self.is_small(x) for x in (denominator, numerator, denominator - numerator)):
            return self.suppressed
        num, den = (self.round(numerator), self.round(denominator)) if self.round_to else (numerator, denominator)
        return num / den

    def format_share(self, value: Published) -> str:
        """A published share as text: ``"12.5%"``, or the symbol (``rounds_to_zero`` below half a unit)."""
        if isinstance(value, str):
            return value
        pct = 100 * value
        if 0 < pct < 0.5 * 10 ** -self.share_decimals:
            return self.rounds_to_zero
        return f"{pct:.{self.share_decimals}f}%"


POLICIES: dict[str, Policy] = {}


def register(policy: Policy) -> Policy:
    """Add ``policy`` to :data:`POLICIES` under its name (each policy module calls this once)."""
    POLICIES[policy.name] = policy
    return policy


def get_policy(policy: str | Policy) -> Policy:
    """The registered policy of that name (a :class:`Policy` is returned as it is).

    Raises
    ------
    DataInputError
        Unknown name; the message lists the known ones.
    """
    if isinstance(policy, Policy):
        return policy
    try:
        return POLICIES[policy]
    except KeyError:
        raise DataInputError(f"unknown disclosure policy {policy!r}; known: {', '.join(sorted(POLICIES))}") from None
