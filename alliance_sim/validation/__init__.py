"""Validation against published studies.

* :mod:`~alliance_sim.validation.defaults` — the seed, replicates, roles and rules of
  ``alliance-sim validate`` (imports nothing, so the command line's ``--help`` stays fast);
* :mod:`~alliance_sim.validation.patterns` — the published patterns as data: figure,
  source, provenance, tolerance, study size, rule and role (calibration target or
  out-of-sample check);
* :mod:`~alliance_sim.validation.studies` — the simulations the patterns share and the
  statistic of each pattern, per simulated study;
* :mod:`~alliance_sim.validation.judge` — :func:`~alliance_sim.validation.judge.validate`:
  run and judge every pattern by its rule;
* :mod:`~alliance_sim.validation.report` — the Markdown report.
"""
