"""Generation with semi-discrete OT: latent codes by the pyOMT rule, the OT generator and its
piecewise-linear map (``interpolant``), mode metrics, data sets.

:mod:`.generate` (``OTGenerator``) needs scikit-learn; the others do not.
"""
