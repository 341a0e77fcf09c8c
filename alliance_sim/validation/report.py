"""The validation table as text: Markdown tables by role and the report with its figures."""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from alliance_sim.core.errors import AllianceSimError
from alliance_sim.records.io import Writer, write_files
from alliance_sim.validation.defaults import POSTERIOR_RULES, POSTERIOR_TRIALS_PER_DRAW, RULES
from alliance_sim.validation.judge import ValidationResult
from alliance_sim.validation.patterns import PATTERNS

__all__ = ["format_value", "markdown_table", "pattern_table", "simulated_text", "write_report"]

ROLE_TITLES = {
    "target": "Calibration targets",
    "check": "Checks (out of sample)",
}


def format_value(value: float, unit: str) -> str:
    """A simulated value or bound for display (shares as percentages)."""
    if not math.isfinite(value):
        return "n/a"
    if unit.startswith("share"):
        return f"{100 * value:.1f}%"
    if abs(value) >= 100:
        return f"{value:.1f}"
    return f"{value:.2f}" if abs(value) >= 1 else f"{value:.3f}"


def simulated_text(row: Any) -> str:
    """``value [low, high]`` of a table row.

    The median study and the middle 95% of the studies (interval rule), or the share of
    trials and its Wilson interval (share rule).
    """
    unit = "share" if row.judged_by == "share" else row.unit
    return (
        f"{format_value(row.simulated, unit)}"
        f" [{format_value(row.simulated_low, unit)}, {format_value(row.simulated_high, unit)}]"
    )


def markdown_table(table: pd.DataFrame) -> str:
    """Rows of the validation table in Markdown (sources in short, in full in the report)."""
    cites = {p.id: p.cite for p in PATTERNS}
    lines = [
        "| Pattern | Role | What | Source | Published | n | Rule | Simulated [95%] | Tolerance"
        " | Verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        lines.append(
            f"| `{row.id}` | {row.role} | {row.what} | {cites.get(row.id, row.source)} |"
            f" {row.published} |"
            f" {row.n} | {row.judged_by} | {simulated_text(row)} | {row.tolerance} |"
            f" {'pass' if row.passed else '**miss**'} |"
        )
    return "\n".join(lines)


def pattern_table() -> str:
    """Every pattern as a Markdown table (the one in ``docs/ODD.md`` §1.2), from the data alone."""
    lines = [
        "| Pattern | Role | Published (source) | n | One simulated study | Rule | Tolerance |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in PATTERNS:
        lines.append(
            f"| `{p.id}` | {p.role} | {p.published} ({p.cite}) | {p.n} | {p.design} |"
            f" {p.judged_by} | {p.tolerance} ({p.unit}) |"
        )
    return "\n".join(lines)


def _provenance_table(table: pd.DataFrame) -> str:
    reasons = {p.id: p.reason for p in PATTERNS}
    lines = [
        "| Pattern | Why this role | Source | Where the figure was found |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| `{row.id}` | {row.role}: {reasons.get(row.id, '')} | {row.source} | {row.provenance} |"
        for row in table.itertuples()
    ]
    return "\n".join(lines)


def write_report(result: ValidationResult, path: str | Path) -> Path:
    """Write the validation report (Markdown) and its figures (PNG, beside it).

    Each file is written under a temporary name and renamed into place.

    Raises:
        AllianceSimError: when the folder does not exist or a file cannot be written.
    """
    from alliance_sim.trials import trial_figure

    target = Path(path)
    if not target.parent.is_dir():
        raise AllianceSimError(
            f"--report {str(path)!r}: the folder {str(target.parent)!r} does not exist"
        )
    figures = {
        f"{target.stem}-{name}.png": trial_figure(trial) for name, trial in result.trials.items()
    }
    missed = result.missed_checks
    if result.draws:
        title = "# alliance-sim posterior predictive check"
        setting = (
            f"Seed {result.seed}; {result.draws} parameter sets drawn from the posterior"
            f" (`{Path(result.posterior or '').name}`), each simulated with"
            f" {POSTERIOR_TRIALS_PER_DRAW} trials per trial pattern ({result.replicates} in"
            f" all) and its own clinics ({result.clinics} in all), pooled into studies of the"
            " published size: the intervals include parameter uncertainty as well as"
            " patients' sampling."
        )
        rules = POSTERIOR_RULES
    else:
        title = "# alliance-sim validation report"
        setting = (
            f"Seed {result.seed}; {result.replicates} simulated trials per trial pattern;"
            f" {result.clinics} default clinics pooled into studies of the published size for"
            " the clinic patterns; default parameters."
        )
        rules = RULES
    text = [
        title,
        "",
        setting,
        "",
        *(f"- {line}" for line in result.summary_lines()),
        "",
        "`alliance-sim validate` exits with 0 when every calibration target passes; the checks"
        " are out of sample (never used by `alliance-sim calibrate`) and do not set the exit"
        " code.",
        "",
        "How a pattern is judged:",
        "",
        *(f"- **{rule}**: {words}." for rule, words in rules.items()),
        "",
        "Simulated: the median study and, in brackets, the middle 95% of the studies (interval"
        " rule); or the share of trials reaching the published conclusion and its 95% Wilson"
        " interval (share rule). *n*: patients per simulated study (per arm for a comparison).",
        "",
    ]
    for role, part in (("target", result.targets), ("check", result.checks)):
        text += [f"## {ROLE_TITLES[role]}", "", markdown_table(part), ""]
    text += ["## Checks that miss", ""]
    if missed.empty:
        text += ["None.", ""]
    else:
        text += [
            f"- `{row.id}`: {row.what} — published {row.published}; simulated"
            f" {simulated_text(row)}; tolerance {row.tolerance}."
            for row in missed.itertuples()
        ] + [""]
    text += [
        "## Why each role, and where each figure was found",
        "",
        _provenance_table(result.table),
        "",
    ]
    for name in result.trials:
        text += [
            f"## Trial `{name}`",
            "",
            f"![{name}: simulated vs published]({target.stem}-{name}.png)",
            "",
        ]
    writers: dict[Path, Writer] = {
        target.with_name(name): partial(_save_figure, fig) for name, fig in figures.items()
    }
    writers[target] = partial(_save_text, "\n".join(text))
    write_files(writers, "report file")
    return target


def _save_figure(figure: Figure, path: Path) -> None:
    figure.savefig(path, dpi=110, format="png")


def _save_text(text: str, path: Path) -> None:
    path.write_text(text, encoding="utf-8")
