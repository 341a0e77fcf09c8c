"""Parameter controls generated from the parameter schema (one source of truth).

Every parameter gets the control of its kind — a slider for numbers, a select
for choices, a text field for session lists — labelled with the schema's label
and unit, with its help text underneath (and, for a calibrated parameter, its 90%
credible interval from the shipped posterior), grouped by the schema's groups. A
control whose value differs from the scenario's carries a "modified" marker.
A few parameters are the **key what-ifs** a class starts with; Explore shows
them in a panel of their own, above the groups.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import reacton.ipyvuetify as rv
import solara

from alliance_sim.core.errors import AllianceSimError, ParameterError
from alliance_sim.core.params import GROUPS, SCHEMA, Kind, Parameter, Params, check_seed
from alliance_sim.core.posterior import parameter_help
from alliance_sim.ui.share import value_text
from alliance_sim.ui.style import CONTROL_CLASS

__all__ = [
    "KEY_WHAT_IFS",
    "GroupControls",
    "GroupSection",
    "KeyWhatIfs",
    "ParameterControl",
    "SeedInput",
    "control_label",
]

STEP_FLOAT = 0.01
FLOAT_DECIMALS = round(-math.log10(STEP_FLOAT))
"""The decimals a float slider shows: it moves in steps of :data:`STEP_FLOAT`."""

KEY_WHAT_IFS: tuple[str, ...] = (
    "power_sharing_mean",
    "empathy_mean",
    "self_efficacy_mean",
    "p_prefers_active",
    "caseload",
)
"""The parameters a class tries first: the therapists' power-sharing style and empathy,
the patients' self-efficacy and preferred involvement, and the caseload (by name, from
the schema)."""

for _name in KEY_WHAT_IFS:
    if _name not in SCHEMA:  # a renamed parameter must be renamed here too
        raise TypeError(f"KEY_WHAT_IFS names {_name!r}, which is not in the parameter schema")


def control_label(spec: Parameter) -> str:
    """The label a student sees: the schema's label and, where it has one, the unit."""
    return f"{spec.label}, {spec.unit}" if spec.unit else spec.label


def modified_text(spec: Parameter, baseline: object) -> str:
    """What the "modified" marker says: the scenario's own value."""
    return f"modified — the scenario has {value_text(baseline)}"


@solara.component
def ParameterControl(
    spec: Parameter,
    value: object,
    on_change: Callable[[str, object], None],
    baseline: object = None,
) -> solara.Element:
    """One parameter's control, with its help text; marked "modified" when it differs from ``baseline``."""
    label = control_label(spec)
    modified = baseline is not None and value != baseline

    def changed(new: object) -> None:
        if spec.kind is Kind.FLOAT and _same_on_the_slider(new, value):
            return  # the slider put the value on its grid; the user moved nothing
        on_change(spec.name, new)

    classes = [CONTROL_CLASS, *(["parameter-modified"] if modified else [])]
    with solara.Column(gap="0px", style={"margin-bottom": "10px"}, classes=classes) as column:
        if spec.kind in (Kind.FLOAT, Kind.INT):
            if spec.low is None or spec.high is None:
                raise TypeError(f"numeric parameter {spec.name} is declared without bounds")
            if spec.kind is Kind.FLOAT:
                solara.SliderFloat(
                    label,
                    value=float(value),  # type: ignore[arg-type]  # the schema says FLOAT
                    min=spec.low,
                    max=spec.high,
                    step=STEP_FLOAT,
                    thumb_label="always",
                    on_value=changed,
                )
            else:
                solara.SliderInt(
                    label,
                    value=int(value),  # type: ignore[call-overload]  # the schema says INT
                    min=int(spec.low),
                    max=int(spec.high),
                    thumb_label="always",
                    on_value=changed,
                )
        elif spec.kind is Kind.CHOICE:
            solara.Select(label, values=list(spec.choices), value=str(value), on_value=changed)
        else:
            solara.InputText(label, value=str(value), on_value=changed, continuous_update=False)
        if modified:
            solara.Text(modified_text(spec, baseline), classes=["modified-marker"])
        solara.Text(  # with a calibrated parameter's 90% credible interval
            parameter_help(spec.name), classes=["control-help", "hide-in-projector"]
        )
    return column


def _same_on_the_slider(new: object, current: object) -> bool:
    """Whether a float slider's ``new`` value is just ``current`` rounded to the slider's steps.

    A slider in the browser snaps a value that is not on its grid (a calibrated
    default such as 0.1439) to the nearest step (0.14) as soon as it is shown, and
    reports that as a change. Taken as one, it would quietly round the parameter and
    rebuild the clinic whenever its group was opened.
    """
    try:
        return round(float(new), FLOAT_DECIMALS) == round(float(current), FLOAT_DECIMALS)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _changer(
    params: Params, on_params: Callable[[Params], None], on_error: Callable[[str | None], None]
) -> Callable[[str, object], None]:
    """A control's change, validated through :class:`Params`: a value not allowed is reported."""

    def on_change(name: str, value: object) -> None:
        try:
            new = params.replace(**{name: value})
        except AllianceSimError as error:
            on_error(str(error))
            return
        on_error(None)
        on_params(new)

    return on_change


@solara.component
def GroupControls(
    params: Params,
    on_params: Callable[[Params], None],
    on_error: Callable[[str | None], None],
    groups: Sequence[str] = tuple(GROUPS),
    expanded: str | None = None,
    baseline: Mapping[str, Any] | None = None,
    exclude: Sequence[str] = (),
) -> solara.Element:
    """Every parameter of ``groups`` but ``exclude``, one expandable section per group.

    Sections start closed (``expanded`` names one to open). A change is validated
    through :class:`Params`; a value that is not allowed reports its message
    through ``on_error`` and keeps the old value. ``baseline`` (the scenario's
    values) marks the controls that differ from it.
    """
    on_change = _changer(params, on_params, on_error)
    with solara.Column(gap="4px") as column:
        for group in groups:
            GroupSection(
                group,
                params,
                on_change,
                expand=group == expanded,
                baseline=baseline,
                exclude=tuple(exclude),
            )
    return column


@solara.component
def GroupSection(
    group: str,
    params: Params,
    on_change: Callable[[str, object], None],
    expand: bool = False,
    baseline: Mapping[str, Any] | None = None,
    exclude: tuple[str, ...] = (),
) -> solara.Element:
    """One group's expandable section; its controls exist only while it is open.

    Closed sections hold no sliders, so the page stays small: every update of the
    page (a Step in Explore) walks all of its elements. The heading counts the
    group's modified parameters.
    """
    is_open, set_open = solara.use_state(expand)
    specs = [spec for spec in SCHEMA.values() if spec.group == group and spec.name not in exclude]
    modified = sum(
        baseline is not None and params[spec.name] != baseline[spec.name]
        for spec in SCHEMA.values()
        if spec.group == group
    )
    title = GROUPS[group] + (f" ({modified} modified)" if modified else "")
    elsewhere = [SCHEMA[name].label for name in exclude if SCHEMA[name].group == group]
    with (
        rv.ExpansionPanels(
            v_model=0 if is_open else None,
            on_v_model=lambda index: set_open(index == 0),
            class_="parameter-group",
        ) as section,
        rv.ExpansionPanel(),
    ):
        rv.ExpansionPanelHeader(children=[title])
        with rv.ExpansionPanelContent():
            if is_open:
                if elsewhere:
                    solara.Text(
                        "Under Key what-ifs above: " + "; ".join(elsewhere) + ".",
                        classes=["control-help"],
                    )
                for spec in specs:
                    ParameterControl(
                        spec,
                        params[spec.name],
                        on_change,
                        baseline[spec.name] if baseline is not None else None,
                    )
    return section


@solara.component
def KeyWhatIfs(
    params: Params,
    on_params: Callable[[Params], None],
    on_error: Callable[[str | None], None],
    baseline: Mapping[str, Any] | None = None,
) -> solara.Element:
    """The controls of :data:`KEY_WHAT_IFS`, always open."""
    on_change = _changer(params, on_params, on_error)
    with solara.Column(gap="0px", classes=["key-what-ifs"]) as column:
        for name in KEY_WHAT_IFS:
            ParameterControl(
                SCHEMA[name],
                params[name],
                on_change,
                baseline[name] if baseline is not None else None,
            )
    return column


@solara.component
def SeedInput(
    label: str,
    value: int,
    on_value: Callable[[int], None],
    on_error: Callable[[str], None],
) -> solara.Element:
    """A seed field: a whole number from 0 to ``MAX_SEED`` goes to ``on_value``.

    Anything else (a negative number, one too large, an empty field) reports the
    message of :func:`~alliance_sim.core.params.check_seed` through ``on_error``, and the
    page keeps the seed it had.
    """

    def changed(new: int | None) -> None:
        try:
            seed = check_seed(new)
        except ParameterError as error:
            on_error(str(error))
            return
        on_value(seed)

    return solara.InputInt(label, value=value, on_value=changed, optional=True)
