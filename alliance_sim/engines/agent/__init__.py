"""The agent engine: the Mesa model of a clinic, its agents and its reporters.

``model`` (the clinic and its schedule), ``agents`` (physiotherapists and patients) and
``reporters`` (what the data collector measures).
"""
