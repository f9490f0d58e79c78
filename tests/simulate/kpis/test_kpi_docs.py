"""docs/kpis.md quotes every registry KPI with its sentence (the contract's sentence decides)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulate.kpis import DEFINITIONS
from simulate.scenario import list_presets, load_scenario

DOC = (Path(__file__).resolve().parents[3] / "docs" / "kpis.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("d", DEFINITIONS, ids=lambda d: d.name)
def test_every_kpi_and_sentence_is_in_the_docs(d):
    assert f"`{d.name}`" in DOC
    for _, sentence in d.sources:
        assert sentence.replace("|", "\\|") in DOC


@pytest.mark.parametrize("name", list_presets())
def test_every_target_names_a_registry_kpi_with_its_source(name):
    for t in load_scenario(name).kpi_targets:
        assert f"`{t.metric}`" in DOC
        assert t.source, f"{name}: target {t.name} has no source"


def test_registry_table_names_every_denominator():
    from simulate.kpis import registry_table

    t = registry_table().set_index("kpi")
    assert len(t) == len(DEFINITIONS)
    # every share and mean states what it is out of
    rates = t[t["kind"].isin(["share", "mean"])]
    assert (rates["denominator"].str.len() > 0).all()
    assert "still waiting" in t.loc["share_started_within_target", "denominator"]
