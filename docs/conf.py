"""Sphinx configuration of geomot's documentation: ``python -m sphinx -b html docs <out>`` (offline, -W clean).

The Markdown pages are read by MyST (myst-nb, which includes myst-parser);
the class notebooks are rendered without being executed (the test suite runs
them); the API reference comes from the docstrings of the public ``geomot``
namespace (numpy style, through napoleon).
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # document this checkout, not an installed copy

import geomot

project = "geomot"
author = "the geomot developers"
copyright = "the geomot developers"
release = version = geomot.__version__

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**/.ipynb_checkpoints"]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # the notebooks carry no outputs; tests/notebooks executes them

autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "undoc-members": False}
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True  # "Attributes" as fields: the properties are documented once, as members

html_theme = "alabaster"
html_title = f"geomot {release}"
