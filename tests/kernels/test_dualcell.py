"""The 3D cells' dual-form clipping (geomot._kernels.spatial.dualcell) against the face-list clipping."""
from collections import Counter

import numpy as np
import pytest

from geomot._kernels.spatial.cells import (
    _cut_faces,
    capacities,
    cell_work,
    clip_polyhedron,
    cut,
    polyhedron_moments,
)
from geomot._kernels.spatial.dualcell import clip, dual_start, load, to_faces
from geomot._kernels.spatial.status import BROKEN, OK, UNCHANGED

CUBE = dual_start(np.vstack([np.eye(3), -np.eye(3)]), np.full(6, 0.5), 2.0)
LATTICE = 0.1 * np.array([[i, j, k] for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1)
                          if (i, j, k) != (0, 0, 0)], float)


def _planes(seed):
    """A point ``y`` in the cube [-0.5, 0.5]^3 and the bisector planes of 40 points about it (every third seed: its
    26 lattice neighbours, whose planes meet four at a time at the cell's corners)."""
    rng = np.random.default_rng(seed)
    y = rng.random(3) - 0.5
    others = y + (LATTICE if seed % 3 == 0 else 0.1 * rng.standard_normal((40, 3)))
    return y, [(p - y, 0.5 * (p + y), 0.0) for p in others]


def _moments(P, nv, nf, y, n_labels):
    out, facets = np.zeros(5), np.zeros(n_labels)
    if nf >= 4:
        polyhedron_moments(P, nv, nf, y, out, facets)
    return out, facets


@pytest.mark.parametrize("seed", range(12))
def test_dual_clipping_gives_the_face_list_clipping_cell(seed):
    """The same planes, clipped in dual form and as face lists: the same volume, moments and facet areas; the
    dual cell's faces close up (every edge once each way), with no repeated vertex even where four planes meet."""
    y, planes = _planes(seed)
    work = cell_work(*capacities(CUBE, len(planes)))
    nt, n_planes = load(CUBE, work.dual)
    P, P2 = work.P, work.P2
    nv, nf = to_faces(work.dual, nt, n_planes, P)  # the same start as a face list
    Q, Q2 = P._replace(V=P.V.copy(), fptr=P.fptr.copy(), fidx=P.fidx.copy(), flab=P.flab.copy()), P2
    for label, (a, mid, b) in enumerate(planes):
        nt2, code = clip(work.dual, nt, n_planes, a, mid, b, label)
        assert code != BROKEN
        if code == 0:
            nt = n_planes = 0
        elif code != UNCHANGED:
            nt, n_planes = nt2, code
        nv2, nf2 = clip_polyhedron(Q, nv, nf, a, mid, b, label, Q2, work.clip)
        if nf2 != UNCHANGED:
            Q, Q2 = Q2, Q
            nv, nf = nv2, max(nf2, 0)
        if nt == 0:
            break
    dv, df = to_faces(work.dual, nt, n_planes, P) if nt else (0, 0)
    got, got_facets = _moments(P, dv, df, y, len(planes))
    want, want_facets = _moments(Q, nv, nf, y, len(planes))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)
    np.testing.assert_allclose(got_facets, want_facets, rtol=0, atol=1e-15)
    assert got[0] > 0
    edges = Counter()
    for f in range(df):
        ring = P.fidx[P.fptr[f]:P.fptr[f + 1]]
        assert len(set(ring.tolist())) == len(ring) >= 3
        edges.update(zip(ring, np.roll(ring, -1)))
    assert set(edges.values()) == {1} and all((v, u) in edges for u, v in edges)  # closed: each edge both ways
    assert len(np.unique(P.V[:dv], axis=0)) == dv  # coincident corners merged into one vertex


def test_a_cut_that_rounding_broke_is_refused_and_leaves_the_cell():
    """A cell whose vertices are not convex (two opposite corners moved out, as rounding could) cut so that only
    those two are outside: the boundary is two cycles, the clip says BROKEN and changes nothing."""
    work = cell_work(*capacities(CUBE, 4))
    nt, n_planes = load(CUBE, work.dual)
    pos = work.dual.pos
    far = [t for t in range(nt) if np.all(pos[t] < 0) or np.all(pos[t] > 0)]
    pos[far, 0] = 5.0
    before = pos[:nt].copy(), work.dual.tri[:nt].copy()
    assert clip(work.dual, nt, n_planes, np.array([1.0, 0, 0]), np.zeros(3), 1.0, 0)[1] == BROKEN
    np.testing.assert_array_equal(pos[:nt], before[0])
    np.testing.assert_array_equal(work.dual.tri[:nt], before[1])


@pytest.mark.parametrize("seed", [1, 3])
def test_the_face_list_fallback_takes_over_the_same_cell(seed):
    """Half the planes in dual form, then (as after a BROKEN cut) the rest as a face list: the cell of the dual
    form alone."""
    y, planes = _planes(seed)
    results = []
    for switch in (len(planes), len(planes) // 2):
        work = cell_work(*capacities(CUBE, len(planes)))
        nv, nf = load(CUBE, work.dual)
        dual = True
        for label, (a, mid, b) in enumerate(planes):
            if label == switch:  # what cut() does on BROKEN
                dual, nv, nf, code = _cut_faces(work.dual, work.P, work.P2, work.clip, True, nv, nf, a, mid, b, label)
                assert not dual and code in (OK, UNCHANGED)
            else:
                dual, nv, nf, code = cut(work.dual, work.P, work.P2, work.clip, dual, nv, nf, a, mid, b, label)
        if dual:
            nv, nf = to_faces(work.dual, nv, nf, work.P)
        results.append(_moments(work.P, nv, nf, y, len(planes)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=0, atol=1e-15)
