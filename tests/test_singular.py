"""Singular sets on configurations whose answer is known."""
import numpy as np
import pytest
import shapely

import geomot as gm
from geomot._polygons import polygon_areas
from geomot.singular import AngleRule, SpacingRule, near_singular_set, normal_angles

from .cases import demo

dumbbell, sample = demo("shapes").dumbbell, demo("shapes").sample

BOX = gm.Box([0, 0], [1, 1])


def two_mirrored_clusters(rng, n=300):
    left = rng.random((n, 2)) * [0.3, 1]
    return np.vstack([left, left * [-1, 1] + [1, 0]])


@pytest.mark.parametrize("seed", range(4))
def test_two_clusters_symmetric_about_a_line_give_one_curve_on_that_line(seed):
    y = two_mirrored_clusters(np.random.default_rng(seed))
    res = gm.solve(BOX, y)
    s = gm.singular_set(res)
    assert len(s.curves) == 1 and len(s.branch_points) == 0
    np.testing.assert_allclose(s.segments[..., 0], 0.5, atol=1e-9)
    curve = s.curves[0]
    assert {round(curve[0, 1], 9), round(curve[-1, 1], 9)} == {0.0, 1.0}  # crosses the whole square
    # it separates the clusters: every singular facet has one cell on each side
    left = s.pairs < 300
    assert (left[:, 0] != left[:, 1]).all()
    assert s.jumps.min() >= 0.4 - 1e-12  # the gap between the clusters


@pytest.mark.parametrize("kind", ["uniform", "grid", "disk sample"])
def test_convex_support_has_empty_singular_set(kind):
    rng = np.random.default_rng(1)
    if kind == "uniform":
        y = rng.random((600, 2))
    elif kind == "grid":
        y = np.stack(np.meshgrid(np.linspace(0.05, 0.95, 20), np.linspace(0.05, 0.95, 20)), -1).reshape(-1, 2)
    else:
        y = sample(shapely.Point(0.5, 0.5).buffer(0.4), 600, rng)
    s = gm.singular_set(gm.solve(BOX, y))
    assert len(s.pairs) == 0 and s.curves == [] and len(s.branch_points) == 0


@pytest.mark.parametrize("seed", range(3))
def test_dumbbell_target_gives_gamma1_and_gamma2(seed):
    # Fig. 10: Sigma_1 = gamma_1 (above the neck) ∪ gamma_2 (below), each from the boundary of the rectangle
    y = sample(dumbbell(), 1500, np.random.default_rng(seed)) * [1, 0.6]
    s = gm.singular_set(gm.solve(gm.Box([0, 0], [1, 0.6]), y))
    assert len(s.curves) == 2 and len(s.branch_points) == 0 and (np.diff(s.lengths) <= 0).all()
    top, bottom = sorted(s.curves, key=lambda c: -c[:, 1].mean())
    assert top[:, 1].max() == pytest.approx(0.6) and bottom[:, 1].min() == pytest.approx(0.0)
    assert top[:, 1].min() > 0.3 > bottom[:, 1].max()  # they stop at the neck, one on each side
    np.testing.assert_allclose(np.r_[top[:, 0], bottom[:, 0]], 0.5, atol=0.05)


ANNULUS = shapely.Point(0.5, 0.5).buffer(0.45).difference(shapely.Point(0.5, 0.5).buffer(0.22))


def three_blobs():
    corners = [(0.5 + 0.32 * np.cos(a), 0.5 + 0.32 * np.sin(a)) for a in np.pi / 2 + 2 * np.pi / 3 * np.arange(3)]
    return shapely.union_all([shapely.Point(c).buffer(0.16) for c in corners])


# seed 1 (since the samples are drawn in seeded blocks): the facets around x0 form one piece 3.5 sigma long,
# above the 3 sigma resolution, and come out as a short curve through the centre instead of a point (1 draw in 12
# of seeds 0-11); the rule that would merge it (2 x the scale for pieces covering a hole) breaks the dumbbell's curves
@pytest.mark.parametrize("seed", [0, pytest.param(1, marks=pytest.mark.xfail(
    strict=True, reason="a 3.5-sigma blur of the Sigma_2 point is kept as a curve")), 2])
def test_annulus_target_has_one_sigma2_point_at_its_centre_and_no_curve(seed):
    # Fig. 5 (left): the subgradient of x0 covers the hole; nothing else is singular
    s = gm.singular_set(gm.solve(BOX, sample(ANNULUS, 2400, np.random.default_rng(seed))))
    assert len(s.curves) == 0 and len(s.branch_points) == 1
    assert np.linalg.norm(s.branch_points[0] - 0.5) < 0.05
    assert s.branch_degree.tolist() == [0]  # an isolated point: no curve ends there
    assert len(s.pairs) > 0 and not s.fragment.all()


@pytest.mark.parametrize("seed", range(2))
def test_three_parts_give_three_curves_meeting_at_one_branch_point(seed):
    # Fig. 5 (right): gamma_1, gamma_2, gamma_3 from the boundary to x1, the centre by symmetry
    s = gm.singular_set(gm.solve(BOX, sample(three_blobs(), 2400, np.random.default_rng(seed))))
    assert len(s.curves) == 3 and len(s.branch_points) == 1 and s.branch_degree.tolist() == [3]
    assert np.linalg.norm(s.branch_points[0] - 0.5) < 0.05
    for curve in s.curves:  # each runs from x1 to the square's boundary
        ends = curve[[0, -1]]
        assert np.linalg.norm(ends - s.branch_points[0], axis=1).min() < 1e-9
        assert np.isclose(np.r_[ends.ravel(), 1 - ends.ravel()], 0, atol=1e-9).any()


def test_two_clusters_on_the_disk_give_one_curve_across_it():
    # Fig. 8: unit disk -> two disjoint disks: one chord, end to end
    y = (sample(demo("shapes").two_disks(), 3000, np.random.default_rng(8)) - 0.5) * 1.6
    s = gm.singular_set(gm.solve(gm.Disk([0, 0], 1), y))
    assert len(s.curves) == 1 and len(s.branch_points) == 0 and not s.fragment.any()
    ends = s.curves[0][[0, -1]]
    np.testing.assert_allclose(np.linalg.norm(ends, axis=1), 1.0, atol=1e-9)
    assert s.lengths[0] == pytest.approx(2.0, abs=0.05)  # the diameter x = 0, by symmetry


def test_summary_leaves_out_pieces_below_its_scale():
    y = sample(dumbbell(), 4000, np.random.default_rng(0)) * [1, 0.6]
    s = gm.singular_set(gm.solve(gm.Box([0, 0], [1, 0.6]), y))
    # the scale is 3 x the median source-side spacing of the cells on singular facets (cells of area 0.6 / 4000)
    cell = np.sqrt(0.6 / 4000)
    assert 3 * cell < s.scale < 3 * 2 * cell
    assert len(s.curves) == 2 and s.lengths.min() > s.scale
    dropped = s.segments[s.fragment]  # the staircase at the neck's corners
    assert len(dropped) > 0 and np.abs(dropped[..., 0] - 0.5).max() < 0.1
    # the curves are made of the other facets, end to end
    assert sum(len(c) - 1 for c in s.curves) == int((~s.fragment).sum())


def test_reprs_are_one_line_with_counts_and_lengths():
    s = gm.singular_set(gm.solve(BOX, two_mirrored_clusters(np.random.default_rng(0))))
    text = repr(s)
    assert "\n" not in text and "np." not in text and "array" not in text
    assert text == (f"SingularSet(spacing rule, threshold=5: {len(s.pairs)} facets, 1 curve (length 1), "
                    f"0 Sigma_2 points, scale={s.scale:.3g})")
    s3 = gm.singular_set(gm.solve(CUBE, two_slabs(np.random.default_rng(0), 300)))
    assert s3.surface_areas == pytest.approx([s3.total_area]) and 0.95 < s3.total_area <= 1
    assert repr(s3) == (f"SingularSet3D(spacing rule, threshold=4: {len(s3.pairs)} facets, "
                        f"1 surface (area {s3.total_area:.3g}), scale={s3.scale:.3g})")


def test_bad_inputs_name_the_parameter():
    y = two_mirrored_clusters(np.random.default_rng(3), 50)
    res = gm.solve(BOX, y)
    mc = gm.solve(BOX, y, method="monte-carlo", tol=0.5, seed=0)
    with pytest.raises(gm.GeomotError, match="Monte Carlo"):
        gm.singular_set(mc)
    gm.singular_set(gm.PowerDiagram(mc.points, mc.heights, mc.source))  # its diagram works
    for bad in (None, "res", y):
        with pytest.raises(gm.GeomotError, match="result must be an OTResult or a PowerDiagram"):
            gm.singular_set(bad)
    for t in (np.nan, "5", -1.0, 0, np.inf, True):
        with pytest.raises(gm.GeomotError, match="threshold"):
            gm.singular_set(res, threshold=t)
    with pytest.raises(gm.GeomotError, match="threshold must be a finite number > 0; got nan"):
        gm.singular_set(res, threshold=np.float64("nan"))
    for c in ("nope", None, 1):
        with pytest.raises(gm.GeomotError, match="criterion must be one of 'spacing', 'angle'"):
            gm.singular_set(res, criterion=c)
    with pytest.raises(gm.GeomotError, match="rule must be"):
        gm.singular_set(res, rule="spacing")
    with pytest.raises(TypeError):
        gm.singular_set(res, tresh=3.0)


def test_angle_criterion_and_bad_arguments():
    y = two_mirrored_clusters(np.random.default_rng(3), 100)
    res = gm.solve(BOX, y)
    s = gm.singular_set(res, threshold=0.2, criterion="angle")
    np.testing.assert_allclose(s.segments[..., 0], 0.5, atol=1e-9)
    a, b = y[s.pairs[:, 0]], y[s.pairs[:, 1]]
    cos = ((a * b).sum(1) + 1) / np.sqrt(((a * a).sum(1) + 1) * ((b * b).sum(1) + 1))
    np.testing.assert_allclose(np.cos(s.angles), cos)
    assert (s.angles > 0.2).all()
    with pytest.raises(gm.GeomotError, match="threshold"):
        gm.singular_set(res, criterion="angle")
    with pytest.raises(gm.GeomotError, match="criterion"):
        gm.singular_set(res, criterion="nope")


def test_spacing_rule_defaults_and_validation():
    assert gm.SpacingRule is SpacingRule and "SpacingRule" in gm.__all__
    assert SpacingRule.default(2) == SpacingRule(k=4, threshold=5.0)
    assert SpacingRule.default(3) == SpacingRule(k=8, threshold=4.0)
    for dim in (1, 4, 16, 300):  # the latent spaces keep k = 4, threshold 5 (measured: SpacingRule notes)
        assert SpacingRule.default(dim) == SpacingRule(k=4, threshold=5.0)
    assert SpacingRule.default(3, threshold=2) == SpacingRule(8, 2.0)
    assert SpacingRule(np.int64(6), 3).k == 6 and type(SpacingRule(np.int64(6), 3).k) is int
    for k in (0, -1, 2.5, True):
        with pytest.raises(gm.GeomotError, match="k must be"):
            SpacingRule(k=k)
    for t in (0, -1.0, np.inf, np.nan, "x"):
        with pytest.raises(gm.GeomotError, match="threshold"):
            SpacingRule(threshold=t)
        with pytest.raises(gm.GeomotError, match="threshold"):
            AngleRule(t)
    with pytest.raises(gm.GeomotError, match="dim"):
        SpacingRule.default(0)
    with pytest.raises(AttributeError):
        SpacingRule().k = 3  # frozen


def test_spacing_rule_on_known_spacings():
    # a unit grid: every 4th-nearest distance is 1 inside (4 neighbours at distance 1) ...
    g = np.stack(np.meshgrid(np.arange(6.0), np.arange(6.0)), -1).reshape(-1, 2)
    y = np.vstack([g, [[20.0, 20.0]]])
    bound = SpacingRule(4, 5.0).bind(y)
    inner = np.flatnonzero((g.min(1) > 0) & (g.max(1) < 5))
    np.testing.assert_allclose(bound.spacing[inner], 1.0)
    # ... and the far point's is its 4th distance to the grid corner region
    far = np.sort(np.linalg.norm(g - [20.0, 20.0], axis=1))[3]
    assert bound.spacing[-1] == pytest.approx(far)
    # jump 3 between inner points of spacing 1: singular at threshold 2.9, not at 3 (strict inequality)
    i, j = np.flatnonzero((g == [1, 1]).all(1)), np.flatnonzero((g == [1, 4]).all(1))
    assert bound.ratio(i, j)[0] == 3.0 and not bound.is_singular(i, j)[0]
    assert SpacingRule(4, 2.9).bind(y).is_singular(i, j)[0] and not SpacingRule(4, 3.0).bind(y).is_singular(i, j)[0]
    assert bound.is_singular(i, j, factor=0.5)[0] and not bound.is_singular(i, j, factor=0.6)[0]  # 3 > 2.5, 3 = 3
    # the far point is not singular against the grid at its own scale (its spacing is large)
    assert not bound.is_singular([len(y) - 1], inner[:1])[0]
    np.testing.assert_array_equal(SpacingRule().bind(y[:1]).spacing, [np.inf])


def test_singular_set_takes_the_rule_as_an_object():
    y = two_mirrored_clusters(np.random.default_rng(1))
    res = gm.solve(BOX, y)
    for rule, kw in [(SpacingRule(4, 5.0), {}), (SpacingRule(4, 3.0), {"threshold": 3.0}),
                     (AngleRule(0.2), {"threshold": 0.2, "criterion": "angle"})]:
        a, b = gm.singular_set(res, rule=rule), gm.singular_set(res, **kw)
        np.testing.assert_array_equal(a.pairs, b.pairs)
        assert len(a.pairs) > 0 and (a.criterion, a.threshold) == (b.criterion, b.threshold)
    # another k changes the answer through the rule only: k = 1 (nearest neighbour) shrinks s, flags more
    assert len(gm.singular_set(res, rule=SpacingRule(1, 3.0)).pairs) >= len(gm.singular_set(res, threshold=3.0).pairs)
    with pytest.raises(gm.GeomotError, match="not both"):
        gm.singular_set(res, threshold=3.0, rule=SpacingRule())
    with pytest.raises(gm.GeomotError, match="threshold"):
        gm.singular_set(res, threshold=-1.0)


def test_facets_match_facet_measures(domain_case):
    name, domain, _ = domain_case
    lo, hi = domain.bounds
    y = lo + (hi - lo) * np.random.default_rng(4).random((60, 2))
    pd = gm.PowerDiagram(y, -0.5 * (y ** 2).sum(1), domain)
    pairs, seg = pd.facets()
    assert (pairs[:, 0] < pairs[:, 1]).all()
    got = np.zeros((60, 60))
    np.add.at(got, (pairs[:, 0], pairs[:, 1]), np.linalg.norm(seg[:, 1] - seg[:, 0], axis=1))
    indptr, indices = pd.neighbors
    want = np.zeros((60, 60))
    want[np.repeat(np.arange(60), np.diff(indptr)), indices] = pd.facet_measures
    np.testing.assert_allclose(got + got.T, want, atol=1e-12)


# ---------------------------------------------------------------------------------------------- 3D
CUBE = gm.Uniform(gm.Box([0, 0, 0], [1, 1, 1]))


def two_slabs(rng, n=800, width=0.15):
    """Targets uniform in the slab [0, width] x [0, 1]^2 and its mirror image about x = 1/2."""
    left = rng.random((n, 3)) * [width, 1, 1]
    return np.vstack([left, left * [-1, 1, 1] + [1, 0, 0]])


@pytest.mark.parametrize("seed", range(2))
def test_3d_two_mirrored_clusters_are_separated_by_the_plane_x_half(seed):
    y = two_slabs(np.random.default_rng(seed))
    s = gm.singular_set(gm.solve(CUBE, y))
    assert isinstance(s, gm.SingularSet3D) and s.criterion == "spacing" and s.threshold == 4.0
    np.testing.assert_allclose(np.vstack(s.polygons)[:, 0], 0.5, atol=1e-9)
    assert s.total_area == pytest.approx(1.0, rel=1e-9)  # the whole cross-section of the cube
    left = s.pairs < 800
    assert (left[:, 0] != left[:, 1]).all()
    assert s.jumps.min() >= 0.7 - 1e-12 and (s.pairs[:, 0] < s.pairs[:, 1]).all()
    assert (s.component == 0).all() and s.surface_areas == pytest.approx([1.0], rel=1e-9)


def test_3d_three_slabs_give_two_surfaces():
    # slabs at x in [0, .05], [.475, .525], [.95, 1], equal numbers of targets: the cube splits at x = 1/3, 2/3
    rng = np.random.default_rng(9)
    y = np.vstack([rng.random((500, 3)) * [0.05, 1, 1] + [x0, 0, 0] for x0 in (0.0, 0.475, 0.95)])
    s = gm.singular_set(gm.solve(CUBE, y))
    assert len(s.surface_areas) == 2 and (s.component >= 0).all()
    assert s.surface_areas.sum() == pytest.approx(s.total_area)  # no fragment
    assert (s.surface_areas > 0.9).all() and (s.surface_areas <= 1).all()  # a few facets below threshold: holes
    planes = sorted(float(np.vstack([s.polygons[k] for k in np.flatnonzero(s.component == c)])[:, 0].mean())
                    for c in range(2))
    np.testing.assert_allclose(planes, [1 / 3, 2 / 3], atol=0.02)


def test_3d_on_a_ball_the_singular_facets_tile_the_equatorial_disk():
    ball = gm.Ball([0.5, 0.5, 0.5], 0.5)
    y = two_slabs(np.random.default_rng(4), 600)
    s = gm.singular_set(gm.solve(gm.Uniform(ball), y))
    assert s.total_area == pytest.approx(np.pi / 4, rel=1e-9)  # exact areas: the disk of radius 1/2
    v = np.vstack(s.polygons)
    np.testing.assert_allclose(v[:, 0], 0.5, atol=1e-9)
    assert (np.linalg.norm(v - 0.5, axis=1) <= 0.5 + 1e-12).all()  # cut by the sphere
    assert polygon_areas(s.polygons).sum() == pytest.approx(np.pi / 4, rel=0.01)  # arcs as 64-gons
    left = s.pairs < 600
    assert (left[:, 0] != left[:, 1]).all()


def test_3d_unequal_clusters_split_the_cube_where_the_masses_say():
    # 2/3 of the mass on the left: its cells fill {x < 2/3} (targets are uniform across y, z)
    y = two_slabs(np.random.default_rng(2))
    masses = np.r_[np.full(800, 2 / 3 / 800), np.full(800, 1 / 3 / 800)]
    res = gm.solve(CUBE, y, masses=masses)
    s = gm.singular_set(res)
    np.testing.assert_allclose(np.vstack(s.polygons)[:, 0], 2 / 3, atol=0.03)
    assert s.total_area == pytest.approx(1.0, rel=0.02)
    left = s.pairs < 800
    assert (left[:, 0] != left[:, 1]).all()
    # facet areas are those of the diagram
    pd = res.diagram
    indptr, indices = pd.neighbors
    key = np.repeat(np.arange(1600), np.diff(indptr)) * 1600 + indices
    at = np.searchsorted(key, s.pairs[:, 0] * 1600 + s.pairs[:, 1])
    np.testing.assert_allclose(s.areas, pd.facet_measures[at], rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("kind", ["cube", "ball", "grid"])
def test_3d_convex_support_has_no_singular_facet(kind):
    rng = np.random.default_rng(7)
    if kind == "cube":
        y = rng.random((3000, 3))
    elif kind == "ball":
        d = rng.normal(size=(3000, 3))
        y = 0.5 + 0.45 * np.cbrt(rng.random(3000))[:, None] * d / np.linalg.norm(d, axis=1)[:, None]
    else:
        g = np.linspace(0.05, 0.95, 12)
        y = np.stack(np.meshgrid(g, g, g), -1).reshape(-1, 3) + 1e-3 * rng.random((12 ** 3, 3))
    s = gm.singular_set(gm.solve(CUBE, y))
    assert len(s.pairs) == 0 and s.polygons == [] and s.total_area == 0.0 and len(s.surface_areas) == 0


def test_3d_angle_criterion_matches_normal_angles():
    y = two_slabs(np.random.default_rng(3), 300)
    res = gm.solve(CUBE, y)
    s = gm.singular_set(res, threshold=0.25, criterion="angle")
    pairs, _ = res.diagram.facets()
    want = pairs[normal_angles(y, pairs) > 0.25]
    np.testing.assert_array_equal(s.pairs, want)
    np.testing.assert_allclose(s.angles, normal_angles(y, s.pairs))
    assert len(s.pairs) > 0 and s.criterion == "angle" and s.threshold == 0.25
    with pytest.raises(gm.GeomotError, match="threshold"):
        gm.singular_set(res, criterion="angle")


def test_polygon_areas_of_known_polygons():
    square = np.array([[0, 0, 0], [2, 0, 0], [2, 0, 3], [0, 0, 3]], float)
    tri = np.array([[1, 1, 1], [2, 1, 1], [1, 2, 1]], float)
    np.testing.assert_allclose(polygon_areas([square, tri]), [6.0, 0.5])


def _near_by_numpy(res, s, x, width):
    """The definition of :func:`near_singular_set` in NumPy: the distance of ``x`` to the plane of a singular
    facet of its own cell, ``(f_i - f_j) / |y_i - y_j|``, ``f_k = <x, y_k> + h_k``, below ``width``."""
    f = x @ res.points.T + res.heights
    own = np.argmax(f, axis=1)
    near = np.zeros(len(x), bool)
    for i, j in np.r_[s.pairs, s.pairs[:, ::-1]]:
        mine = own == i
        gap = (f[mine, i] - f[mine, j]) / np.linalg.norm(res.points[i] - res.points[j])
        near[np.flatnonzero(mine)[gap < width]] = True
    return near


def test_near_singular_set_flags_the_slab_around_the_separating_plane():
    y = two_slabs(np.random.default_rng(5), 300)
    res = gm.solve(CUBE, y)
    s = gm.singular_set(res)
    x = np.random.default_rng(6).random((20000, 3))
    near = near_singular_set(res, s, x, 0.05)
    np.testing.assert_array_equal(near, _near_by_numpy(res, s, x, 0.05))
    # the singular facets lie on or about x = 1/2: every point within 0.05 of that plane whose own cell has a
    # singular facet is flagged (a point of a cell that does not reach the plane is not); a facet between cells
    # that are not mirror images is tilted, so points a little farther can be flagged too
    touches = np.isin(res.diagram.locate(x), s.pairs)
    slab = np.abs(x[:, 0] - 0.5) < 0.05
    assert not (slab & touches & ~near).any() and not (near & ~touches).any()
    assert near.sum() > 0.95 * slab.sum() and (np.abs(x[near, 0] - 0.5) < 0.06).all()
    # a 2D singular set works the same way
    y2 = two_mirrored_clusters(np.random.default_rng(0))
    res2 = gm.solve(BOX, y2)
    s2 = gm.singular_set(res2)
    x2 = np.random.default_rng(7).random((5000, 2))
    near2 = near_singular_set(res2, s2, x2, 0.02)
    np.testing.assert_array_equal(near2, _near_by_numpy(res2, s2, x2, 0.02))
    touches = np.isin(res2.diagram.locate(x2), s2.pairs)
    assert not ((np.abs(x2[:, 0] - 0.5) < 0.02) & touches & ~near2).any()
    assert (np.abs(x2[near2, 0] - 0.5) < 0.025).all()


def test_near_singular_set_and_rules_reject_bad_input():
    y = two_mirrored_clusters(np.random.default_rng(0), 50)
    res = gm.solve(BOX, y)
    s = gm.singular_set(res)
    x = np.random.default_rng(1).random((10, 2))
    for width in (0, -1.0, np.nan, "0.1", None):
        with pytest.raises(gm.GeomotError, match="width must be"):
            near_singular_set(res, s, x, width)
    with pytest.raises(gm.GeomotError, match="sing must be the SingularSet"):
        near_singular_set(res, s.pairs, x, 0.1)
    with pytest.raises(gm.GeomotError, match="result must be an OTResult"):
        near_singular_set(res.diagram, s, x, 0.1)
    with pytest.raises(gm.GeomotError, match="x must"):
        near_singular_set(res, s, x[:, :1], 0.1)
    # numbers in messages are plain Python numbers
    with pytest.raises(gm.GeomotError, match=r"got 2.5$"):
        SpacingRule(k=np.float64(2.5))
    with pytest.raises(gm.GeomotError, match=r"dim must be an integer >= 1; got 0$"):
        SpacingRule.default(np.int64(0))
