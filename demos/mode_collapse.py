"""The 2D-grid mode-collapse benchmark (paper Table 2 and Fig. 13).

Training data: N samples of the 25-Gaussian grid (std 0.05). Generators: the
semi-discrete OT generator (geomot.OTGenerator), and two honest baselines run
in the same script: the memorising generator (replays training samples) and a
Gaussian kernel density sampler (Scott's bandwidth). Each makes 2500 samples;
10 runs (seeds 0..9); mean ± standard error. The GAN-family rows are copied from
the paper (their numbers, not re-run). Also a sweep over N.

    python demos/mode_collapse.py [--out out] [--runs 10] [--n-train 512] [--no-sweep]
"""
import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import gaussian_kde  # noqa: E402

import geomot as gm  # noqa: E402
import geomot.plot as gplot  # noqa: E402
from geomot.generative.datasets import GRID_MEANS, GRID_STD, grid_gaussians  # noqa: E402
from geomot.generative.metrics import mode_stats, novelty  # noqa: E402

PAPER = [  # Table 2 of the paper: modes, high-quality %, reverse KL (mean ± std)
    ("GAN", "17.3 ± 0.8", "94.8 ± 0.7", "0.70 ± 0.07"),
    ("ALI", "24.1 ± 0.4", "95.7 ± 0.6", "0.14 ± 0.03"),
    ("MD", "23.8 ± 0.5", "79.9 ± 3.2", "0.17 ± 0.03"),
    ("PacGAN2", "23.8 ± 0.7", "91.3 ± 0.8", "0.13 ± 0.04"),
    ("PacGAN3", "24.6 ± 0.4", "94.2 ± 0.4", "0.06 ± 0.02"),
    ("PacGAN4", "24.8 ± 0.2", "93.6 ± 0.6", "0.04 ± 0.01"),
    ("AE-OT", "25.0 ± 0.0", "99.8 ± 0.2", "0.007 ± 0.002"),
]
N_SAMPLES = 2500


def generators():
    def ot(train, seed):
        return gm.OTGenerator().fit(train).sample(N_SAMPLES, seed=seed)

    def memorise(train, seed):
        return train[np.random.default_rng(seed).integers(0, len(train), N_SAMPLES)]

    def kde(train, seed):
        return gaussian_kde(train.T).resample(N_SAMPLES, seed=seed).T

    return {"geomot OT generator": ot, "memorising (replay)": memorise, "Gaussian KDE": kde}


def run(n_train, runs):
    """Per generator: array (runs, 6) of modes, high-quality %, reverse KL, novelty %, median NN dist, seconds."""
    out = {}
    for name, make in generators().items():
        rows = []
        for seed in range(runs):
            train = grid_gaussians(n_train, seed)
            t = time.perf_counter()
            s = make(train, 1000 + seed)
            dt = time.perf_counter() - t
            st = mode_stats(s, GRID_MEANS, GRID_STD)
            novel, med = novelty(s, train)
            rows.append([st.modes, 100 * st.high_quality, st.reverse_kl, 100 * novel, med, dt])
        out[name] = np.array(rows)
    return out


def fmt(col, digits):
    se = col.std(ddof=1) / np.sqrt(len(col)) if len(col) > 1 else 0.0
    return f"{col.mean():.{digits}f} ± {se:.{digits}f}"


def table(results, n_train, runs):
    lines = [f"N = {n_train} training samples, {N_SAMPLES} generated, {runs} runs (mean ± standard error; "
             "paper rows: mean ± std as published)", "",
             "| generator | modes (of 25) | high-quality % | reverse KL | novelty % | median NN distance | seconds |",
             "|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        lines.append(f"| {name} | {fmt(r[:, 0], 1)} | {fmt(r[:, 1], 2)} | {fmt(r[:, 2], 4)} | {fmt(r[:, 3], 1)} | "
                     f"{fmt(r[:, 4], 4)} | {r[:, 5].mean():.2f} |")
    for name, modes, hq, kl in PAPER:
        lines.append(f"| {name} (paper) | {modes} | {hq} | {kl} | — | — | — |")
    return "\n".join(lines)


def figure(out, n_train):
    train = grid_gaussians(n_train, 0)
    gen = gm.OTGenerator().fit(train)
    samples = gen.sample(N_SAMPLES, seed=1)
    fig, axes = plt.subplots(1, 2, figsize=(13, 6))
    for ax in (axes[0], axes[0].inset_axes([0.36, 0.36, 0.28, 0.28])):
        ax.scatter(train[:, 0], train[:, 1], s=14, facecolor="none", edgecolor="tab:red", lw=0.7,
                   label=f"real ({n_train})")
        ax.scatter(samples[:, 0], samples[:, 1], s=2, color="tab:blue", label=f"generated ({N_SAMPLES})")
        ax.set_aspect("equal")
    ax.set_xlim(-0.22, 0.22)
    ax.set_ylim(-0.22, 0.22)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("zoom on (0, 0)", fontsize=8)
    axes[0].indicate_inset_zoom(ax, edgecolor="gray")
    axes[0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=2, fontsize=9)
    axes[0].set_title("Fig. 13: real samples and OT-generated samples")
    res = gen.result_
    sing = gen.singular_set()
    gplot.power_diagram(res.diagram, ax=axes[1], color_by=None, show_points=False)
    gplot.singular_set(sing, axes[1], lw=1.0)
    axes[1].set_title(f"source square: cells, singular set ({len(sing.pairs)} facets);\n"
                      f"{100 * gen.removed_fraction_:.0f}% of the area straddles it and is never used")
    fig.tight_layout()
    fig.savefig(out / "mode_collapse.png", dpi=100)
    plt.close(fig)
    return out / "mode_collapse.png"


def sweep(sizes, runs):
    lines = ["| N | modes | high-quality % | reverse KL | novelty % | 25 modes in all runs | seconds per run |",
             "|---|---|---|---|---|---|---|"]
    smallest = None
    for n in sizes:
        r = run(n, runs)["geomot OT generator"]
        all25 = bool((r[:, 0] == 25).all())
        smallest = (smallest or n) if all25 else None  # from here on, every larger N keeps all 25
        lines.append(f"| {n} | {fmt(r[:, 0], 1)} | {fmt(r[:, 1], 2)} | {fmt(r[:, 2], 4)} | {fmt(r[:, 3], 1)} | "
                     f"{'yes' if all25 else 'no'} | {r[:, 5].mean():.2f} |")
    return "\n".join(lines), smallest


def main(out="out", runs=10, n_train=512, do_sweep=True, sizes=(64, 128, 256, 512, 1024, 2048, 4096),
         verbose=True, doc=None):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    text = table(run(n_train, runs), n_train, runs)
    elapsed = time.perf_counter() - t
    files = [figure(out, n_train)]
    parts = ["# The 2D-grid mode-collapse benchmark", "",
             "`python demos/mode_collapse.py` (writes this file and `out/mode_collapse.png`).", "", text, "",
             f"The {runs}-run benchmark above took {elapsed:.1f} s."]
    if do_sweep:
        sw, smallest = sweep(sizes, runs)
        parts += ["", "## Sweep over the number of training samples", "", sw, "",
                  f"Smallest N from which every N of the sweep keeps all 25 modes in {runs}/{runs} runs: "
                  f"{smallest}."]
    parts += ["", "## Reading the table", "",
              "- Reverse KL compares mode proportions. A generator that reproduces the training data's "
              "proportions cannot beat the histogram noise of N random training samples, about "
              "(25 - 1) / (2N) = 0.023 at N = 512: that is the memorising row. The OT generator gives every "
              "training sample the mass 1/N of its cell, so it sits just above it; the KL falls like 1/N in "
              "the sweep. The paper's 0.007 at N = 512 is below that floor for randomly drawn data.",
              "- High quality above the data's own 98.9 %: generated samples are convex combinations of "
              "training samples of one mode (triangles across the singular set are removed), which pulls the "
              "Gaussian tails inward.",
              "- Novelty: the rest are training samples with no usable triangle (isolated points), returned "
              "as they are.",
              "- The Gaussian KDE uses Scott's bandwidth, computed for one Gaussian: on 25 modes it is "
              "about 0.75 and smears every mode (the honest default, not a tuned baseline).",
              "- GAN-family and AE-OT rows are the paper's published numbers, not re-run here."]
    report = "\n".join(parts) + "\n"
    if verbose:
        print(report)
    path = out / "mode_collapse.md"
    path.write_text(report)
    files.append(path)
    if doc is not None:
        Path(doc).write_text(report)
    return files


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="out")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--n-train", type=int, default=512)
    ap.add_argument("--no-sweep", action="store_true")
    ap.add_argument("--doc", default=None, help="also write the report there (docs/mode_collapse.md)")
    a = ap.parse_args()
    main(a.out, a.runs, a.n_train, not a.no_sweep, doc=a.doc)
