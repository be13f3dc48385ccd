"""Render every demo figure into one folder (default: out/), saying which one it renders and how long it took.

    python demos/gallery.py [--out out]
"""
import argparse
import time

import ae_ot_digits  # noqa: E402
import fig5_singular_structure  # noqa: E402
import fig6_fig7_teaching  # noqa: E402
import fig8_fig9_two_clusters  # noqa: E402
import fig10_dumbbell  # noqa: E402
import fig11_ball_to_bunny  # noqa: E402
import gaussian_singular  # noqa: E402
import image_interpolation  # noqa: E402
import mode_collapse  # noqa: E402
import newton_animation  # noqa: E402
import power_diagram  # noqa: E402
import stippling  # noqa: E402

DEMOS = [power_diagram, fig5_singular_structure, fig6_fig7_teaching, fig8_fig9_two_clusters, fig10_dumbbell,
         fig11_ball_to_bunny, gaussian_singular, stippling, image_interpolation, newton_animation, mode_collapse, ae_ot_digits]


def main(out="out"):
    files = []
    start = time.perf_counter()
    for k, demo in enumerate(DEMOS, 1):
        print(f"[{k}/{len(DEMOS)}] demos/{demo.__name__}.py ...", flush=True)
        t = time.perf_counter()
        made = demo.main(out, verbose=False)
        print(f"      {time.perf_counter() - t:.1f} s: " + ", ".join(str(f) for f in made), flush=True)
        files += made
    print(f"{len(files)} files in {out}/ in {time.perf_counter() - start:.0f} s", flush=True)
    return files


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="out")
    main(ap.parse_args().out)
