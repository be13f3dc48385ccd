"""The Bokeh page driven through Bokeh's document API: the Python callbacks a browser would trigger."""
import numpy as np
from bokeh.document import Document
from bokeh.events import ButtonClick

import geomot as gm
from geomot.explore.app import ExplorerPage
from geomot.explore.model import Explorer


def page():
    doc = Document()
    return doc, ExplorerPage(doc, Explorer("square", n=20, seed=3))


def move(p, k, x, y):
    data = dict(p.points.data)
    data["x"], data["y"] = list(data["x"]), list(data["y"])
    data["x"][k], data["y"][k] = x, y
    p.points.data = data


def click(button):
    button._trigger_event(ButtonClick(button))


def test_the_document_holds_the_named_sources():
    doc, _ = page()
    for name in ("cells", "points", "delaunay", "potential", "dual", "history", "status", "error"):
        assert doc.get_model_by_name(name) is not None, name
    assert len(doc.get_model_by_name("cells").data["xs"]) == 20


def test_moving_a_point_changes_the_diagram():
    _, p = page()
    before = p.cells.data["xs"][5][0][0]  # cell 5, its one part, its exterior ring
    move(p, 5, 0.5, 0.5)
    after = p.cells.data["xs"][5][0][0]
    assert p.error.text == "" and p.model.points[5].tolist() == [0.5, 0.5]
    assert len(before) != len(after) or not np.allclose(before, after)
    assert p.model.diagram.locate(np.array([[0.5, 0.5]]))[0] == 5


def test_a_point_dragged_onto_another_is_shown_in_the_page_and_undone():
    _, p = page()
    x, y = p.points.data["x"][2], p.points.data["y"][2]
    move(p, 1, x, y)
    assert "coincide" in p.error.text
    assert p.points.data["x"][1] != x and len(p.cells.data["xs"]) == 20  # the page shows the last good state
    move(p, 1, 0.3, 0.3)
    assert p.error.text == ""


def test_adding_and_removing_points():
    _, p = page()
    data = {k: list(v) for k, v in p.points.data.items()}
    for k, v in (("x", 0.42), ("y", 0.58), ("weight", -1), ("row", -1), ("minus_h", -1)):
        data[k].append(v)  # what PointDrawTool sends for a click on empty space (empty_value=-1)
    p.points.data = data
    assert len(p.cells.data["xs"]) == 21 and p.model.weights[-1] == 1
    p.points.selected.indices = [0, 20]
    click(p.remove_button)
    assert len(p.model.points) == 19 and len(p.points.data["x"]) == 19
    click(p.remove_button)
    assert "select targets first" in p.error.text


def test_a_point_deleted_by_the_draw_tool_keeps_the_others_heights():
    _, p = page()
    click(p.solve_button)
    h = p.model.heights.copy()
    p.points.data = {k: [v for i, v in enumerate(col) if i != 3] for k, col in p.points.data.items()}  # Backspace
    keep = np.r_[0:3, 4:20]
    assert len(p.model.points) == 19 and list(p.points.data["row"]) == list(range(19))
    np.testing.assert_allclose(np.diff(p.model.heights), np.diff(h[keep]), atol=1e-12)


def test_a_failure_inside_an_action_is_shown_and_the_page_lives():
    _, p = page()

    def broken():
        raise gm.GeometryError("Qhull failed")
    p._act(broken)
    assert "geometry failure: Qhull failed" in p.error.text and len(p.cells.data["xs"]) == 20
    click(p.step_button)
    assert p.error.text == "" and len(p.history.data["iteration"]) == 2


def test_step_solve_reset_and_the_history():
    _, p = page()
    click(p.step_button)
    assert len(p.history.data["iteration"]) == 2 and p.history.data["error"][1] < p.history.data["error"][0]
    click(p.solve_button)
    assert p.model.result.converged and "converged" in p.status.text
    click(p.reset_button)
    assert len(p.history.data["iteration"]) == 1


def test_masses_toggles_presets_and_domains():
    _, p = page()
    p.points.selected.indices = [4]
    p.mass_slider.trigger("value_throttled", 1.0, 3.0)  # the browser sets it when the slider is let go
    assert p.model.weights[4] == 3.0 and p.cells.data["target"][4] == 3 / 22
    p.toggles.active = [0, 1, 2]
    assert len(p.delaunay.data["xs"]) > 20 and len(p.barycentres.data["x"]) == 20
    p.preset_select.value = "Fig. 5: three clusters"
    p.n_spinner.value = 800  # the branch point of the three arms shows from about n = 800
    click(p.load_button)
    click(p.solve_button)
    assert len(p.singular.data["xs"]) > 10 and len(p.branch.data["x"]) >= 1
    assert p.domain_select.value == "square"
    p.preset_select.value = "Fig. 10: rectangle to dumbbell"
    click(p.load_button)
    assert p.domain_select.value == "rectangle 1 x 0.6" and p.model.domain.bounds[1][1] == 0.6
    p.domain_select.value = "disk"
    assert len(p.model.history) == 1 and p.error.text == "" and p.model.domain_name == "disk"
    before = list(p.slice.data["u"])
    p.slice_slider.value = 0.2
    assert p.slice_line.location == 0.2 and list(p.slice.data["u"]) != before
    p.colour_select.value = "target position"
    assert len(set(p.cells.data["fill"])) > 10
