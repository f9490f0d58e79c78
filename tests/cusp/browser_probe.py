"""Inspect a rendered report in headless Chromium: table widths, visible text, alt texts, first section.

:func:`inspect` adds a small script to a copy of the HTML; on load it measures every table against
the width it is given (``scrollWidth`` of the table against ``clientWidth`` of its output area and
of the page), reads the visible text (without the provenance block, which names files and
parameters on purpose), every image's alt text and the id of the first ``h2``, and writes them as
JSON into the DOM, which ``--dump-dom`` prints.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

from cusp.render.export import CHROMIUM_FLAGS, chromium_path

PROBE = """<script>
window.addEventListener('load', function () {
  var page = document.documentElement.clientWidth;
  var wide = [];
  document.querySelectorAll('table').forEach(function (t, i) {
    var box = t.parentElement;
    var r = t.getBoundingClientRect();
    if (t.scrollWidth > box.clientWidth + 1 || r.right > page + 1) {
      wide.push({i: i, table: t.scrollWidth, box: box.clientWidth, right: Math.round(r.right), page: page,
                 head: (t.innerText || '').slice(0, 60)});
    }
  });
  var prov = document.getElementById('provenance');
  if (prov) { prov.remove(); }
  var h2 = document.querySelector('h2');
  var broken = [];
  document.querySelectorAll('nav.cusp-toc a').forEach(function (a) {
    var id = a.getAttribute('href').slice(1);  // nbconvert's ids keep the percent-encoding
    if (!document.getElementById(id) && !document.getElementById(decodeURIComponent(id))) { broken.push(id); }
  });
  var out = {wide: wide, text: document.body.innerText,
             alts: Array.prototype.map.call(document.images, function (im) { return im.getAttribute('alt'); }),
             first_h2: h2 ? (h2.id || h2.innerText) : null, broken_links: broken,
             toc: document.querySelectorAll('nav.cusp-toc').length};
  var pre = document.createElement('pre');
  pre.id = 'cusp-probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""

DEFAULT_ALT = "No description has been provided for this image"
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
BAD_WORDS = ("NaN", "PosixPath", "e+0", "None")


def inspect(report_html: Path, work: Path, width: int = 800) -> dict:
    """Load ``report_html`` in headless Chromium at ``width`` CSS px and return the probe's findings."""
    probe = work / (report_html.stem + ".probe.html")
    probe.write_text(report_html.read_text().replace("</body>", PROBE + "</body>"))
    done = subprocess.run([chromium_path(), *CHROMIUM_FLAGS, f"--window-size={width},1200", "--virtual-time-budget=10000",
                           "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="cusp-probe">(.*?)</pre>', done.stdout, re.S)
    assert found, f"the page did not finish loading: {done.stderr[-400:]}"
    return json.loads(html.unescape(found.group(1)))


def problems(found: dict) -> list[str]:
    """What a board reader should never see, as one line each."""
    out = [f"table wider than the page: {w}" for w in found["wide"]]
    text = found["text"]
    for word in BAD_WORDS:
        if word in text:
            i = text.index(word)
            out.append(f"{word!r} in visible text: …{text[max(0, i - 60):i + 40]!r}")
    # snake_case outside file paths and inline code names (docs/flow.md is a path, not a label)
    words = [w for w in SNAKE.findall(text) if not re.search(re.escape(w) + r"\.(md|py|json|csv|yaml)", text)]
    if words:
        out.append(f"snake_case labels in visible text: {sorted(set(words))[:10]}")
    bad_alt = [a for a in found["alts"] if not a or a == DEFAULT_ALT]
    if bad_alt:
        out.append(f"{len(bad_alt)} of {len(found['alts'])} images without a real alt text")
    if found["broken_links"]:
        out.append(f"contents links to missing sections: {found['broken_links']}")
    if found["toc"] != 1:
        out.append("no table of contents")
    if found["first_h2"] != "summary":
        out.append(f"the first section is {found['first_h2']!r}, not the summary")
    return out


def screenshot(report_html: Path, png: Path, width: int = 1000, height: int = 1300) -> Path:
    """The report's first screen as a PNG."""
    subprocess.run([chromium_path(), *CHROMIUM_FLAGS, "--hide-scrollbars", f"--window-size={width},{height}",
                    "--virtual-time-budget=10000", f"--screenshot={png}", report_html.as_uri()],
                   capture_output=True, text=True, timeout=180, check=True)
    return png
