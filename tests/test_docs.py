"""The documentation site builds strictly: no broken links, nav entries or docstring warnings."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _mkdocs() -> list[str]:
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install -e '.[dev]')")
    pytest.importorskip("mkdocstrings", reason="mkdocstrings is not installed (pip install -e '.[dev]')")
    return [sys.executable, "-m", "mkdocs"]


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [*_mkdocs(), "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"), "-d", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    return proc, site


def test_docs_build_strictly_without_warnings(built_site):
    proc, site = built_site
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{log}"
    warnings = [line for line in log.splitlines() if line.startswith(("WARNING", "ERROR"))]
    assert not warnings, "mkdocs printed warnings:\n" + "\n".join(warnings)
    assert (site / "index.html").is_file()


def test_api_reference_is_generated_from_docstrings(built_site):
    proc, site = built_site
    if proc.returncode != 0:
        pytest.skip("site did not build (see test_docs_build_strictly_without_warnings)")
    html = (site / "api" / "index.html").read_text(encoding="utf-8")
    # mkdocstrings rendered real signatures and parameter tables, not the raw ::: directives
    assert ":::" not in html
    for name in ("cxinsight.corpus.Corpus", "cxinsight.pipeline.analyse", "cxinsight.ingest.read"):
        assert f'id="{name}"' in html, f"{name} missing from the API reference"
    assert "path_or_corpus" in html


def test_every_nav_entry_has_a_page():
    pytest.importorskip("yaml")
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml may use !!python/name tags; ignore any tag
    _Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)
    listed = set(re.findall(r"[\w/.-]+\.md", str(config["nav"])))
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert listed - pages == set(), f"nav entries without a page: {sorted(listed - pages)}"
    for page in ("index.md", "installation.md", "quickstart.md", "method.md", "limitations.md",
                 "api.md", "changelog.md", "notebooks.md"):
        assert page in listed, f"{page} is not in the nav"


def test_readme_commands_match_the_makefile():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("demo", "test"):
        assert f"make {target}" in readme
        assert re.search(rf"^{target}:", makefile, flags=re.M), f"Makefile has no {target} target"
