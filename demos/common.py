"""Command line shared by the demos: ``--out`` folder, ``--n`` (number of targets), a demo's own options."""
import argparse

import matplotlib

# text a size up from matplotlib's defaults: the figures are read printed at half their width and projected
matplotlib.rcParams.update({"font.size": 12, "axes.titlesize": 13, "legend.fontsize": 10, "xtick.labelsize": 10,
                            "ytick.labelsize": 10})


def cli(main, doc, n_default, **options):
    """Parse ``--out``, ``--n`` and ``--NAME`` for each option, run ``main(out, n, NAME=...)``, print the files.

    ``options`` maps a keyword of ``main`` to the ``add_argument`` settings of its flag.
    """
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="out", help="folder for the figures (default: out)")
    ap.add_argument("--n", type=int, default=n_default, help=f"number of target points (default: {n_default})")
    for name, settings in options.items():
        ap.add_argument(f"--{name}", **settings)
    args = ap.parse_args()
    for f in main(args.out, args.n, **{name: getattr(args, name) for name in options}):
        print("wrote", f)
