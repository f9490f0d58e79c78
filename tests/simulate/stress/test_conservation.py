"""Money is conserved between parties under every mechanism: each £ leaves one party and reaches another."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulate.scenario import list_presets, load_scenario
from simulate.stress import draw_rng, ledger_frame, mechanism_for, override_data, party_totals, scenario_data

DATA = {p: scenario_data(load_scenario(p)) for p in list_presets()}


@pytest.mark.parametrize("preset", sorted(DATA))
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31 - 1), volume=st.floats(0.2, 2.5), vacancy=st.floats(0.0, 0.6))
def test_every_transfer_balances_and_the_risk_bearer_nets_what_it_received(preset, seed, volume, vacancy):
    data = override_data(DATA[preset], {"referrals.volume_multiplier": volume, "workforce.vacancy_rate": vacancy})
    mech = mechanism_for(data)
    d = mech.draw(mech.compile(data), draw_rng(seed, 0))
    ledger = ledger_frame(d.transfers, d.dates)
    assert float(ledger.groupby("month")["amount_gbp"].sum().abs().max()) < 1e-6 if len(ledger) else True
    totals = party_totals(d.transfers)
    assert abs(sum(totals.values())) < 1e-6
    # The figure a risk report shows is the party's own total in the ledger.
    assert d.net.sum() == pytest.approx(totals.get(mech.risk_bearer, 0.0), abs=1e-6)
    if "provider_net_gbp" in d.outputs:
        assert d.outputs["provider_net_gbp"] == pytest.approx(totals.get("provider", 0.0), abs=1e-6)
    # A vehicle, where there is one, holds what it has not paid out and never ends owing money.
    assert totals.get("spv", 0.0) >= -1e-6
    assert np.all(np.concatenate([np.asarray(a, float) for *_, a in d.transfers]) >= -1e-9)
