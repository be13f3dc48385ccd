"""The docs site builds offline without a warning: ``python -m sphinx -W -b html docs <out>`` (about 10 s)."""
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx", reason="the docs build needs the docs extra: pip install 'geomot[docs]'")
pytest.importorskip("myst_nb", reason="the docs build needs the docs extra: pip install 'geomot[docs]'")

ROOT = Path(__file__).resolve().parents[2]


def test_the_docs_build_without_warnings(tmp_path):
    run = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(ROOT / "docs"),
                          str(tmp_path)], capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    for page in ("index", "api", "explorer", "gallery", "theory", "notebooks/03_singular_sets"):
        assert (tmp_path / f"{page}.html").exists(), page
    assert "geomot.PowerDiagram" in (tmp_path / "api.html").read_text()
