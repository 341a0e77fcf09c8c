"""What a run records: the output schema, episode outcomes, tables, metrics and files.

* :mod:`~alliance_sim.records.columns` — the columns of every table, declared once;
* :mod:`~alliance_sim.records.episode` — each patient's episode summed up;
* :mod:`~alliance_sim.records.tables` — the tidy tables (pandas);
* :mod:`~alliance_sim.records.metrics` — the run-level metrics;
* :mod:`~alliance_sim.records.io` — writing them to Parquet and CSV.

Records know the model's state only by column name: they import no engine.
"""
