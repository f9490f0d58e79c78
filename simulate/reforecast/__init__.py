"""Mid-contract reforecast: from the data as it stands on a date to the money at the contract end.

>>> from simulate.reforecast import reforecast, summarise   # doctest: +SKIP
>>> run = reforecast(scenario, frames, as_of, draws=1000, seed=1, jobs=2)   # doctest: +SKIP

- :mod:`.state` — the extracts as known on the as-of day; each paid child's state then;
- :mod:`.posterior`, :mod:`.calibrate` — gamma–Poisson learning of the referral rate and the
  care-entry hazard from the data so far;
- :mod:`.dists`, :mod:`.complete` — one draw of every child's remaining timeline and of the
  children still to come, conditioned on the state;
- :mod:`.base` — the protocol a mechanism module satisfies: ``prepare`` -> a
  :class:`ContextBase`, ``run_draw`` -> an :class:`Outcome`, a module-level ``FIGURES``;
- :mod:`.sib` — the 004 bond (one mechanism module; each other mechanism is one more module
  registered in :data:`simulate.reforecast.run.MECHANISMS`);
- :mod:`.run` — draws with a ``SeedSequence`` per draw index (joblib), :mod:`.summary` — tables.

See docs/reforecast.md.
"""

from .base import COUNT_COLUMNS, FIGURE_KINDS, ContextBase, Outcome
from .calibrate import Calibration, Priors, calibrate
from .errors import ReforecastError
from .run import Reforecast, draw_rng, reforecast
from .state import SibState, as_known_on, sib_state
from .summary import summarise, waterfall

__all__ = ["COUNT_COLUMNS", "FIGURE_KINDS", "ContextBase", "Outcome", "Calibration", "Priors", "Reforecast", "ReforecastError", "SibState", "as_known_on", "calibrate", "draw_rng",
           "reforecast", "sib_state", "summarise", "waterfall"]
