"""Peer solvers (pysdot, sdot) run in their own venvs; see README.md and peers.py."""
from .peers import available_peers, run_peer  # noqa: F401
