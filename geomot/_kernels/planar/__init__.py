"""numba kernels of the planar backend."""
