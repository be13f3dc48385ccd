"""Status codes of the 3D cell kernels, one vocabulary for :mod:`.cells`, :mod:`.dualcell`, :mod:`.celltree` and
their caller, and the rounding level their clippings share.

Per-cell status (the ``status`` array that :func:`.cells.power_cells_3d` and
:func:`.celltree.power_cells_tree` return; a cell with a nonzero status is left
empty):
"""
OK = 0  # the cell was built
OVERFLOWED = 1  # a work array was too small
TOO_MANY = 2  # the k-d tree walk examined more than `budget` points (or another cell's walk gave up first)
BELOW_FLOOR = 3  # the cell's volume is below `floor`

# What :func:`.cells.clip_polyhedron` and :func:`.dualcell.clip` return for the face (plane) count instead of one:
UNCHANGED = -1  # the plane does not cut the polyhedron (nothing written)
OVERFLOW = -2  # an output array is too small
BROKEN = -3  # (:func:`.dualcell.clip`) rounding broke the boundary of the cut-off part: the cell is unchanged

SNAP = 1e-14  # |d| below SNAP times the size of its terms (~100 ulps) counts as on the plane
