"""``modelled``: a report of modelled figures only (simulation from a scenario's assumptions).

Such a report reads no record of a real person, so it has no small counts to protect; declaring
this policy says so, and the render gate holds the notebook to it: a notebook that takes a data
folder (a ``data_dir`` parameter) may not declare it, and identifiers are still scanned for.
"""

from __future__ import annotations

from .policy import Policy, register

MODELLED = register(Policy(
    "modelled", min_count=0, round_to=None, secondary=False, personal_data=False,
    text=("Modelled figures: every number in this report is simulated from the scenario's "
          "assumptions; no record of a real person was read."),
))
