"""The two engines that run the rulebook: the same phases, the same random numbers.

* :mod:`alliance_sim.engines.agent` — the Mesa model: physiotherapist and patient agents,
  stepped session by session (what the web app steps and students read);
* :mod:`alliance_sim.engines.cohort` — the same phases over arrays of replicate clinics ×
  patients, for batch work.

For the same parameters and seed they give the same trajectories (tests check it to
1e-12). Neither imports the other; both take their output columns from
:mod:`alliance_sim.records.columns`.
"""
