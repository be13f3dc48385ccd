"""Command line shared by the demos: ``--out`` folder and ``--n`` (number of targets)."""
import argparse


def cli(main, doc, n_default):
    """Parse ``--out`` and ``--n``, run ``main(out, n)`` and print the files it wrote."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="out", help="folder for the figures (default: out)")
    ap.add_argument("--n", type=int, default=n_default, help=f"number of target points (default: {n_default})")
    args = ap.parse_args()
    for f in main(args.out, args.n):
        print("wrote", f)
