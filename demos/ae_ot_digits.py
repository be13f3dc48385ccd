"""AE-OT on scikit-learn's 8x8 digits: autoencoder + Monte Carlo OT in its latent space (paper §1.4, §5.3, Fig. 12).

1. An autoencoder (scikit-learn ``MLPRegressor`` trained to reproduce its
   input, tanh layers 64 -> 48 -> d -> 48 -> 64) encodes the 1797 digits to
   codes in R^d (d = 6), rescaled to the unit cube.
2. ``gm.solve(Uniform([0,1]^d), codes, method="monte-carlo", clusters=42)``: semi-discrete
   OT from uniform noise to the codes (Monte Carlo Newton from a hierarchical
   start: the codes cluster by digit class; numba kernels).
3. New codes by the pyOMT rule (``geomot.generative.latent.latent_samples``), decoded:
   ``ae_ot_samples.png`` (generated digits beside their nearest training digit).
4. Fig. 12 analogue, ``ae_ot_interpolation.png``: between a code of one digit
   class and a code of another, the straight line in latent space leaves the
   support and decodes to unrealistic images; the OT generator along a
   straight line in the *noise* space stays on realistic digits and jumps
   where the line crosses the singular set (frames marked in red).

Offline, a minute on a laptop CPU. Needs scikit-learn (``pip install ".[demos]"``).

    python demos/ae_ot_digits.py [--out out] [--dim 6] [--tol 0.1]
"""
import argparse
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import geomot as gm  # noqa: E402
from geomot._kernels.sampling.assign import top2_cpu  # noqa: E402
from geomot.generative.latent import gap_scale, latent_map, latent_samples  # noqa: E402


class Autoencoder:
    """An ``MLPRegressor`` fitted to ``X -> X``; encoder and decoder are its layers before and after the bottleneck."""

    def __init__(self, dim, seed=0):
        from sklearn.neural_network import MLPRegressor
        self.net = MLPRegressor(hidden_layer_sizes=(48, dim, 48), activation="tanh", max_iter=1500,
                                learning_rate_init=3e-3, random_state=seed, tol=1e-6, n_iter_no_change=50)
        self.split = 2  # layers 0, 1 encode (64 -> 48 -> dim); 2, 3 decode (dim -> 48 -> 64)

    def fit(self, x):
        from sklearn.exceptions import ConvergenceWarning
        with warnings.catch_warnings():  # the iteration cap is the training budget, on purpose
            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            self.net.fit(x, x)
        return self

    def _layers(self, z, layers):
        last = len(self.net.coefs_) - 1
        for k in layers:
            z = z @ self.net.coefs_[k] + self.net.intercepts_[k]
            if k != last:
                z = np.tanh(z)
        return z

    def encode(self, x):
        return self._layers(x, range(self.split))

    def decode(self, z):
        return np.clip(self._layers(z, range(self.split, len(self.net.coefs_))), 0, 1)


def image_grid(ax, images, rows, cols, title, red=()):
    canvas = np.zeros((rows * 9 - 1, cols * 9 - 1))
    for k, img in enumerate(images[:rows * cols]):
        r, c = divmod(k, cols)
        canvas[r * 9:r * 9 + 8, c * 9:c * 9 + 8] = img.reshape(8, 8)
    ax.imshow(canvas, cmap="gray_r", vmin=0, vmax=1)
    for k in red:
        r, c = divmod(k, cols)
        ax.add_patch(plt.Rectangle((c * 9 - 0.5, r * 9 - 0.5), 8, 8, fill=False, ec="red", lw=1.5))
    ax.set_title(title, fontsize=9)
    ax.axis("off")


def main(out="out", verbose=True, dim=6, tol=0.1, n=None, seed=0):
    """Train, solve, generate; ``n`` digits (default: all 1797). Returns the files written."""
    from sklearn.datasets import load_digits
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    digits = load_digits()
    x, labels = digits.data[:n] / 16.0, digits.target[:n]
    t = time.perf_counter()
    ae = Autoencoder(dim, seed).fit(x)
    raw = ae.encode(x)
    lo, hi = raw.min(axis=0), raw.max(axis=0)
    codes = (raw - lo) / (hi - lo)  # the codes in the unit cube

    def decode(z):
        return ae.decode(lo + z * (hi - lo))
    rec = np.abs(decode(codes) - x).mean()
    log = print if verbose else (lambda *a: None)
    log(f"autoencoder: {time.perf_counter() - t:.1f} s, mean absolute reconstruction error {rec:.3f}")

    src = gm.Uniform(gm.Box(np.zeros(dim), np.ones(dim)))
    t = time.perf_counter()
    res = gm.solve(src, codes, method="monte-carlo", tol=tol, seed=seed, clusters=int(np.sqrt(len(codes))),
                   verbose=verbose)
    log(f"OT: {time.perf_counter() - t:.1f} s, {res.message}")

    # the paper's criterion: facets whose supporting planes meet at more than 0.2 rad are singular (measured on
    # these codes: neighbouring cells of the same digit class meet at 0.09 rad (median), 0.21 (99th percentile);
    # of different classes at 0.21 (median))
    rule = {"criterion": "angle", "threshold": 0.2}
    z, info = latent_samples(res, 48, seed=seed, **rule)
    generated = decode(z)
    nearest = np.argmin(((generated[:, None] - x[None]) ** 2).sum(-1), axis=1)
    log(f"pyOMT rule: {info['acceptance']:.1%} of the draws kept (the rest fell on singular facets)")
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
    image_grid(axes[0], generated, 6, 8, f"AE-OT: 48 generated digits (latent d={dim})")
    image_grid(axes[1], x[nearest], 6, 8, "nearest training digit of each")
    fig.tight_layout()
    files = [out / "ae_ot_samples.png"]
    fig.savefig(files[-1], dpi=130)
    plt.close(fig)

    # Fig. 12 analogue: a code of a "0" and a code of a "1"
    a, b = np.flatnonzero(labels == 0)[0], np.flatnonzero(labels == 1)[0]
    steps = np.linspace(0, 1, 16)
    straight = decode((1 - steps)[:, None] * codes[a] + steps[:, None] * codes[b])
    samples = src.sample(1 << 18, seed=seed)
    best = top2_cpu(samples, codes, res.heights)[0]
    # the two ends of the noise path: the barycentres of the cells of the two codes (cells carry 1/1797 of the
    # samples, about 146 each)
    xa, xb = (samples[best == k].mean(axis=0) for k in (a, b))
    path = (1 - steps)[:, None] * xa + steps[:, None] * xb
    g0 = gap_scale(res, seed=seed)
    z_path, singular, _ = latent_map(res, path, g0, **rule)
    ot_path = decode(z_path)
    fine = np.linspace(0, 1, 400)
    _, crossing, _ = latent_map(res, (1 - fine)[:, None] * xa + fine[:, None] * xb, g0, **rule)
    fig, axes = plt.subplots(2, 1, figsize=(8, 2.8))
    image_grid(axes[0], straight, 1, 16, "straight line between the codes of a 0 and a 1: leaves the support")
    image_grid(axes[1], ot_path, 1, 16, f"OT generator along a straight line in the noise space "
               f"(red: on the singular set, {crossing.mean():.0%} of the path)", red=np.flatnonzero(singular))
    fig.tight_layout()
    files.append(out / "ae_ot_interpolation.png")
    fig.savefig(files[-1], dpi=150)
    plt.close(fig)
    return files


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="out")
    ap.add_argument("--dim", type=int, default=6)
    ap.add_argument("--tol", type=float, default=0.1)
    ap.add_argument("--n", type=int, default=None, help="number of digits (default: all 1797)")
    args = ap.parse_args()
    for f in main(args.out, dim=args.dim, tol=args.tol, n=args.n):
        print("wrote", f)
