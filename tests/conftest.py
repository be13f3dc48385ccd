import matplotlib
import pytest

from .cases import planar_domains

matplotlib.use("Agg")


@pytest.fixture(params=planar_domains(), ids=lambda d: d[0])
def domain_case(request):
    return request.param
