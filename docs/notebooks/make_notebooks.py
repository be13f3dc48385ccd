"""Write the class notebooks of docs/notebooks/ (without outputs) from the cells below.

    python docs/notebooks/make_notebooks.py

The notebooks are generated, not edited by hand: change a cell here and run
this script. The test suite executes each one top to bottom (nbclient).
"""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent

POWER_DIAGRAMS = [
    new_markdown_cell("""\
# 1. Power diagrams and the weighted Delaunay dual

Semi-discrete optimal transport sends a source measure `mu` (here uniform on the
unit square) to Diracs `y_1, ..., y_n` with masses `nu_i`. Its solution is
encoded in **heights** `h_i`: the source point `x` goes to the target whose plane
`<x, y_i> + h_i` is highest. The set where target `i` wins,

$$W_i(h) = \\{x \\in \\Omega : \\langle x, y_i\\rangle + h_i \\ge \\langle x, y_j\\rangle + h_j \\ \\forall j\\},$$

is a **power cell**. Writing `<x, y_i> + h_i = (|x|^2 - |x - y_i|^2 + psi_i) / 2` with
the power weight `psi_i = 2 h_i + |y_i|^2`, a cell is where the *power distance*
`|x - y_i|^2 - psi_i` is smallest: with all `psi_i` equal (`h_i = -|y_i|^2 / 2`) it is
the Voronoi diagram."""),
    new_code_cell("""\
import numpy as np
import matplotlib.pyplot as plt
import geomot as gm
import geomot.plot as gplot

source = gm.Uniform(gm.Box([0, 0], [1, 1]))
y = np.random.default_rng(1).random((12, 2))
voronoi = -0.5 * (y ** 2).sum(axis=1)
pd = gm.PowerDiagram(y, voronoi, source)
ax = gplot.power_diagram(pd, color_by="mass")
ax.set_title("Voronoi diagram: h_i = -|y_i|^2 / 2");"""),
    new_markdown_cell("""\
Raising one height `h_0` raises its plane everywhere: its cell grows and its
neighbours shrink. Cells stay convex polygons (intersections of half-planes),
but a target need not lie in its own cell, and a cell may be empty. Move the
slider (in a live notebook) to see it."""),
    new_code_cell("""\
from ipywidgets import FloatSlider, interact

def show(dh0=0.05):
    h = voronoi.copy()
    h[0] += dh0
    pd = gm.PowerDiagram(y, h, source)
    ax = gplot.power_diagram(pd, color_by="mass")
    ax.plot(*y[0], "r*", ms=15)
    ax.set_title(f"h_0 raised by {dh0:+.2f}: mass of W_0 = {pd.masses[0]:.3f}, {int(pd.empty.sum())} empty cells")
    plt.show()

interact(show, dh0=FloatSlider(value=0.05, min=-0.3, max=0.3, step=0.01));"""),
    new_markdown_cell("""\
## The weighted Delaunay triangulation

Lift each target to the point `(y_i, -h_i)` in 3D. The lower convex hull of the
lifted points projects to a triangulation of the targets: the **weighted
Delaunay triangulation** (regular triangulation). It is dual to the power
diagram: an edge `(i, j)` of the triangulation for every facet
`F_ij = W_i ∩ W_j`, a triangle for every vertex of the diagram. Below, the
lower hull is computed independently with `scipy.spatial.ConvexHull` and
compared to `pd.simplices`."""),
    new_code_cell("""\
from scipy.spatial import ConvexHull

h = voronoi + np.random.default_rng(2).normal(0, 0.02, len(y))
pd = gm.PowerDiagram(y, h, source)
hull = ConvexHull(np.column_stack([y, -h]))
lower = hull.simplices[hull.equations[:, 2] < 0]          # faces whose outer normal points down
same = {tuple(sorted(t)) for t in lower} == {tuple(sorted(t)) for t in pd.simplices}
print("lower hull of (y_i, -h_i) == weighted Delaunay triangles:", same)
gplot.weighted_delaunay(pd).set_title("cells (blue) and their dual triangulation (orange)");"""),
    new_markdown_cell("""\
Each Delaunay edge crosses its facet at a right angle (the facet lies on the
line `<x, y_i - y_j> = h_j - h_i`). Inside the domain, the neighbours of a cell
in the diagram are its neighbours in the triangulation; a triangulation edge
whose facet falls outside the domain has no facet in `pd.neighbors`."""),
    new_code_cell("""\
indptr, indices = pd.neighbors
facets = {tuple(sorted((i, j))) for i in range(len(y)) for j in indices[indptr[i]:indptr[i + 1]]}
edges = {tuple(sorted(e)) for t in pd.simplices for e in ((t[0], t[1]), (t[1], t[2]), (t[2], t[0]))}
print(f"{len(facets)} facets in the square, {len(edges)} Delaunay edges; every facet is an edge:", facets <= edges)
pairs, segments = pd.facets()
along, across = segments[:, 1] - segments[:, 0], y[pairs[:, 1]] - y[pairs[:, 0]]
cos = np.abs((along * across).sum(axis=1)) / np.linalg.norm(along, axis=1) / np.linalg.norm(across, axis=1)
print("largest |cos| between a facet and its Delaunay edge:", cos.max())"""),
    new_markdown_cell("""\
**Exercise.** Move a target outside the square (`y[3] = [1.4, 0.5]`): does it
still have a cell? Which heights make every cell non-empty? (Hint: the
solver's start, `gm.solve(..., maxiter=0)`, is one answer.)"""),
]

BRENIER_NEWTON = [
    new_markdown_cell("""\
# 2. The Brenier potential, Legendre duality and Newton's method

The heights define the **Brenier potential**

$$u_h(x) = \\max_i \\; \\langle x, y_i \\rangle + h_i ,$$

a convex, piecewise linear function whose pieces are the power cells, and whose
gradient `T(x) = y_i` on `W_i` is the transport map. Its **Legendre dual**
`u_h^*(y) = sup_x <x, y> - u_h(x)` is the lower convex hull of the lifted
targets `(y_i, -h_i)`: on a target with a non-empty cell, `u_h^*(y_i) = -h_i`."""),
    new_code_cell("""\
import numpy as np
import matplotlib.pyplot as plt
import geomot as gm
import geomot.plot as gplot

source = gm.Uniform(gm.Box([0, 0], [1, 1]))
y = np.random.default_rng(4).random((30, 2))
res = gm.solve(source, y)
fig = plt.figure(figsize=(12, 5))
gplot.brenier_potential(res, ax=fig.add_subplot(1, 2, 1, projection="3d")).set_title("u_h: the cells lifted")
gplot.legendre_dual(res, ax=fig.add_subplot(1, 2, 2, projection="3d")).set_title("u_h*: lower hull of (y_i, -h_i)");"""),
    new_markdown_cell("""\
A check of the duality on a grid of the square. Since `u_h(x) >= <x, y_i> + h_i`
everywhere, with equality exactly on `W_i`, the Legendre transform
`max_x <x, y_i> - u_h(x)` is `-h_i`, attained on the whole cell: any grid
point inside `W_i` gives it to rounding."""),
    new_code_cell("""\
g = np.linspace(0, 1, 401)
x = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
u = res.potential(x)
dual = (x @ y.T - u[:, None]).max(axis=0)
print("max |dual(y_i) - (-h_i)| on a 401 x 401 grid:", np.abs(dual + res.heights).max())"""),
    new_markdown_cell("""\
## Newton's method

The heights solve `mu(W_i(h)) = nu_i`. This is the gradient of a concave energy
(Kantorovich's dual), `dE/dh_i = nu_i - mu(W_i(h))`, whose Hessian is a graph
Laplacian on the weighted Delaunay edges:

$$\\frac{\\partial\\, \\mu(W_i)}{\\partial h_j} = -\\frac{\\mu(F_{ij})}{|y_i - y_j|} \\quad (i \\ne j), \\qquad
H_{ii} = -\\sum_{j \\ne i} H_{ij}.$$

Below, the Hessian is checked against finite differences of the masses."""),
    new_code_cell("""\
pd = res.diagram
H = pd.hessian().toarray()
eps, j = 1e-6, 5
e = np.zeros(len(y)); e[j] = eps
fd = (gm.PowerDiagram(y, res.heights + e, source).masses - gm.PowerDiagram(y, res.heights - e, source).masses) / (2 * eps)
print("column", j, "of H vs finite differences:", np.abs(H[:, j] - fd).max())
print("rows sum to 0:", np.abs(H.sum(axis=1)).max() < 1e-12)"""),
    new_markdown_cell("""\
The damped Newton method of Kitagawa, Mérigot and Thibert solves
`H d = nu - w(h)` and takes the longest step `h + alpha d`, `alpha = 1, 1/2, ...`,
that keeps every cell's mass above `eps0 = min(min nu, min w(h0)) / 2` and
lowers the error by a factor `(1 - alpha / 2)`. Far from the solution the steps
are damped; near it they are full and the error falls quadratically. The
`callback` receives every iterate."""),
    new_code_cell("""\
y = np.random.default_rng(5).random((200, 2)) * 0.4 + 0.3   # targets bunched in the middle: a hard start
iterates = []
res = gm.solve(source, y, callback=lambda info: iterates.append(info))
for info in iterates:
    print(f"iteration {info.iteration}: error {info.max_rel_error:.2e}, step {info.step:g}")
gplot.newton_history(res);"""),
    new_code_cell("""\
from ipywidgets import IntSlider, interact

def show(k=1):
    info = iterates[k]
    pd = gm.PowerDiagram(y, info.heights, source)
    ax = gplot.power_diagram(pd, color_by="error", target_masses=res.target_masses, show_points=False)
    ax.set_title(f"iteration {k}: max relative mass error {info.max_rel_error:.1e}")
    plt.show()

interact(show, k=IntSlider(value=1, min=0, max=len(iterates) - 1));"""),
    new_markdown_cell("""\
**Exercises.** (1) Run one step at a time with
`gm.solve(source, y, heights0=h, maxiter=1)` and compare with the iterates
above (the line search's floor `eps0` is set at each call's start). (2) Try
`python -m geomot.explore`: the "Newton step" button does exactly (1)."""),
]

SINGULAR = [
    new_markdown_cell("""\
# 3. Singular sets, and why generators that learn continuous maps collapse modes

When the target has several components (or a hole) but the source is
connected, the optimal map `T = grad u_h` must **jump**: source points on either
side of a curve `Sigma_1` go to different components. There `u_h` has a ridge
(a kink between faces whose targets are far apart). `gm.singular_set` finds
the facets `F_ij` whose targets jump by much more than the local spacing of
the targets, chains them into curves, and marks the points `Sigma_2` where
three or more meet."""),
    new_code_cell("""\
import numpy as np
import matplotlib.pyplot as plt
import shapely
import geomot as gm
import geomot.plot as gplot

two = shapely.union_all([shapely.Point(0.25, 0.3).buffer(0.18), shapely.Point(0.72, 0.7).buffer(0.18)])
y = gm.Uniform(gm.Polygon(two)).sample(800, seed=0)
res = gm.solve(gm.Box([0, 0], [1, 1]), y)
sing = gm.singular_set(res)
ax_s, ax_t = gplot.transport_map(res, sing=sing)
ax_s.legend(loc="lower right")
print(f"{len(sing.curves)} curve(s), longest {sing.lengths[0]:.2f}; jumps across it up to {sing.jumps.max():.2f}")"""),
    new_markdown_cell("""\
Three components give three curves meeting at a branch point (the paper's
Fig. 5); `python -m geomot.explore` has these configurations as presets."""),
    new_code_cell("""\
angles = np.pi / 2 + 2 * np.pi / 3 * np.arange(3)
three = shapely.union_all([shapely.Point(0.5 + 0.32 * np.cos(a), 0.5 + 0.32 * np.sin(a)).buffer(0.16) for a in angles])
res3 = gm.solve(gm.Box([0, 0], [1, 1]), gm.Uniform(gm.Polygon(three)).sample(800, seed=1))
sing3 = gm.singular_set(res3)
gplot.transport_map(res3, sing=sing3)[0].legend(loc="lower right")
print(len(sing3.curves), "curves;", len(sing3.branch_points), "branch point(s) at", sing3.branch_points.round(2))"""),
    new_markdown_cell("""\
## Mode collapse

A generator `G: latent -> data` learnt by a neural network is a **continuous**
map. The image of a connected latent space (a square, a Gaussian) by a
continuous map is connected, so a generator aimed at a target with two
components must either put mass **between** them (samples that look like
neither) or leave one out (mode collapse). The OT map is not continuous: it
jumps across `Sigma_1`, and puts nothing in the gap.

Below, a smooth regression (kernel ridge, RBF kernel) learns the OT map from
its samples: the best continuous fit to `T`. Its samples land in the gap."""),
    new_code_cell("""\
from sklearn.kernel_ridge import KernelRidge

x_train = gm.Uniform(gm.Box([0, 0], [1, 1])).sample(2000, seed=2)
smooth = KernelRidge(kernel="rbf", gamma=40.0, alpha=1e-3).fit(x_train, res.transport(x_train))
x = gm.Uniform(gm.Box([0, 0], [1, 1])).sample(4000, seed=3)
ot, fit = res.transport(x), smooth.predict(x)
gap = lambda p: ~shapely.contains_xy(two.buffer(0.03), p[:, 0], p[:, 1])
print(f"outside the target: OT map {gap(ot).mean():.1%}, continuous fit {gap(fit).mean():.1%}")
fig, axes = plt.subplots(1, 2, figsize=(11, 5), sharex=True, sharey=True)
for ax, p, name in zip(axes, (ot, fit), ("OT map (jumps across Sigma_1)", "a continuous fit of it")):
    ax.scatter(p[:, 0], p[:, 1], s=2, c=np.where(gap(p), "crimson", "tab:blue"))
    ax.set_aspect("equal"); ax.set_title(name)"""),
    new_markdown_cell("""\
The continuous fit's bad samples come from the source points near `Sigma_1`,
where it must cross the gap. AE-OT (and `gm.OTGenerator`) avoid it by
generating with the semi-discrete OT map itself, which is discontinuous by
construction; its singular set tells where it jumps. `docs/mode_collapse.md`
has the 25-mode benchmark.

**Exercise.** Lower `gamma` (a smoother fit): how does the fraction outside the
target change? Which source points are sent into the gap?"""),
]

NOTEBOOKS = {
    "01_power_diagrams.ipynb": POWER_DIAGRAMS,
    "02_brenier_newton.ipynb": BRENIER_NEWTON,
    "03_singular_sets.ipynb": SINGULAR,
}


def main():
    for name, cells in NOTEBOOKS.items():
        nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                "language": "python"}})
        nbformat.write(nb, HERE / name)
        print("wrote", HERE / name)


if __name__ == "__main__":
    main()
