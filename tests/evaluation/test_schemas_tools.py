"""The assessment-tool registry: ranges and directions as the instruments define them."""

import numpy as np
import pytest

from evaluation.errors import EvaluationError, UnknownToolError
from evaluation.tools import TOOLS, get_tool, improvement, tool_areas


def test_registry_holds_the_five_tools_named_by_the_specifications():
    assert set(TOOLS) == {"family_star_plus", "my_star", "maca_yc18", "panoc_yc20", "cfw_radar"}


def test_outcomes_stars_score_one_to_ten_higher_better():
    for name, n_areas in (("family_star_plus", 10), ("my_star", 8)):
        tool = get_tool(name)
        assert len(tool.areas) == n_areas
        assert tool.score_range == (1, 10)
        assert tool.higher_is_better is True


def test_maca_total_is_0_to_36_lower_better():
    maca = get_tool("maca_yc18")
    assert maca.total_range == (0, 36)
    assert sum(a.max_score for a in maca.areas) == 36  # 18 items x 2
    assert maca.higher_is_better is False


def test_panoc_has_subscales_with_opposite_directions():
    panoc = get_tool("panoc_yc20")
    assert panoc.area("positive").higher_is_better and not panoc.area("negative").higher_is_better
    assert panoc.higher_is_better is None
    assert panoc.score_range == (0, 20)


def test_improvement_flips_sign_where_lower_is_better():
    got = improvement("panoc_yc20", np.array(["positive", "negative", "negative"]), np.array([2.0, 3.0, -1.0]))
    assert got.tolist() == [2.0, -3.0, 1.0]
    assert improvement("maca_yc18", "domestic", -2.0).item() == 2.0


def test_unknown_tool_and_area_are_user_errors():
    with pytest.raises(UnknownToolError, match="registered tools are"):
        get_tool("sdq")
    with pytest.raises(EvaluationError, match="has no area 'friends'"):
        get_tool("maca_yc18").area("friends")


def test_tool_areas_table_has_one_row_per_area():
    table = tool_areas()
    assert len(table) == 10 + 8 + 6 + 2 + 8
    assert not table.duplicated(["tool", "area"]).any()
