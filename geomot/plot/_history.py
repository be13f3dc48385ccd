"""Solver runs: the error of each iteration."""
from ..result import OTResult
from ..errors import GeomotError
from ._checks import axes2d


def newton_history(result, ax=None):
    """Log-scale max relative mass error against the iteration, with the steps the line search shortened."""
    if not isinstance(result, OTResult):
        raise GeomotError(f"result must be an OTResult (gm.solve(...)); got {type(result).__name__}")
    ax = axes2d(ax, figsize=(6, 4))
    it = [h.iteration for h in result.history]
    err = [max(h.max_rel_error, 1e-17) for h in result.history]
    ax.semilogy(it, err, "o-", color="tab:blue", ms=6, lw=2, label="max relative mass error")
    for h in result.history[1:]:
        if h.step < 1:
            ax.annotate(f"step {h.step:g}", (h.iteration, max(h.max_rel_error, 1e-17)), textcoords="offset points",
                        xytext=(5, 6), fontsize=9, color="0.3")
    ax.set_xlabel("iteration")
    ax.set_ylabel("max$_i$ |w$_i$ − ν$_i$| / ν$_i$")
    ax.grid(True, which="both", alpha=0.3)
    ax.set_title(f"{'converged' if result.converged else 'not converged'} in {result.iterations} iterations")
    ax.autoscale_view()
    return ax
