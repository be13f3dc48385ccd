"""The class notebooks of docs/notebooks/ run top to bottom (nbclient), each in under a minute, and carry no outputs."""
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook tests need nbformat and nbclient (the test extra)")
nbclient = pytest.importorskip("nbclient", reason="the notebook tests need nbformat and nbclient (the test extra)")

FOLDER = Path(__file__).resolve().parents[2] / "docs" / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))


def test_there_are_the_three_class_notebooks():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03"]


# the kernel's own CPU time, printed by a cell appended to the notebook: a minute of work, whatever the load
CPU_TIME = "import resource; r = resource.getrusage(resource.RUSAGE_SELF); print('cpu', r.ru_utime + r.ru_stime)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_notebook_runs_top_to_bottom_in_under_a_minute(path):
    """Each takes 3-13 s here; the limits are a minute of the kernel's CPU, and of wall time per cell."""
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    nb.cells.append(nbformat.v4.new_code_cell(CPU_TIME))
    t = time.perf_counter()
    nbclient.NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(FOLDER)}}
                            ).execute()
    wall = time.perf_counter() - t
    cpu = float(nb.cells[-1].outputs[0]["text"].split()[1])
    assert cpu < 60 and wall < 300, (cpu, wall)
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "Error" not in text
