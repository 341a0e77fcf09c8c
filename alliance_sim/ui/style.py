"""The app's few style rules (one place, injected once by the layout)."""

from __future__ import annotations

__all__ = ["APP_CSS", "CONTROL_CLASS"]

CONTROL_CLASS = "alliance-control"
"""The CSS class of a parameter control (label above its slider, help text below)."""

APP_CSS = f"""
.{CONTROL_CLASS} .v-input__slot {{ flex-wrap: wrap; }}
.{CONTROL_CLASS} .v-input__slot > .v-label {{
    flex: 0 0 100%; max-width: 100%; white-space: normal; height: auto;
    line-height: 1.3; margin: 0 0 2px 0; font-size: 0.95em;
}}
.{CONTROL_CLASS} .v-input__slot > .v-slider {{ flex: 1 1 100%; margin: 30px 4px 0 4px; }}
.{CONTROL_CLASS} .v-messages {{ min-height: 0; }}
.{CONTROL_CLASS} .v-input__control > .v-messages {{ display: none; }}
.clinic-now-title {{ font-weight: bold; }}
.clinic-now {{ display: flex; flex-wrap: wrap; gap: 6px 18px; }}
"""
