"""Validation against published studies.

* :mod:`~alliance_sim.validation.defaults` — the seed and replicates of ``alliance-sim
  validate`` (imports nothing, so the command line's ``--help`` stays fast);
* :mod:`~alliance_sim.validation.patterns` — the published patterns and
  :func:`~alliance_sim.validation.patterns.validate`.
"""
