"""The served page: ``python -m geomot.explore`` on a free port, fetched over http://127.0.0.1, driven in Chromium.

The browser tests use a headless Chromium and its chromedriver from the system
(Debian: ``apt-get install chromium chromium-driver``; ``.ci/run`` installs
them) through selenium; they are skipped, saying so, where either is missing.
Screenshots go to ``$GEOMOT_EXPLORE_SHOTS`` when set (to look at them), else
to pytest's temporary folder.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import geomot

ROOT = Path(geomot.__file__).resolve().parents[1]
BROWSERS = ("chromium", "chromium-browser", "google-chrome")

# the view of a model (by name) in the page, found from Bokeh's view index
FIND_VIEW = """
const m = Bokeh.documents[0].get_model_by_name(arguments[0]);
for (const r of Bokeh.index.roots) { for (const v of r.owner.query(() => true)) { if (v.model === m) return v; } }
return null;
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def url():
    port = free_port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-m", "geomot.explore", "--port", str(port), "--no-browser"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    address = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(address, timeout=5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the explorer did not start: {proc.stdout.read()}")
                time.sleep(0.2)
        yield address
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_page_is_served_and_needs_nothing_from_outside(url):
    t = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        html = response.read().decode()
    assert response.status == 200 and time.perf_counter() - t < 10
    assert "geomot explorer" in html and "/static/js/bokeh.min.js" in html
    assert "https://" not in html and "http://" not in html.replace(url.rstrip("/"), "")  # BokehJS from the server


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="browser tests need selenium (the test extra)")
    binary = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    driver = shutil.which("chromedriver")
    if binary is None or driver is None:
        pytest.skip("no headless browser: install Chromium and its driver "
                    "(Debian: apt-get install chromium chromium-driver) to run the explorer's browser tests")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1750,1000"):
        options.add_argument(arg)
    d = webdriver.Chrome(service=webdriver.ChromeService(driver), options=options)
    yield d
    d.quit()


def shot(driver, tmp_path, name):
    folder = Path(os.environ.get("GEOMOT_EXPLORE_SHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(folder / name))


def wait(driver, script, check, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script)
        if check(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"the page did not update: {value!r}")
        time.sleep(0.05)


def source_pixel(driver, x, y):
    """Viewport pixel of the data point (x, y) in the source view."""
    return driver.execute_script(
        "const v = (function () {" + FIND_VIEW + "}).apply(null, arguments); const r = v.canvas_view.el.getBoundingClientRect();"
        "return [r.left + v.frame.x_scale.compute(arguments[1]), r.top + v.frame.y_scale.compute(arguments[2])];",
        "source", x, y)


def click_button(driver, name):
    driver.execute_script("const v = (function () {" + FIND_VIEW + "}).apply(null, arguments); v.shadow_el.querySelector('button').click();",
                          name)


N_POINTS = "return Bokeh.documents[0].get_model_by_name('points').data.x.length"
N_CELLS = "return Bokeh.documents[0].get_model_by_name('cells').data.xs.length"
STATUS = "return Bokeh.documents[0].get_model_by_name('status').text"
CELL0 = "return Array.from(Bokeh.documents[0].get_model_by_name('cells').data.xs[0][0][0]).slice(0, 4)"


def test_clicking_and_dragging_in_chromium_change_the_diagram(url, browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    t = time.perf_counter()
    browser.get(url)
    n = wait(browser, "try { return " + N_POINTS.removeprefix("return ") + "; } catch (e) { return -1; }",
             lambda v: v > 0, timeout=60)
    load = time.perf_counter() - t
    shot(browser, tmp_path, "explorer_start.png")

    def pointer(steps):
        chain = ActionChains(browser)
        actions = ActionBuilder(browser)
        for kind, *where in steps:
            if kind == "move":
                actions.pointer_action.move_to_location(round(where[0]), round(where[1]))
            else:
                getattr(actions.pointer_action, kind)()
        chain.w3c_actions = actions
        chain.perform()

    # a click on empty space adds a target: the server sends back one more cell
    points = browser.execute_script("const d = Bokeh.documents[0].get_model_by_name('points').data;"
                                    "return [Array.from(d.x), Array.from(d.y)]")
    spot = min(((a / 20, b / 20) for a in range(2, 19) for b in range(2, 19)),
               key=lambda p: -min((p[0] - x) ** 2 + (p[1] - y) ** 2 for x, y in zip(*points)))
    pointer([("move", *source_pixel(browser, *spot)), ("click",)])
    wait(browser, STATUS, lambda v: f"{n + 1} targets" in v)  # the status is the last thing a redraw sends
    assert browser.execute_script(N_POINTS) == n + 1 and browser.execute_script(N_CELLS) == n + 1

    # dragging target 0 moves its cell
    before = browser.execute_script(CELL0)
    x0, y0 = points[0][0], points[1][0]
    start = source_pixel(browser, x0, y0)
    end = source_pixel(browser, 0.1 + 0.8 * (1 - x0), 0.1 + 0.8 * (1 - y0))  # across the square
    time.sleep(1.0)  # a press soon after the click would be taken as a double tap
    # small moves: Bokeh starts a pan (the PointDrawTool's drag) only on a gradual move
    pointer([("move", *start), ("pointer_down",)] + [("move", start[0] + (end[0] - start[0]) * k / 20,
                                                      start[1] + (end[1] - start[1]) * k / 20) for k in range(1, 21)]
            + [("pointer_up",)])
    wait(browser, CELL0, lambda v: v != before)
    shot(browser, tmp_path, "explorer_moved.png")

    # a target dropped onto another: the page says so and shows the last good state
    browser.execute_script("const s = Bokeh.documents[0].get_model_by_name('points');"
                           "const x = Array.from(s.data.x), y = Array.from(s.data.y);"
                           "x[1] = x[2]; y[1] = y[2]; s.data = {...s.data, x: x, y: y};")
    wait(browser, "return Bokeh.documents[0].get_model_by_name('error').text", lambda v: "coincide" in v)
    wait(browser, "const d = Bokeh.documents[0].get_model_by_name('points').data; return d.x[1] != d.x[2]", bool)
    shot(browser, tmp_path, "explorer_refused.png")

    # Newton: the step button adds one iteration to the history, solve converges
    click_button(browser, "step")
    wait(browser, "return Bokeh.documents[0].get_model_by_name('history').data.iteration.length", lambda v: v >= 2)
    click_button(browser, "solve")
    wait(browser, STATUS, lambda v: "converged" in v)
    assert browser.execute_script("return Bokeh.documents[0].get_model_by_name('error').text") == ""
    shot(browser, tmp_path, "explorer_solved.png")
    assert load < 30
