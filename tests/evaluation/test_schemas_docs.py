"""docs/data-contracts.md documents every file, column and tool of the contracts."""

from pathlib import Path

from evaluation.schemas import SCHEMAS
from evaluation.tools import TOOLS

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-contracts.md"


def test_every_column_has_a_row_with_its_type_and_meaning():
    text = DOC.read_text(encoding="utf-8")
    for name, schema in SCHEMAS.items():
        section = text.split(f"### `{name}`", 1)[1].split("### ", 1)[0]
        for col in schema.columns:
            rows = [line for line in section.splitlines() if line.startswith(f"| `{col.name}`")]
            assert rows, f"{name}: column {col.name} is not documented"
            assert col.description in rows[0], f"{name}: {col.name} description differs from the schema"


def test_every_tool_and_area_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for tool in TOOLS.values():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{tool.name}`"))
        for area in tool.areas:
            assert f"`{area.name}`" in row
