"""The explorer's tests need Bokeh (the ``explore`` extra); without it they are skipped."""
import pytest

pytest.importorskip("bokeh", reason="geomot.explore needs Bokeh: pip install 'geomot[explore]'")
