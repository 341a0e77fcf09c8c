"""The app's style rules (one place, injected once by the layout), and projector mode's.

Pages lay themselves out with a few classes:

* ``page-grid`` — controls on the left, results on the right; the results column
  stays in view while the controls scroll. Below 960 px wide the two stack, the
  results first.
* ``results-grid`` — figures side by side where there is room (1920 px), one
  under the other where there is not.
* ``hide-in-projector`` — what projector mode hides (:data:`PROJECTOR_CSS`).
"""

from __future__ import annotations

__all__ = ["APP_CSS", "CONTROL_CLASS", "NARROW_PX", "PROJECTOR_CSS"]

CONTROL_CLASS = "alliance-control"
"""The CSS class of a parameter control (label above its slider, help text below)."""

NARROW_PX = 960
"""Below this width the two columns of a page stack."""

APP_CSS = f"""
.{CONTROL_CLASS} .v-input__slot {{ flex-wrap: wrap; }}
.{CONTROL_CLASS} .v-input__slot > .v-label {{
    flex: 0 0 100%; max-width: 100%; white-space: normal; height: auto;
    line-height: 1.3; margin: 0 0 2px 0; font-size: 0.95em;
}}
.{CONTROL_CLASS} .v-input__slot > .v-slider {{ flex: 1 1 100%; margin: 30px 4px 0 4px; }}
.{CONTROL_CLASS} .v-messages {{ min-height: 0; }}
.{CONTROL_CLASS} .v-input__control > .v-messages {{ display: none; }}
.control-help {{ font-size: 0.8em; color: #555; line-height: 1.3; display: block; }}
.modified-marker {{
    display: inline-block; align-self: flex-start; font-size: 0.75em; font-weight: 600;
    color: #8a4b00; background: #fff3e0; border: 1px solid #ffb74d; border-radius: 10px;
    padding: 0 8px; margin: 0 0 3px 0;
}}
.parameter-modified .v-slider__thumb-label {{ background-color: #e65100 !important; }}
.clinic-now-title {{ font-weight: bold; }}
.clinic-now {{ display: flex; flex-wrap: wrap; gap: 6px 18px; }}
.v-card__title {{ word-break: normal; overflow-wrap: break-word; }}
.scenario-description {{ display: block; font-size: 0.9em; color: #424242; margin: -4px 0 8px 0; }}
.setup-lines {{ font-size: 0.95em; line-height: 1.4; }}
.setup-before {{ color: #616161; }}
.figure-caption {{ display: block; font-size: 0.85em; color: #424242; line-height: 1.35; }}
.figure-image, .live-plot img, .patient-detail img, .lesson img, .teacher img {{
    max-width: 100%; height: auto; display: block; align-self: flex-start;
}}
.figure-downloads {{ align-items: center; }}
.colour-by {{ max-width: 320px; }}
.clinic-view-legend {{
    display: flex; flex-wrap: wrap; align-items: center; gap: 4px 14px; font-size: 0.85em;
}}
.clinic-view-scale {{
    display: inline-block; width: 120px; height: 10px; border-radius: 2px; margin: 0 -8px;
}}
.clinic-view-key {{ display: inline-flex; align-items: center; gap: 4px; }}
.lesson-choice {{ max-width: 100%; height: auto !important; min-height: 36px; }}
.lesson-choice .v-btn__content {{
    white-space: normal; flex: 1 1 auto; text-align: left; line-height: 1.3; padding: 6px 0;
}}
.safe-markdown strong {{ font-weight: 700; }}
.safe-markdown ul, .safe-markdown ol {{ margin-bottom: 12px; }}

/* two columns: controls scroll, results stay in view */
.page-grid {{
    display: grid; grid-template-columns: minmax(280px, 380px) minmax(0, 1fr);
    gap: 16px; align-items: start; width: 100%; max-width: 100%;
}}
.page-grid > .results-column {{
    position: sticky; top: 0; max-height: calc(100vh - 140px); overflow-y: auto;
    overflow-x: hidden; min-width: 0;
}}
.page-grid > .controls-column {{ min-width: 0; }}
.page-grid.plain > .results-column {{ position: static; max-height: none; overflow: visible; }}
.results-grid {{
    display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr));
    gap: 12px; align-items: start; min-width: 0;
}}
.results-grid > * {{ min-width: 0; }}
.patient-detail {{
    display: grid; grid-template-columns: minmax(0, 2fr) minmax(220px, 1fr); gap: 12px;
}}
.therapist-traits th {{ text-align: left; font-weight: normal; padding-right: 12px; }}
.therapist-traits td {{ text-align: right; font-variant-numeric: tabular-nums; }}
@media (max-width: {NARROW_PX - 1}px) {{
    .page-grid {{ grid-template-columns: minmax(0, 1fr); }}
    .page-grid > .results-column {{
        position: static; max-height: none; overflow: visible; order: -1;
    }}
    .page-grid.plain > .results-column {{ order: 0; }}
    .results-grid {{ grid-template-columns: minmax(0, 1fr); }}
    .patient-detail {{ grid-template-columns: minmax(0, 1fr); }}
}}
/* Solara's "the server is working" bar (after 0.3 s): a still bar that appears and goes at
   once, not a running one that fades. Its animation and fades redraw every waiting page sixty
   times a second; with ten students stepping at once on one machine the browsers spent more
   on them than the server spent on the sessions. */
.v-application--wrap > .v-progress-linear--absolute,
.v-application--wrap > .v-progress-linear--absolute * {{ transition: none !important; }}
.v-application--wrap > .v-progress-linear--absolute .v-progress-linear__indeterminate .long {{
    animation: none !important; left: 0; right: 0;
}}
.v-application--wrap > .v-progress-linear--absolute .v-progress-linear__indeterminate .short {{
    animation: none !important; display: none;
}}
/* Step, Play, Pause, Reset change state at once: when the episode ends, fading two buttons
   to grey redrew the page some twenty times, for every student at once. */
.time-controls .v-btn {{ transition: none !important; }}
.v-main {{ overflow-x: hidden; }}
.app-frame {{ gap: 4px !important; }}
.app-frame .v-tabs > .v-tabs-bar {{ height: 40px; }}
.v-tabs {{ max-width: 100%; }}
"""
"""Every page's style rules."""

PROJECTOR_CSS = """
html { font-size: 20px !important; }
.v-application .hide-in-projector, .hide-in-projector { display: none !important; }
.v-application .v-label, .v-application .v-btn, .v-application .v-select__selection,
.v-application .v-input, .v-application .v-card__title { font-size: 1.15rem !important; }
.v-application .v-slider__thumb-label { font-size: 0.9rem !important; }
.page-grid { grid-template-columns: minmax(280px, 420px) minmax(0, 1fr); }
.clinic-now { font-size: 1.1rem; }
.results-grid { grid-template-columns: minmax(0, 1fr); }
.live-plot img, .patient-detail img { width: 100%; max-width: 100%; }
"""
"""Projector mode: larger type (figures fill their column), and what is marked
``hide-in-projector`` hidden."""
