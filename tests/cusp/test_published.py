"""Everything a rendered report folder publishes passes its disclosure policy.

The payments statement is rendered once (synthetic extract, nhs-digital). The checks below read
the published files as an outsider would — results.json and the HTML tables — and try to derive
a small count from a share and a count published beside it; they find none. Child-level files
sit only in the restricted folder, which is owner-only and says it is not for publication.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cusp.render import RenderError, render_notebook

sys.path.insert(0, str(Path(__file__).parent))
from render_fixtures import tiny_notebook  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SMALL = range(1, 8)  # nhs-digital: counts of 1-7 are never published


def derived_small_counts(results: dict, page: str, round_to: int = 5) -> list[str]:
    """Small counts an outsider can work out as share × count (or (1 - share) × count).

    results.json: every share object with its own denominator and with every count in the file.
    HTML: within each table row, every percentage with every whole number. A derived value that is
    a multiple of the rounding base is a difference of rounded counts (not exact), so it is not
    counted; anything else within 0.05 of 1-7 is.
    """
    counts: list[float] = []
    shares: list[tuple[str, float, float]] = []

    def walk(node, path=""):
        if isinstance(node, dict):
            if "share" in node and "denominator" in node:
                if isinstance(node["share"], float) and isinstance(node["denominator"], int):
                    shares.append((path, node["share"], node["denominator"]))
                return
            for k, v in node.items():
                if k != "disclosure" and k not in results.get("disclosure", {}).get("not_counts", []):
                    walk(v, f"{path}.{k}")
        elif isinstance(node, int) and not isinstance(node, bool):
            counts.append(node)

    walk(results)
    found = []

    def check(where, p, n):
        for d in (p * n, (1 - p) * n):
            if abs(d / round_to - round(d / round_to)) < 1e-6:
                continue
            if round(d) in SMALL and abs(d - round(d)) < 0.05:
                found.append(f"{where}: {p:.4f} x {n:g} = {d:.2f}")

    for path, p, den in shares:
        for n in [den, *counts]:
            check(f"results.json{path}", p, n)
    for row in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S):
        cells = [htmllib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)]
        pcts = [float(c[:-1]) / 100 for c in cells if re.fullmatch(r"\d+(\.\d+)?%", c)]
        whole = [float(c.replace(",", "")) for c in cells if re.fullmatch(r"\d[\d,]*", c)]
        for p in pcts:
            for n in whole:
                check(f"table row {cells[0]!r}", p, n)
    return found


@pytest.fixture(scope="module")
def statement(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("statement")
    return render_notebook(ROOT / "notebooks" / "payments_statement.ipynb", tmp / "reports" / "payments",
                           cwd=ROOT, progress=False, timeout=600)


def test_payments_statement_publishes_no_small_count_and_no_child(statement):
    page = statement.html.read_text()
    results = json.loads(statement.results.read_text())
    assert results["disclosure"]["policy"] == "nhs-digital"
    for label, n in results["status_counts"].items():
        assert n == "*" or n % 5 == 0, label
    assert derived_small_counts(results, page) == []
    assert not re.search(r"\b[CR]\d{7}\b", page + statement.notebook.read_text())  # no child or case id
    assert "PosixPath" not in page  # no debug output
    # the one child's timeline is not published: the figures left are the money chart, the RAG chart
    # and the reforecast's money still to come
    assert len(re.findall(r'<img[^>]*src="data:image/png;base64,', page)) == 3
    assert page.count('<table class="cusp-disclosed"') == len(re.findall(r"<table", page.split("cusp-provenance")[0])) >= 5


def test_child_level_files_are_only_in_the_restricted_folder(statement):
    folder = statement.folder
    restricted = folder / "restricted-internal-use"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [".cusp-output", "payments.html", "payments.ipynb", "provenance.json", "results.json", "restricted-internal-use"])
    assert stat.S_IMODE(restricted.stat().st_mode) == 0o700
    assert "NOT FOR PUBLICATION" in (restricted / "README.txt").read_text()
    audit = (restricted / "payment_audit.csv").read_text()
    assert re.search(r"\bC\d{7}\b", audit)  # the invoice check needs the children
    assert (restricted / "child_timeline.png").stat().st_size > 0


def test_the_derivation_finds_what_the_issue_describes():
    # served 47 and matched 42 exactly, beside an acceptance share of 46/47: one referral refused
    leaky = {"referrals": 47, "accepted": {"share": 46 / 47, "numerator": 46, "denominator": 47}}
    assert derived_small_counts(leaky, "") == ["results.json.accepted: 0.9787 x 47 = 1.00"] * 2
    row = "<table><tr><th>care within 6 months</th><td>45</td><td>13.3%</td></tr></table>"  # 6 of 45
    assert derived_small_counts({}, row) == ["table row 'care within 6 months': 0.1330 x 45 = 5.99"]


def test_render_refuses_a_notebook_that_declares_no_policy(tmp_path):
    nb_path = tiny_notebook(tmp_path / "tiny.ipynb")
    nb = nbformat.read(nb_path, as_version=4)
    del nb.metadata["cusp"]
    nbformat.write(nb, nb_path)
    with pytest.raises(RenderError, match="declares no disclosure policy"):
        render_notebook(nb_path, tmp_path / "out", cwd=tmp_path, progress=False)
    assert not (tmp_path / "out").exists()
    done = subprocess.run([sys.executable, "-m", "cusp", "render", str(nb_path), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "declares no disclosure policy" in done.stderr


def test_a_modelled_notebook_may_not_read_extracts(tmp_path):
    nb_path = tiny_notebook(tmp_path / "tiny.ipynb")
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[1].source += '\ndata_dir = ""'
    nbformat.write(nb, nb_path)
    with pytest.raises(RenderError, match="reads extracts .* may not declare the 'modelled' policy"):
        render_notebook(nb_path, tmp_path / "out", cwd=tmp_path, progress=False)
