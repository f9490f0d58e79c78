"""A tiny parameterised notebook for rendering tests (a few seconds to execute)."""

from __future__ import annotations

from pathlib import Path

import nbformat

SOURCE_TOKEN = "SECRET_SOURCE_TOKEN_4f1c"


def tiny_notebook(path: Path) -> Path:
    """Write the test notebook: reads a CSV, draws two figures, writes results.json."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["cusp"] = {"disclosure_policy": "modelled"}  # its made-up CSV holds no one's record
    params = nbformat.v4.new_code_cell(
        'input_file = "in.csv"  # a CSV to read\ncode = "00123"\nseed = 3\nsleep_seconds = 0.0\nmarker = ""\n'
        'fail = False\nresults_path = "results.json"'
    )
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Tiny report\n\nNarrative text for the reader."),
        params,
        nbformat.v4.new_code_cell(
            f"# {SOURCE_TOKEN}\nimport time\nfrom pathlib import Path\nimport matplotlib.pyplot as plt\nimport pandas as pd\n"
            "from cusp.render import save_results\ndf = pd.read_csv(input_file)\ndf"
        ),
        nbformat.v4.new_code_cell("ax = df.plot.bar(x='name', y='value', title='first figure')\nplt.show()"),
        nbformat.v4.new_code_cell("ax = df.plot.line(x='name', y='value', title='second figure')\nplt.show()"),
        nbformat.v4.new_code_cell("if marker:\n    Path(marker).write_text('running')\ntime.sleep(sleep_seconds)"),
        nbformat.v4.new_code_cell("saved = save_results({'code': code, 'rows': len(df), 'seed': seed}, results_path)"),
        nbformat.v4.new_code_cell("ratio = 1 / (0 if fail else 1)"),
    ]
    nbformat.write(nb, path)
    (path.parent / "in.csv").write_text("name,value\na,1\nb,3\nc,2\n")
    return path
