"""Exact Gaussian integrals over 3D power cells (geomot._kernels.spatial.gaussian) and the solver on them.

References are independent of the kernel: products of 1D normal integrals for
box cells (the normal CDF, erfc tails, ``quad`` where a difference would
cancel), the normal CDF and density for half-spaces and their facet,
``scipy.integrate.tplquad`` over tetrahedra, central finite differences of the
masses for the Hessian, a Monte Carlo sample of the Gaussian, and the
certificate of tests.cases.check_solution.
"""
import math

import numpy as np
import pytest
from scipy import integrate, special

import geomot as gm
from geomot._kernels.planar.gaussian import RADIUS
from geomot._kernels.spatial.gaussian import gaussian_cells_3d
from tests.cases import check_solution
from tests.measures.test_gaussian_exact import normal_interval, phi

MEAN = np.array([0.3, -0.2, 0.1])
STD = 1.3
SOURCE = gm.Gaussian(3, MEAN, STD)


def unit_vector(theta, psi):
    return np.array([math.cos(theta) * math.cos(psi), math.sin(theta) * math.cos(psi), math.sin(psi)])


def test_box_cells_are_products_of_normal_intervals():
    """Targets on a grid with Voronoi heights: the inner cells are boxes, the outer ones boxes cut by the
    support; each carries the product of its three normal intervals, and its mean the product's."""
    ticks = np.array([-2.0, -0.5, 0.0, 0.7, 3.0])
    y = MEAN + STD * np.stack(np.meshgrid(ticks, ticks + 0.1, ticks - 0.2, indexing="ij"), -1).reshape(-1, 3)
    pd = gm.PowerDiagram(y, -0.5 * (y ** 2).sum(axis=1), SOURCE)
    bary = pd.barycenters
    for i, (vertices, _, _) in enumerate(pd.polyhedra()):
        lo = (vertices.min(axis=0) - MEAN) / STD
        hi = (vertices.max(axis=0) - MEAN) / STD
        sides = [normal_interval(a, b) for a, b in zip(lo, hi)]
        assert pd.masses[i] == pytest.approx(np.prod(sides), rel=1e-12)
        centre = MEAN + STD * np.array([phi(a) - phi(b) for a, b in zip(lo, hi)]) / np.array(sides)
        np.testing.assert_allclose(bary[i], centre, rtol=1e-11, atol=1e-11)
    assert pd.masses.sum() == pytest.approx(1.0, abs=1e-13)


@pytest.mark.parametrize("t, theta, psi", [(0.0, 0.3, 0.2), (1.5, 1.0, -0.7), (5.0, 2.5, 1.1), (-2.0, 4.0, 0.4),
                                           (12.0, 0.0, 0.0), (25.0, 0.7, 0.6), (36.0, 5.0, -0.3)])
def test_half_spaces_carry_the_normal_cdf_and_their_facet_the_density(t, theta, psi):
    """Two targets split space by a plane at distance ``t`` std from the mean: the far cell carries
    ``Phi_c(t)`` (to relative precision, far in the tail), and the Hessian's off-diagonal entry is
    ``-rho(F) / |y_1 - y_0|`` with ``rho(F) = phi(t) / std`` (the plane's Gaussian measure)."""
    u = unit_vector(theta, psi)
    y = np.array([[0.0, 0.0, 0.0], 2.0 * u])
    h = np.array([0.0, -2.0 * (MEAN @ u + t * STD)])  # cell 1: <x, u> >= <mean, u> + t std
    pd = gm.PowerDiagram(y, h, SOURCE)
    far = special.ndtr(-t)
    assert pd.masses[1] == pytest.approx(far, rel=1e-12)
    assert pd.masses[0] == pytest.approx(special.ndtr(t), rel=1e-12)
    assert -pd.hessian().toarray()[0, 1] == pytest.approx(phi(t) / STD / 2.0, rel=1e-12)


def single_cells(tetrahedra):
    """The kernel's input for cells that are tetrahedra ``(4, 3)``, faces outward, one facet slot each."""
    n = len(tetrahedra)
    faces = []
    for p in tetrahedra:
        tet = []
        for a, b, c, d in ((0, 1, 2, 3), (0, 1, 3, 2), (0, 2, 3, 1), (1, 2, 3, 0)):
            outward = np.cross(p[b] - p[a], p[c] - p[a]) @ (p[a] - p[d]) > 0
            tet += [a, b, c] if outward else [a, c, b]
        faces.append(tet)
    vertices = np.vstack(tetrahedra).astype(float)
    fptr = np.tile(np.array([0, 3, 6, 9, 12], np.int64), n)
    fidx = np.concatenate(faces).astype(np.int64)
    flab = np.tile(np.array([-1, -1, -1, 1], np.int64), n)  # the last face: a facet towards "cell 1"
    vert_off = np.arange(0, 4 * n + 1, 4, dtype=np.int64)
    face_off = vert_off.copy()
    idx_off = np.arange(0, 12 * n + 1, 12, dtype=np.int64)
    indptr = np.arange(n + 1, dtype=np.int64)
    indices = np.ones(n, np.int64)
    return vertices, fptr, fidx, flab, vert_off, face_off, idx_off, indptr, indices


def tet_reference(p, f):
    """``int_T f`` over the tetrahedron ``p`` by tplquad on the unit simplex."""
    a, b, c = p[1] - p[0], p[2] - p[0], p[3] - p[0]
    jac = abs(np.linalg.det(np.array([a, b, c])))

    def integrand(r, t, s):
        return f(p[0] + s * a + t * b + r * c)

    return jac * integrate.tplquad(integrand, 0, 1, 0, lambda s: 1 - s, 0, lambda s, t: 1 - s - t,
                                   epsabs=0.0, epsrel=1e-13)[0]


def triangle_reference(p, f):
    a, b = p[1] - p[0], p[2] - p[0]
    area2 = np.linalg.norm(np.cross(a, b))
    return area2 * integrate.dblquad(lambda t, s: f(p[0] + s * a + t * b), 0, 1, 0, lambda s: 1 - s,
                                     epsabs=0.0, epsrel=1e-13)[0]


@pytest.mark.parametrize("centre, scale", [((0.2, -0.1, 0.3), 0.4), ((1.0, 2.0, -1.0), 1.5), ((0.0, 0.0, 0.0), 4.0),
                                           ((6.0, -3.0, 2.0), 0.3), ((6.0, -3.0, 2.0), 3.0), ((-14.0, 3.0, 1.0), 0.1),
                                           ((20.0, 15.0, 0.0), 2.0)])
def test_tetrahedra_against_tplquad(centre, scale):
    """Random tetrahedra, small (the local fan) and large (the divergence theorem), near and far in the
    tails: mass, first moments, the second moment about a site, and the facet of one face."""
    rng = np.random.default_rng(int(10 * scale))
    p = np.asarray(centre) + scale * rng.normal(size=(4, 3))
    site = p.mean(axis=0) + rng.normal(size=3)
    arrays = single_cells([p])
    vertices, fptr, fidx, flab, vert_off, face_off, idx_off, indptr, indices = arrays
    mean, std = np.array([0.1, 0.2, -0.1]), 0.9
    moments, facets = gaussian_cells_3d(vertices, fptr, fidx, flab, vert_off, face_off, idx_off, site[None],
                                        indptr, indices, mean, std, 1)
    z = (p - mean) / std
    near = np.min(np.linalg.norm(z, axis=1))
    scale_out = math.exp(0.5 * near * near)  # the references in the tail, scaled up to normal numbers

    def rho(x):
        d = (x - mean) / std
        return math.exp(-0.5 * d @ d + 0.5 * near * near) / (2 * math.pi) ** 1.5 / std ** 3

    mass = tet_reference(p, rho)
    assert moments[0, 0] * scale_out == pytest.approx(mass, rel=1e-12)
    for k in range(3):
        first = tet_reference(p, lambda x: x[k] * rho(x))
        assert moments[0, 1 + k] * scale_out == pytest.approx(first, rel=1e-11, abs=1e-12 * mass * np.abs(p).max())
    second = tet_reference(p, lambda x: ((x - site) ** 2).sum() * rho(x))
    assert moments[0, 4] * scale_out == pytest.approx(second, rel=1e-11)
    tri = p[fidx[9:12]]
    assert facets[0] * scale_out == pytest.approx(triangle_reference(tri, rho), rel=1e-12)


def test_masses_sum_to_one_and_match_a_monte_carlo_sample():
    y = MEAN + STD * np.random.default_rng(0).normal(size=(300, 3))
    pd = gm.PowerDiagram(y, np.random.default_rng(1).normal(size=300), SOURCE)
    assert pd.masses.sum() == pytest.approx(1.0, abs=1e-13)
    m = 2_000_000
    counts = np.bincount(pd.locate(SOURCE.sample(m, seed=1)), minlength=len(y)) / m
    keep = pd.masses > 0
    z = (counts[keep] - pd.masses[keep]) / np.sqrt(pd.masses[keep] * (1 - pd.masses[keep]) / m)
    assert np.abs(z).max() < 5.0
    assert counts[~keep].sum() == 0


def test_hessian_matches_finite_differences():
    y = MEAN + STD * np.random.default_rng(5).random((30, 3))
    res = gm.solve(SOURCE, y, tol=1e-10)
    hess = res.diagram.hessian().toarray()
    np.testing.assert_allclose(hess.sum(axis=1), 0.0, atol=1e-10 * np.abs(hess).max())
    eps = 1e-6
    for i in (0, 17):
        e = np.zeros(len(y))
        e[i] = eps
        fd = (gm.PowerDiagram(y, res.heights + e, SOURCE).masses
              - gm.PowerDiagram(y, res.heights - e, SOURCE).masses) / (2 * eps)
        np.testing.assert_allclose(fd, hess[:, i], atol=1e-6 * np.abs(hess[:, i]).max())


@pytest.mark.parametrize("problem", ["cube", "far"])
def test_solve_converges_and_certifies(problem):
    rng = np.random.default_rng(3)
    y = {"cube": MEAN + 3 * STD * (rng.random((200, 3)) - 0.5),
         "far": MEAN + STD * (0.1 * rng.random((100, 3)) + [12.0, -8.0, 5.0])}[problem]
    nu = np.full(len(y), 1 / len(y))
    res = gm.solve(SOURCE, y, tol=1e-9)
    check_solution(res, nu, 1e-9)


def test_gaussian_beyond_3d_is_refused_for_the_exact_solver():
    with pytest.raises(gm.GeomotError, match="monte-carlo"):
        gm.solve(gm.Gaussian(4), np.random.default_rng(0).random((10, 4)), method="newton")
    with pytest.raises(gm.GeomotError, match="2D or 3D only"):
        gm.PowerDiagram(np.zeros((2, 4)), np.zeros(2), gm.Gaussian(4))


def test_support_is_the_cube_of_radius_40_std():
    box = SOURCE.support
    np.testing.assert_allclose(box.lower, MEAN - RADIUS * STD)
    np.testing.assert_allclose(box.upper, MEAN + RADIUS * STD)
