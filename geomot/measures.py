"""Source measures: probability measures on a domain.

A source measure ``mu`` is what the power cells are measured with:
``w_i(h) = mu(W_i(h))``. For now geomot has the uniform measure, density
``1 / |Omega|`` on its domain.
"""
from .domains import as_domain
from .errors import GeomotError


class Uniform:
    """Uniform probability measure on a domain, density ``1 / |Omega|``.

    Parameters
    ----------
    domain : Domain or shapely Polygon / MultiPolygon
        The support ``Omega``.
    """

    def __init__(self, domain):
        self.domain = as_domain(domain)
        self.dim = self.domain.dim

    @property
    def density(self):
        """Constant density ``1 / |Omega|``."""
        return 1.0 / self.domain.volume

    def __repr__(self):
        return f"Uniform({self.domain!r})"


def as_source(source):
    """Return ``source`` as a measure; a bare domain means the uniform measure on it."""
    if isinstance(source, Uniform):
        return source
    try:
        return Uniform(source)
    except GeomotError:
        raise GeomotError(f"expected a source measure (e.g. geomot.Uniform(domain)) or a domain; "
                          f"got {type(source).__name__}") from None
