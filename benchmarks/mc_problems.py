r"""Monte Carlo benchmark problems and their judges: the error of a solver's heights, exact where it can be.

Every problem is semi-discrete OT from a source ``mu`` on ``R^d`` to ``n``
targets ``y_i`` with masses ``nu_i = 1/n``; heights ``h`` give the cells
``W_i(h) = {x : <x, y_i> + h_i >= <x, y_j> + h_j for all j}`` (geomot's
convention, ``u_h(x) = max_i <x, y_i> + h_i``), and a judge measures the
largest relative mass error ``max_i |mu(W_i(h)) - nu_i| / nu_i`` of heights
that a solver returned.

Known answers (**exact** judges, no sampling noise): the targets are
``y_i = P z_i + c`` with ``z_i`` in ``R^k`` (``k = 2`` or 3), ``P`` a
``d x k`` matrix with orthonormal columns and ``c`` a vector common to all
targets. Then ``<x, y_i> + h_i = <P^T x, z_i> + h_i + <x, c>``, and the last
term is the same for every target: ``x`` lies in ``W_i(h)`` exactly when
``P^T x`` lies in the cell of ``z_i`` of the ``k``-dimensional diagram with
the same heights, and ``mu(W_i(h))`` is the mass of that cell under the law of
``P^T x``. Two sources make that law exact:

``cylinder``
    ``mu`` uniform on ``[0, 1]^d``, ``P`` the columns of ``k`` coordinates of
    ``I_d`` (drawn at random): ``P^T x`` is uniform on ``[0, 1]^k``, so the
    cells are cylinders ``W_i x [0, 1]^(d-k)`` over the exact diagram of the
    ``z_i`` (uniform in ``[0, 1]^k``) on the unit square (cube).
``gaussian-subspace``
    ``mu = N(0, I_d)``, ``P`` a random orthonormal frame: ``P^T x ~ N(0, I_k)``,
    the exact ``k``-dimensional Gaussian diagram of the ``z_i ~ N(0, I_k)``.

The solver sees only the ``d``-dimensional targets. What it could exploit:
on the cylinder, scrambled Sobol points (``qmc=True``) have good projections
on any two coordinates, so their noise is that of a 2D problem (measured at
d = 16, n = 1e3: ``kappa`` = 0.14-0.24 against 0.82 on the full cube), which
flatters QMC runs there (:attr:`Problem.qmc_fair` is False); the random frame
of the Gaussian subspace mixes all coordinates (``kappa`` = 0.97 at d = 16, 1.0
at d = 64): QMC gains nothing there.

``cube``: targets uniform in ``[0, 1]^d``, no known answer. In ``d = 2`` the
judge is the exact diagram; above, an independent **sample** of the source
(:class:`SampledJudge`), whose own noise is reported beside every error.
"""
import dataclasses

import numpy as np
from scipy import stats

import geomot as gm

JUDGE_SEED = 2 ** 31 - 1  # the judges' samples: a stream no solver run uses (their seeds are small integers)
ALPHA = 0.05  # a sampled verdict holds for all n cells at once with probability >= 1 - ALPHA


@dataclasses.dataclass(frozen=True)
class Verdict:
    """A judge's measure of ``max_i |w_i - nu_i| / nu_i``: ``error``, within ``noise`` of the true one.

    ``noise`` is 0 for an exact judge; for a sampled one, the simultaneous
    ``1 - ALPHA`` bound of :meth:`SampledJudge.__call__`. ``samples``: the
    judge's own samples (0 when exact).
    """

    error: float
    noise: float = 0.0
    samples: int = 0

    def certifies(self, eps):
        """Whether the true error is at most ``eps``: ``error + noise <= eps``."""
        return self.error + self.noise <= eps

    def excludes(self, eps):
        """Whether the true error is above ``eps``: ``error - noise > eps``."""
        return self.error - self.noise > eps

    def __str__(self):
        return f"{self.error:.3g}" + (f" +- {self.noise:.2g}" if self.noise else " (exact)")


def max_rel_error(masses, nu):
    """``max_i |w_i - nu_i| / nu_i``."""
    return float(np.abs(masses / nu - 1).max())


class ExactJudge:
    """The exact judge of a known answer: the masses of the ``k``-dimensional diagram of the ``z_i`` under
    ``source`` (the law of ``P^T x``, module docstring), at the heights judged.

    Parameters
    ----------
    z : (n, k) array
        The targets' coordinates ``P^T (y_i - c)``.
    source : geomot measure on ``R^k``
        ``gm.Uniform`` on the unit square (cube) or ``gm.Gaussian(k)``.
    nu : (n,) array
    """

    exact = True

    def __init__(self, z, source, nu):
        self.z, self.source, self.nu = z, source, nu

    def masses(self, heights):
        """``mu(W_i(h))``: the cells of the ``z_i`` with heights ``h`` (module docstring)."""
        return gm.PowerDiagram(self.z, heights, self.source).masses

    def __call__(self, heights):
        return Verdict(max_rel_error(self.masses(heights), self.nu))

    def first_certified(self, trace, eps):
        """The first point of ``trace`` (in order) whose heights are certified within ``eps``, with its verdict;
        ``(None, None)`` if none is."""
        for point in trace:
            verdict = self(point.heights)
            if verdict.certifies(eps):
                return point, verdict
        return None, None


def bonferroni_z(n, alpha=ALPHA):
    """``z`` with ``P(max_i |Z_i| > z) <= alpha`` for ``n`` standard normal ``Z_i``: ``Phi^-1(1 - alpha / (2n))``."""
    return float(stats.norm.isf(alpha / (2 * n)))


def predicted_noise(nu, eps, samples, kappa=1.0):
    r"""The noise a sampled judge of ``samples`` points will have on heights whose error is about ``eps``.

    ``z kappa max_i sqrt(m_i (1 - m_i) / N) / nu_i`` at the largest masses
    such heights can have, ``m_i = nu_i (1 + eps)`` (``m (1 - m)`` grows
    with ``m`` below 1/2), ``z`` :func:`bonferroni_z`.
    """
    m = np.minimum(nu * (1 + eps), 0.5)
    return bonferroni_z(len(nu)) * kappa * float(np.max(np.sqrt(m * (1 - m) / samples) / nu))


def samples_for(nu, eps, ratio):
    """The fewest samples whose :func:`predicted_noise` at error ``eps`` is at most ``eps / ratio``
    (the noise falls as ``N^-1/2``)."""
    return int(np.ceil((predicted_noise(nu, eps, 1) * ratio / eps) ** 2))


class SampledJudge:
    r"""The judge of a problem without a known answer: the masses on an independent sample of the source.

    ``N`` samples drawn from their own stream (seed :data:`JUDGE_SEED`; a
    second stream for the cheaper screening passes), assigned to the cells by
    geomot's kernel (its best cell is the double-precision argmax), ``w_i``
    their fractions. The binomial
    standard error ``se_i = kappa sqrt(m_i (1 - m_i) / N)`` (``kappa = 1``;
    with ``qmc`` the two-replicate ``kappa`` that
    :func:`geomot.monte_carlo_masses` measures), taken at
    ``m_i = max(w_i, nu_i)`` so that an emptied cell is not judged
    noiseless. The verdict's noise is ``z max_i se_i / nu_i`` with ``z``
    :func:`bonferroni_z`: with probability ``>= 1 - ALPHA``, every
    ``|w_i - mu(W_i)| <= z se_i``, so the true error lies within the noise of
    the judged one (normal approximation of the counts; ``ALPHA`` is per
    verdict, not per search over many iterates).

    Parameters
    ----------
    source : geomot measure on ``R^d``
    points : (n, d) array
    nu : (n,) array
    samples : int
        ``N`` of a full verdict; a screen uses ``N / 16`` (4x the noise).
    qmc : bool
        Scrambled Sobol points (their noise measured by two replicates).
    """

    exact = False
    SCREEN = 16

    def __init__(self, source, points, nu, samples, qmc=False):
        self.source, self.points, self.nu, self.samples, self.qmc = source, points, nu, int(samples), qmc

    def __call__(self, heights, samples=None, seed=JUDGE_SEED):
        n_samples = samples or self.samples
        w, se = gm.monte_carlo_masses(self.source, self.points, heights, n_samples, seed=seed, qmc=self.qmc)
        binomial = w * (1 - w) / n_samples
        kappa = float(np.sqrt((se ** 2).sum() / binomial.sum())) if binomial.sum() > 0 else 1.0
        m = np.maximum(w, self.nu)
        noise = bonferroni_z(len(w)) * kappa * float(np.max(np.sqrt(m * (1 - m) / n_samples) / self.nu))
        return Verdict(max_rel_error(w, self.nu), noise, n_samples)

    def can_certify(self, eps):
        """Whether a full verdict can certify ``eps`` at all: its :func:`predicted_noise` is below ``eps``."""
        return predicted_noise(self.nu, eps, self.samples) < eps

    def first_certified(self, trace, eps):
        """As :meth:`ExactJudge.first_certified`; each point first screened on ``N / 16`` samples of another
        stream, and judged in full only where the screen does not exclude ``eps``."""
        if not self.can_certify(eps):
            return None, None
        screen = max(self.samples // self.SCREEN, 1)
        for point in trace:
            if self(point.heights, screen, seed=JUDGE_SEED - 1).excludes(eps):
                continue
            verdict = self(point.heights)
            if verdict.certifies(eps):
                return point, verdict
        return None, None


@dataclasses.dataclass(frozen=True)
class Problem:
    """One benchmark problem: ``label``, the targets ``points`` (n, d), the ``source`` measure, ``nu``, its
    ``judge``, POT's name of the source (``pot_sampler``), whether QMC runs on it are fair (``qmc_fair``) and
    the intrinsic coordinates and dimension of the targets (``frame``: ``z`` or the points), which set
    Adam's learning-rate scale."""

    label: str
    points: np.ndarray
    source: object
    nu: np.ndarray
    judge: object
    pot_sampler: str
    qmc_fair: bool = True
    frame: np.ndarray = None


def cube(d, n, rng, judge_samples, qmc=False):
    """Targets uniform in ``[0, 1]^d``, source uniform on the cube; exact judge in 2D, else sampled."""
    y = rng.random((n, d))
    source = gm.Uniform(gm.Box(np.zeros(d), np.ones(d)))
    nu = np.full(n, 1 / n)
    judge = ExactJudge(y, source, nu) if d == 2 else SampledJudge(source, y, nu, judge_samples, qmc)
    return Problem(f"cube d={d} n={n}", y, source, nu, judge, "unif", frame=y)


def cylinder(d, n, rng, k=2):
    """Cells that are cylinders over an exact ``k``-dimensional diagram (module docstring)."""
    axes = rng.choice(d, size=k, replace=False)
    z = rng.random((n, k))
    y = np.tile(rng.random(d), (n, 1))
    y[:, axes] = z
    nu = np.full(n, 1 / n)
    judge = ExactJudge(z, gm.Uniform(gm.Box(np.zeros(k), np.ones(k))), nu)
    return Problem(f"cylinder d={d} n={n}", y, gm.Uniform(gm.Box(np.zeros(d), np.ones(d))), nu, judge, "unif",
                   qmc_fair=False, frame=z)


def gaussian_subspace(d, n, rng, k=2):
    """Targets in a random ``k``-dimensional affine subspace, standard normal source (module docstring)."""
    frame = np.linalg.qr(rng.standard_normal((d, k)))[0]
    z = rng.standard_normal((n, k))
    y = z @ frame.T + rng.standard_normal(d)
    nu = np.full(n, 1 / n)
    judge = ExactJudge(z, gm.Gaussian(k), nu)
    return Problem(f"gaussian-subspace d={d} n={n}", y, gm.Gaussian(d), nu, judge, "normal", frame=z)


KINDS = {"cube": cube, "cylinder": cylinder, "gaussian-subspace": gaussian_subspace}


def problem(spec, judge_samples, qmc=False, seed=0):
    """The problem of ``spec``: ``"KIND:d:n"`` (``KIND`` in :data:`KINDS`) or ``"d:n"`` (a cube)."""
    *kind, d, n = spec.split(":")
    kind = kind[0] if kind else "cube"
    if kind not in KINDS:
        raise ValueError(f"problem kind {kind!r} is not one of {sorted(KINDS)}")
    rng = np.random.default_rng(seed)
    if kind == "cube":
        return cube(int(d), int(n), rng, judge_samples, qmc)
    return KINDS[kind](int(d), int(n), rng)
