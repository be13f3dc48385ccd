"""Target shapes of the paper's figures, sampled uniformly (seeded)."""
import shapely

import geomot as gm


def sample(geometry, m, rng):
    """m points uniform in a shapely geometry (geomot's rejection sampler, through its uniform measure)."""
    return gm.Uniform(gm.Polygon(geometry)).sample(m, seed=rng)


def dumbbell(left=(0.25, 0.5), right=(0.75, 0.5), radius=0.2, bar=0.06):
    """Two disks joined by a thin bar: connected, not convex (Fig. 10)."""
    return shapely.union_all([shapely.Point(*left).buffer(radius), shapely.Point(*right).buffer(radius),
                              shapely.box(left[0], left[1] - bar / 2, right[0], right[1] + bar / 2)])


def two_disks(c1=(0.25, 0.5), c2=(0.75, 0.5), radius=0.18):
    """Two disjoint disks: a target with two connected components (Fig. 8, 9)."""
    return shapely.union_all([shapely.Point(*c1).buffer(radius), shapely.Point(*c2).buffer(radius)])
