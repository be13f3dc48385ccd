"""Target shapes of the paper's figures, sampled uniformly (seeded)."""
import numpy as np
import shapely


def sample(geometry, m, rng):
    """m points uniform in a shapely geometry (rejection sampling in its bounding box)."""
    lo, hi = np.array(geometry.bounds[:2]), np.array(geometry.bounds[2:])
    out, have = [], 0
    while have < m:
        p = lo + (hi - lo) * rng.random((4 * m, 2))
        p = p[shapely.contains_xy(geometry, p[:, 0], p[:, 1])]
        out.append(p)
        have += len(p)
    return np.vstack(out)[:m]


def dumbbell(left=(0.25, 0.5), right=(0.75, 0.5), radius=0.2, bar=0.06):
    """Two disks joined by a thin bar: connected, not convex (Fig. 10)."""
    return shapely.union_all([shapely.Point(*left).buffer(radius), shapely.Point(*right).buffer(radius),
                              shapely.box(left[0], left[1] - bar / 2, right[0], right[1] + bar / 2)])


def two_disks(c1=(0.25, 0.5), c2=(0.75, 0.5), radius=0.18):
    """Two disjoint disks: a target with two connected components (Fig. 8, 9)."""
    return shapely.union_all([shapely.Point(*c1).buffer(radius), shapely.Point(*c2).buffer(radius)])
