"""numba kernels of geomot: small, pure, int64-indexed, each with a NumPy twin in the tests."""
