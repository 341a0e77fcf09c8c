"""The model's definition below the rules: parameters, the population, random draws.

* :mod:`~alliance_sim.core.params` — every parameter declared once (the schema) and
  :class:`~alliance_sim.core.params.Params`, the validated values;
* :mod:`~alliance_sim.core.population` — therapists and patients drawn from them;
* :mod:`~alliance_sim.core.draws` — the random numbers of a session, in their documented order;
* :mod:`~alliance_sim.core.stacking` — parameter sets stacked for the cohort engine;
* :mod:`~alliance_sim.core.errors`, :mod:`~alliance_sim.core.toml_checks`,
  :mod:`~alliance_sim.core.named_files`, :mod:`~alliance_sim.core.reference` — errors,
  reading files safely, built-in files by name, reference text from the schema.

Nothing here imports an engine, a record, a face or anything above it.
"""
