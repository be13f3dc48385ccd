"""The Bokeh page of the explorer: linked views of one :class:`~geomot.explore.model.Explorer`.

Views: (1) the source domain with the power diagram (drag targets, click to
add, select and press Backspace or "remove" to delete; the weighted Delaunay
dual, barycentres and singular set as toggles); (2) the Brenier potential
``u_h``, with its section along a line (the upper envelope of the planes
``<x, y_i> + h_i`` the line crosses) and (3) its Legendre dual ``u_h^*``, the
lower hull of the lifted targets ``(y_i, -h_i)``, whose vertex ``i`` is cell
``W_i`` (hovering one lights up the other); (4) the Newton history. Every callback catches the
model's errors and shows them in the page.
"""
import colorsys
import logging

import numpy as np
from bokeh.events import ButtonClick
from bokeh.layouts import column, row
from bokeh.models import (Button, CheckboxGroup, ColorBar, ColumnDataSource, CustomJS, Div, HoverTool,
                          LinearColorMapper, PointDrawTool, Select, Slider, Span, Spinner, TapTool)
from bokeh.palettes import Inferno256, Viridis256
from bokeh.plotting import figure

from ..errors import GeometryError, GeomotError
from .model import DOMAINS, PRESETS, Explorer

TOGGLES = ["weighted Delaunay dual", "barycentres", "singular set"]
COLOURS = ["mass error", "target position"]
# log10 of the relative mass error |w_i - nu_i| / nu_i shown from 1e-12 (dark) to 1 and above (bright)
ERROR_RANGE = (-12.0, 0.0)

# hover on a cell (or a dual vertex) i lights up cell i, target i and dual vertex i in every view
_HIGHLIGHT = """
const i = cb_data.index.indices;
if (i.length == 0) { return; }
const k = i[0];
hp.data = {x: [pts.data.x[k]], y: [pts.data.y[k]]};
hc.data = {xs: [cells.data.xs[k]], ys: [cells.data.ys[k]]};
"""


def _error_colours(errors):
    t = (np.log10(np.maximum(np.abs(errors), 1e-300)) - ERROR_RANGE[0]) / (ERROR_RANGE[1] - ERROR_RANGE[0])
    return [Inferno256[k] for k in np.clip((t * 255).astype(int), 0, 255)]


def _target_colours(points):
    """One colour per target from its angle about the targets' centroid (clusters get distinct colours)."""
    d = points - points.mean(axis=0)
    hue = (np.arctan2(d[:, 1], d[:, 0]) / (2 * np.pi)) % 1.0
    r = np.linalg.norm(d, axis=1)
    light = 0.35 + 0.35 * r / max(r.max(), 1e-300)
    rgb = [colorsys.hls_to_rgb(a, b, 0.75) for a, b in zip(hue, light)]
    return ["#" + "".join(f"{int(255 * c):02x}" for c in colour) for colour in rgb]


class ExplorerPage:
    """The widgets, sources and callbacks of one browser session, on a Bokeh ``doc``.

    Parameters
    ----------
    doc : bokeh.document.Document
    model : Explorer, optional
        Default: 40 random targets in the unit square.
    """

    def __init__(self, doc, model=None):
        self.model = Explorer() if model is None else model
        self._busy = False
        self._build_sources()
        self._build_views()
        self._build_controls()
        self.refresh()
        doc.add_root(row(self.controls, column(row(self.source_fig, self.potential_fig, self.dual_fig),
                                               row(self.error_fig, self.step_fig, self.slice_fig)), name="explorer"))
        doc.title = "geomot explorer: semi-discrete optimal transport"

    # ------------------------------------------------------------------ construction
    def _build_sources(self):
        self.cells = ColumnDataSource({"xs": [], "ys": [], "fill": [], "error": [], "mass": [], "target": [],
                                       "index": []}, name="cells")
        self.points = ColumnDataSource({"x": [], "y": [], "weight": [], "row": [], "minus_h": []}, name="points")
        self.delaunay = ColumnDataSource({"xs": [], "ys": []}, name="delaunay")
        self.barycentres = ColumnDataSource({"x": [], "y": []}, name="barycentres")
        self.singular = ColumnDataSource({"xs": [], "ys": []}, name="singular")
        self.branch = ColumnDataSource({"x": [], "y": []}, name="branch")
        self.image = ColumnDataSource({"image": [], "x": [], "y": [], "dw": [], "dh": []}, name="potential")
        self.dual = ColumnDataSource({"xs": [], "ys": [], "value": []}, name="dual")
        self.history = ColumnDataSource({"iteration": [], "error": [], "step": []}, name="history")
        self.slice = ColumnDataSource({"t": [], "u": []}, name="slice")
        self.planes = ColumnDataSource({"xs": [], "ys": [], "index": []}, name="planes")
        self.hl_point = ColumnDataSource({"x": [], "y": []})
        self.hl_cell = ColumnDataSource({"xs": [], "ys": []})
        self.points.on_change("data", self._on_points)

    def _figure(self, title, **kw):
        return figure(title=title, width=420, height=420, match_aspect=True, tools="pan,wheel_zoom,reset,save", **kw)

    def _build_views(self):
        link = CustomJS(args={"pts": self.points, "cells": self.cells, "hp": self.hl_point, "hc": self.hl_cell},
                        code=_HIGHLIGHT)
        f = self.source_fig = self._figure("power cells W_i(h) in the source (drag, click to add)", name="source")
        cells = f.multi_polygons("xs", "ys", source=self.cells, fill_color="fill", line_color="white",
                                 line_width=0.6, fill_alpha=0.85)
        self.delaunay_r = f.multi_line("xs", "ys", source=self.delaunay, line_color="limegreen", line_width=0.8,
                                       visible=False)
        self.bary_r = f.scatter("x", "y", source=self.barycentres, marker="x", size=6, color="#1f77b4",
                                visible=False)
        self.sing_r = f.multi_line("xs", "ys", source=self.singular, line_color="crimson", line_width=3)
        self.branch_r = f.scatter("x", "y", source=self.branch, marker="star", size=16, fill_color="gold",
                                  line_color="black")
        self.domain_r = f.multi_line([], [], line_color="black", line_width=1.5)
        f.multi_polygons("xs", "ys", source=self.hl_cell, fill_alpha=0, line_color="cyan", line_width=3)
        pts = f.scatter("x", "y", source=self.points, size=7, fill_color="white", line_color="black")
        f.scatter("x", "y", source=self.hl_point, size=12, fill_alpha=0, line_color="cyan", line_width=3)
        # a new point arrives with row -1 (no previous row) and weight -1 (the default, 1)
        draw = PointDrawTool(renderers=[pts], add=True, drag=True, default_overrides={"row": -1, "weight": -1, "minus_h": 0})
        f.add_tools(draw, HoverTool(renderers=[cells], callback=link, tooltips=[
            ("cell", "@index"), ("mass w_i", "@mass{0.0000}"), ("target nu_i", "@target{0.0000}"),
            ("relative error", "@error{0.0e0}")]))
        f.toolbar.active_tap = draw
        f.toolbar.active_drag = draw
        f.add_layout(ColorBar(color_mapper=LinearColorMapper(Inferno256, low=ERROR_RANGE[0], high=ERROR_RANGE[1]),
                              title="log10 |w_i - nu_i| / nu_i", width=8), "right")

        g = self.potential_fig = self._figure("Brenier potential u_h(x) = max_i <x, y_i> + h_i",
                                              x_range=f.x_range, y_range=f.y_range)
        self.u_mapper = LinearColorMapper(Viridis256, nan_color=(0, 0, 0, 0))
        g.image("image", "x", "y", "dw", "dh", source=self.image, color_mapper=self.u_mapper)
        g.multi_polygons("xs", "ys", source=self.cells, fill_alpha=0, line_color="white", line_width=0.4,
                         line_alpha=0.6)
        g.multi_polygons("xs", "ys", source=self.hl_cell, fill_alpha=0, line_color="cyan", line_width=3)
        g.add_tools(HoverTool(tooltips=[("u_h", "@image{0.0000}")]))
        self.slice_line = Span(location=0.5, dimension="width", line_color="white", line_dash="dashed", line_width=2)
        g.add_layout(self.slice_line)
        g.add_layout(ColorBar(color_mapper=self.u_mapper, title="u_h", width=8), "right")

        d = self.dual_fig = self._figure("Legendre dual u_h*: lower hull of (y_i, -h_i)")
        self.dual_mapper = LinearColorMapper(Viridis256)
        d.patches("xs", "ys", source=self.dual, fill_color={"field": "value", "transform": self.dual_mapper},
                  line_color="white", line_width=0.5)
        vertices = d.scatter("x", "y", source=self.points, size=7, fill_color="white", line_color="black")
        d.scatter("x", "y", source=self.hl_point, size=12, fill_alpha=0, line_color="cyan", line_width=3)
        d.add_tools(TapTool(renderers=[vertices]), HoverTool(renderers=[vertices], callback=link, tooltips=[
            ("vertex", "$index"), ("-h_i", "@minus_h{0.0000}")]))
        d.add_layout(ColorBar(color_mapper=self.dual_mapper, title="u_h* = -h on vertices", width=8), "right")

        e = self.error_fig = figure(title="Newton: max relative mass error", width=420, height=230, y_axis_type="log",
                                    tools="save")
        e.line("iteration", "error", source=self.history)
        e.scatter("iteration", "error", source=self.history, size=6)
        e.xaxis.axis_label = "iteration"
        s = self.step_fig = figure(title="Newton: step length alpha (KMT damping)", width=420, height=230,
                                   y_range=(0, 1.05), tools="save")
        s.vbar("iteration", 0.6, "step", source=self.history)
        s.xaxis.axis_label = "iteration"
        c = self.slice_fig = figure(title="u_h on the dashed line = the max of the planes", width=420,
                                    height=230, tools="save")
        c.multi_line("xs", "ys", source=self.planes, line_color="gray", line_alpha=0.5, line_width=0.8)
        c.line("t", "u", source=self.slice, line_color="black", line_width=3)
        c.add_tools(HoverTool(tooltips=[("plane of target", "@index")], renderers=c.renderers[:1]))
        c.xaxis.axis_label = "x_1"

    def _build_controls(self):
        self.domain_select = Select(title="source domain", value=self.model.domain_name, options=list(DOMAINS))
        self.preset_select = Select(title="preset", value="random", options=list(PRESETS))
        self.n_spinner = Spinner(title="targets in a preset", low=1, high=2000, step=50, value=500, width=150)
        self.load_button = Button(label="load preset", button_type="primary", name="load")
        self.toggles = CheckboxGroup(labels=TOGGLES, active=[2])
        self.colour_select = Select(title="colour cells by", value=COLOURS[0], options=COLOURS)
        self.mass_slider = Slider(title="mass weight of the selected targets", start=0.1, end=5, step=0.1, value=1)
        self.slice_slider = Slider(title="height x_2 of the dashed line", start=0, end=1, step=0.01, value=0.5)
        self.slice_slider.on_change("value", lambda attr, old, new: self._draw_slice())
        self.remove_button = Button(label="remove selected targets", name="remove")
        self.step_button = Button(label="Newton step", button_type="success", name="step")
        self.solve_button = Button(label="solve", button_type="success", name="solve")
        self.reset_button = Button(label="reset (Voronoi)", button_type="warning", name="reset")
        self.status = Div(text="", width=300, name="status")
        self.error = Div(text="", width=300, name="error", styles={"color": "crimson"})
        self.domain_select.on_change("value", self._on_domain)
        self.load_button.on_event(ButtonClick, lambda event: self._act(
            self.model.preset, self.preset_select.value, self.n_spinner.value))
        self.toggles.on_change("active", lambda attr, old, new: self._act(lambda: None))
        self.colour_select.on_change("value", lambda attr, old, new: self._act(lambda: None))
        self.mass_slider.on_change("value_throttled", lambda attr, old, new: self._act(self._set_mass, new))
        self.remove_button.on_event(ButtonClick, lambda event: self._act(self._remove))
        self.step_button.on_event(ButtonClick, lambda event: self._act(self.model.step))
        self.solve_button.on_event(ButtonClick, lambda event: self._act(self.model.solve))
        self.reset_button.on_event(ButtonClick, lambda event: self._act(self.model.reset))
        help_text = Div(text="<b>geomot explorer</b><br>Drag a target; click on empty space to add one; "
                             "click one and press Backspace (or <i>remove</i>) to delete it. Hover a cell or a "
                             "dual vertex to see its partner.", width=300)
        self.controls = column(help_text, self.domain_select, self.preset_select, self.n_spinner, self.load_button,
                               self.toggles, self.colour_select, self.mass_slider, self.slice_slider,
                               self.remove_button,
                               row(self.step_button, self.solve_button), self.reset_button, self.status, self.error,
                               width=320)

    # ------------------------------------------------------------------ callbacks
    def _act(self, action, *args):
        """Run a model action and redraw; its error is shown in the page and the last good state kept.

        Bad input (:class:`GeomotError`) is the user's to fix; a :class:`GeometryError`
        or any other exception is a failure of the code: shown too (never a dead page),
        and logged with its traceback by the server.
        """
        try:
            action(*args)
            self.error.text = ""
        except GeomotError as exc:
            self.error.text = f"Not done: {exc}"
        except Exception as exc:  # the page's boundary: a failure must not leave a dead page
            logging.getLogger(__name__).exception("explorer action failed")
            kind = "geometry failure" if isinstance(exc, GeometryError) else f"internal error ({type(exc).__name__})"
            self.error.text = f"Not done, {kind}: {exc}. Reset or reload the page; please report it."
        self.refresh()  # the model's state: the new one, or the last good one

    def _on_domain(self, attr, old, new):
        if new != self.model.domain_name:  # not the redraw showing a preset's domain
            self._act(self.model.set_domain, new)

    def _on_points(self, attr, old, new):
        if self._busy:
            return
        data = self.points.data
        rows = np.asarray(data["row"], dtype=np.int64)
        weights = np.asarray(data["weight"], dtype=float)
        self._act(self.model.set_points, np.column_stack([data["x"], data["y"]]), rows,
                  np.where(rows < 0, 1.0, weights))

    def _selected(self):
        return np.asarray(self.points.selected.indices, dtype=np.int64)

    def _set_mass(self, value):
        chosen = self._selected()
        if len(chosen) == 0:
            raise GeomotError("select targets first (click one, or tap a dual vertex) to set their mass weight")
        w = self.model.weights.copy()
        w[chosen] = value
        self.model.set_weights(w)

    def _remove(self):
        chosen = self._selected()
        if len(chosen) == 0:
            raise GeomotError("select targets first (click one) to remove them")
        keep = np.setdiff1d(np.arange(len(self.model.points)), chosen)
        if len(keep) == 0:
            raise GeomotError("at least one target must stay")
        self.model.set_points(self.model.points[keep], keep)
        self.points.selected.indices = []

    # ------------------------------------------------------------------ drawing
    def refresh(self):
        """Redraw every view from the model."""
        m = self.model
        errors = m.errors
        xs, ys = m.cell_polygons()
        fill = _error_colours(errors) if self.colour_select.value == COLOURS[0] else _target_colours(m.points)
        self.cells.data = {"xs": xs, "ys": ys, "fill": fill, "error": errors, "mass": m.diagram.masses,
                           "target": m.masses, "index": np.arange(len(xs))}
        self._busy = True
        try:
            self.points.data = {"x": m.points[:, 0], "y": m.points[:, 1], "weight": m.weights,
                                "row": np.arange(len(m.points)), "minus_h": -m.heights}
        finally:
            self._busy = False
        if m.domain_name not in self.domain_select.options:
            self.domain_select.options = list(DOMAINS) + [m.domain_name]
        self.domain_select.value = m.domain_name
        on = {TOGGLES[k] for k in self.toggles.active}
        self.delaunay_r.visible = TOGGLES[0] in on
        self.bary_r.visible = TOGGLES[1] in on
        ex, ey = m.delaunay_edges() if TOGGLES[0] in on else ([], [])
        self.delaunay.data = {"xs": ex, "ys": ey}
        bary = m.diagram.barycenters[~m.diagram.empty] if TOGGLES[1] in on else np.zeros((0, 2))
        self.barycentres.data = {"x": bary[:, 0], "y": bary[:, 1]}
        sing = m.singular() if TOGGLES[2] in on else None
        segments = np.zeros((0, 2, 2)) if sing is None else sing.segments
        branch = np.zeros((0, 2)) if sing is None else sing.branch_points
        self.singular.data = {"xs": segments[:, :, 0].tolist(), "ys": segments[:, :, 1].tolist()}
        self.branch.data = {"x": branch[:, 0], "y": branch[:, 1]}
        rings = m.domain.outline()
        self.domain_r.data_source.data = {"xs": [r[:, 0] for r in rings], "ys": [r[:, 1] for r in rings]}
        u, _, (x0, y0, dw, dh) = m.potential_image()
        self.image.data = {"image": [u], "x": [x0], "y": [y0], "dw": [dw], "dh": [dh]}
        self.u_mapper.update(low=float(np.nanmin(u)), high=float(np.nanmax(u)))
        txs, tys, values = m.dual_triangles()
        self.dual.data = {"xs": txs, "ys": tys, "value": values}
        if len(values):
            self.dual_mapper.update(low=float(values.min()), high=float(values.max()) + 1e-12)
        self.history.data = {"iteration": [it.iteration for it in m.history],
                             "error": [max(it.max_rel_error, 1e-17) for it in m.history],
                             "step": [it.step for it in m.history]}
        self.hl_point.data = {"x": [], "y": []}
        self.hl_cell.data = {"xs": [], "ys": []}
        self._draw_slice()
        self.status.text = (f"<b>{len(m.points)} targets</b>, {int(m.diagram.empty.sum())} empty cells<br>"
                            f"max relative mass error {m.max_rel_error:.3g}<br>{m.message}")


    def _draw_slice(self):
        (_, y0), (_, y1) = self.model.domain.bounds
        self.slice_slider.update(start=float(y0), end=float(y1), step=float(y1 - y0) / 100)
        level = self.slice_slider.value
        if not y0 <= level <= y1:  # a new domain: the line to its middle (the slider's callback draws it)
            self.slice_slider.value = float(y0 + y1) / 2
            return
        t, u, planes, ends = self.model.slice(level)
        self.slice_line.location = level
        self.slice.data = {"t": t, "u": u}
        self.planes.data = {"xs": [[t[0], t[-1]]] * len(planes), "ys": ends.tolist(), "index": planes}


def build(doc):
    """The Bokeh application's entry point: one :class:`ExplorerPage` per browser session."""
    ExplorerPage(doc)


def make_server(port=5006, address="127.0.0.1"):
    """A Bokeh server of the explorer on ``address:port`` (BokehJS served by the server itself: works offline)."""
    from bokeh.application import Application
    from bokeh.application.handlers.function import FunctionHandler
    from bokeh.server.server import Server
    return Server({"/": Application(FunctionHandler(build))}, port=port, address=address,
                  allow_websocket_origin=[f"127.0.0.1:{port}", f"localhost:{port}"])
