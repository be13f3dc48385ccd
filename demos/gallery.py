"""Render every demo figure into one folder (default: out/).

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
import mode_collapse  # noqa: E402
import newton_animation  # noqa: E402
import power_diagram  # noqa: E402

DEMOS = [power_diagram, fig5_singular_structure, fig6_fig7_teaching, fig8_fig9_two_clusters, fig10_dumbbell,
         fig11_ball_to_bunny, newton_animation, mode_collapse, ae_ot_digits]


def main(out="out"):
    files = []
    for demo in DEMOS:
        t = time.perf_counter()
        made = demo.main(out, verbose=False)
        print(f"{demo.__name__}: {time.perf_counter() - t:.1f} s -> " + ", ".join(str(f) for f in made), flush=True)
        files += made
    return files


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="out")
    main(ap.parse_args().out)
