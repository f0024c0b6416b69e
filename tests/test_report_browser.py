"""Open the sample study's HTML report in a real browser (headless Chromium).

Renders report.html to a PNG and checks the page is not blank, then dumps the DOM after a small
inline script (added to a copy of the page) has recorded whether every image decoded
(``naturalWidth > 0``). Chromium comes from Debian's ``chromium`` package, which ``make test``
installs where missing; the test is skipped, with that instruction, only when no Chromium exists.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess

import numpy as np
import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-dev-shm-usage", "--hide-scrollbars"]
CHECK = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  var d = document.createElement('div');
  d.id = 'cx-check'; d.setAttribute('data-loaded', ok); d.setAttribute('data-total', imgs.length);
  document.body.appendChild(d);
});
</script></body>"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Chromium is not installed and could not be installed here; `make test` installs "
                "it (apt-get install chromium) where it can.")


def _run(browser: str, args: list[str], tmp_path) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=180)


@pytest.mark.slow
def test_report_renders_in_chromium(analysed_sample_run, tmp_path):
    browser = _chromium()
    report = analysed_sample_run.out / "report.html"
    html = report.read_text("utf-8")
    imgs = re.findall(r'<img src="data:image/png;base64,([^"]+)"', html)
    assert len(imgs) >= 4
    assert all(base64.b64decode(b).startswith(b"\x89PNG\r\n\x1a\n") for b in imgs)

    shot = tmp_path / "report.png"
    res = _run(browser, [f"--screenshot={shot}", "--window-size=1280,2000", report.as_uri()], tmp_path)
    assert shot.exists(), f"no screenshot: {res.stderr[-500:]}"
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)[..., :3].astype(float)
    grey = pixels.mean(axis=2)
    assert grey.std() > 0.05, "the page looks blank"
    assert (grey < 0.9).mean() > 0.02, "almost nothing is drawn on the page"
    # the journey curve figure (many colours) shows in the first screen
    colours = np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 200

    page = tmp_path / "report_checked.html"
    page.write_text(html.replace("</body>", CHECK, 1), "utf-8")
    res = _run(browser, ["--virtual-time-budget=5000", "--dump-dom", page.as_uri()], tmp_path)
    m = re.search(r'id="cx-check" data-loaded="(\d+)" data-total="(\d+)"', res.stdout)
    assert m, f"the check script did not run: {res.stderr[-500:]}"
    loaded, total = int(m.group(1)), int(m.group(2))
    assert total == len(imgs) and loaded == total, f"{loaded} of {total} figures loaded"
