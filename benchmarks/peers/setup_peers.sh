#!/usr/bin/env bash
# Create (idempotently) one venv per peer solver and install it there:
#   benchmarks/.venvs/pysdot : Python 3.11, pysdot==0.2.16 (last release with a binary wheel),
#                              numpy<2 (its extension is built against numpy 1.x), scipy (for its
#                              "Scipy" linear solver; its default "Petsc" needs petsc4py)
#   benchmarks/.venvs/sdot   : Python >= 3.12, sdot (newest at first install) + jax (CPU)
#   benchmarks/.venvs/pot    : Python 3.11, POT (its stochastic semi-dual solver, bench_monte_carlo.py)
# Re-running only installs what is missing (no upgrades); `FORCE=1` recreates the venvs.
# Interpreters: PY311=/path/to/python3.11 and PY312=/path/to/python3.12 override the search.
# Pin versions with PYSDOT_REQS="..." / SDOT_REQS="..." (pip requirement strings).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENVS="$ROOT/benchmarks/.venvs"
PYSDOT_REQS="${PYSDOT_REQS:-numpy<2 pysdot==0.2.16 scipy}"
SDOT_REQS="${SDOT_REQS:-sdot jax}"
POT_REQS="${POT_REQS:-pot numpy}"

find_python() {  # $1 = version (3.11), $2 = override
    local v="$1" c
    for c in "$2" "python$v" /root/.pyenv/versions/"$v".*/bin/python"$v" /usr/bin/python"$v" /usr/local/bin/python"$v"; do
        [ -n "$c" ] || continue
        if command -v "$c" >/dev/null 2>&1 && "$c" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$v'.split('.')))" 2>/dev/null; then
            command -v "$c"; return 0
        fi
    done
    return 1
}

make_venv() {  # $1 = name, $2 = python, rest = requirements
    local name="$1" py="$2"; shift 2
    local dir="$VENVS/$name"
    if [ "${FORCE:-0}" = 1 ] && [ -d "$dir" ]; then rm -rf "$dir"; fi
    if [ ! -x "$dir/bin/python" ] || ! "$dir/bin/python" -c "import sys" 2>/dev/null; then
        echo ">> creating $dir with $py ($("$py" -V 2>&1))"
        rm -rf "$dir"
        "$py" -m venv "$dir"
    fi
    echo ">> installing into $dir: $*"
    # no --upgrade: an existing install that satisfies the requirement is kept (idempotent)
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$@" 2>&1 \
        | grep -v "is ignored: it is neither a file nor a directory" || true
    "$dir/bin/python" -c "import sys" # venv still healthy
}

mkdir -p "$VENVS"
# keep the venvs out of git (append only, once)
GI="$ROOT/.gitignore"
grep -qxF 'benchmarks/.venvs/' "$GI" 2>/dev/null || echo 'benchmarks/.venvs/' >> "$GI"

PY311="$(find_python 3.11 "${PY311:-}")" || { echo "python3.11 not found (set PY311=...)" >&2; exit 1; }
PY312="$(find_python 3.12 "${PY312:-}")" || PY312="$(find_python 3.13 "${PY312:-}")" \
    || { echo "python3.12/3.13 not found (set PY312=...)" >&2; exit 1; }

# shellcheck disable=SC2086
make_venv pysdot "$PY311" $PYSDOT_REQS
# shellcheck disable=SC2086
make_venv sdot "$PY312" $SDOT_REQS
# shellcheck disable=SC2086
make_venv pot "$PY311" $POT_REQS

echo ">> checking imports (first sdot import may take a few seconds)"
"$VENVS/pysdot/bin/python" - <<'EOF'
import sys
from importlib.metadata import version
import numpy, scipy, pysdot  # noqa: F401
from pysdot.domain_types import ConvexPolyhedraAssembly  # loads the compiled extension
d = ConvexPolyhedraAssembly(); d.add_box([0, 0], [1, 1])
print("pysdot venv: python %s, pysdot %s, numpy %s, scipy %s" % (
    sys.version.split()[0], version("pysdot"), numpy.__version__, scipy.__version__))
EOF
"$VENVS/sdot/bin/python" - <<'EOF'
import sys
from importlib.metadata import version
import numpy, jax, sdot  # noqa: F401
print("sdot venv:   python %s, sdot %s, loom-ffi %s, jax %s, jaxlib %s, numpy %s, scipy %s" % (
    sys.version.split()[0], version("sdot"), version("loom-ffi"), jax.__version__,
    version("jaxlib"), numpy.__version__, version("scipy")))
EOF
"$VENVS/pot/bin/python" -c "import ot, numpy; print('pot venv:    POT %s, numpy %s' % (ot.__version__, numpy.__version__))"
echo ">> done: peers in $VENVS (use benchmarks/peers/peers.py: run_peer, available_peers)"
