"""numba kernels of the spatial backend."""
