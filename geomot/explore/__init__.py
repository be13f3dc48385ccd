"""The interactive teaching page: ``python -m geomot.explore`` (needs the ``explore`` extra, Bokeh)."""
