"""numba kernels of the sampling backend."""
