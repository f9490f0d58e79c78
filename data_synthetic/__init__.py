"""Seeded generators of realistic synthetic extracts with known true effects.

>>> from simulate.scenario import load_scenario
>>> from data_synthetic import synthesise, write_extracts
>>> ex = synthesise(load_scenario("lancs-edge-of-care-004"), seed=7)   # doctest: +SKIP
>>> write_extracts(ex, "reports/data")                                   # doctest: +SKIP
"""

from .generate import SyntheticExtracts, synthesise
from .params import SynthParams
from .truth import dump_truth, read_truth
from .write import as_text, ssda903_paths, write_extracts

__all__ = ["SynthParams", "SyntheticExtracts", "as_text", "dump_truth", "read_truth", "ssda903_paths", "synthesise", "write_extracts"]
