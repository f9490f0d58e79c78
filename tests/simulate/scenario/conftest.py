"""A small complete scenario, written out in full so tests do not depend on the presets."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

MINIMAL_YAML = """
service: {name: Test service, local_authority: Testshire, specification: test}
horizon: {start_date: 2025-04-01, referral_months: 24, tracking_months: 12}
sub_cohorts:
  - {name: diversion, kind: diversion, ages: {min_years: 5, max_years: 15}}
  - {name: reunification, kind: reunification, ages: {min_years: 5, max_years: 15}}
districts:
  - {name: North, referral_share: 0.6}
  - {name: South, referral_share: 0.4}
referrals:
  streams:
    - {sub_cohort: diversion, per_year: 50}
    - {sub_cohort: reunification, per_year: 10, district: North}
  need_mix: {3: 0.3, 4: 0.7}
  sources: {social_care: 0.75, schools: 0.25}
workforce:
  fte_by_district: {North: 3, South: 2}
  caseload_cap_per_fte: 6
  cost_per_fte_gbp_per_year: 45000
  schedule:
    - {date: 2025-12-01, district: North, fte_change: 1}
    - {date: 2026-06-01, district: South, fte: 1}
payment: {kind: block, annual_value_gbp: 250000}
kpi_targets:
  - {name: starts, metric: share_started_within_target, threshold: 0.9, period: quarter}
uncertainty:
  - {parameter: referrals.volume_multiplier, low: 0.7, high: 1.1}
"""


@pytest.fixture
def minimal() -> dict[str, Any]:
    """A fresh, valid scenario as plain data (edit it freely in a test)."""
    return copy.deepcopy(yaml.safe_load(MINIMAL_YAML))
