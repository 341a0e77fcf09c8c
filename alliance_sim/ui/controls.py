"""Parameter controls generated from the parameter schema (one source of truth).

Every parameter gets the control of its kind — a slider for numbers, a select
for choices, a text field for session lists — labelled with the schema's label
and unit, with its help text underneath (and, for a calibrated parameter, its 90%
credible interval from the shipped posterior), grouped by the schema's groups.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import reacton.ipyvuetify as rv
import solara

from alliance_sim.core.errors import AllianceSimError, ParameterError
from alliance_sim.core.params import GROUPS, SCHEMA, Kind, Parameter, Params, check_seed
from alliance_sim.core.posterior import parameter_help
from alliance_sim.ui.style import CONTROL_CLASS

__all__ = ["GroupControls", "GroupSection", "ParameterControl", "SeedInput", "control_label"]

STEP_FLOAT = 0.01
FLOAT_DECIMALS = round(-math.log10(STEP_FLOAT))
"""The decimals a float slider shows: it moves in steps of :data:`STEP_FLOAT`."""


def control_label(spec: Parameter) -> str:
    """The label a student sees: the schema's label and, where it has one, the unit."""
    return f"{spec.label}, {spec.unit}" if spec.unit else spec.label


@solara.component
def ParameterControl(
    spec: Parameter, value: object, on_change: Callable[[str, object], None]
) -> solara.Element:
    """One parameter's control, with its help text."""
    label = control_label(spec)

    def changed(new: object) -> None:
        if spec.kind is Kind.FLOAT and _same_on_the_slider(new, value):
            return  # the slider put the value on its grid; the user moved nothing
        on_change(spec.name, new)

    with solara.Column(
        gap="0px", style={"margin-bottom": "10px"}, classes=[CONTROL_CLASS]
    ) as column:
        if spec.kind is Kind.FLOAT:
            assert spec.low is not None and spec.high is not None
            solara.SliderFloat(
                label,
                value=float(value),  # type: ignore[arg-type]
                min=spec.low,
                max=spec.high,
                step=STEP_FLOAT,
                thumb_label="always",
                on_value=changed,
            )
        elif spec.kind is Kind.INT:
            assert spec.low is not None and spec.high is not None
            solara.SliderInt(
                label,
                value=int(value),  # type: ignore[call-overload]
                min=int(spec.low),
                max=int(spec.high),
                thumb_label="always",
                on_value=changed,
            )
        elif spec.kind is Kind.CHOICE:
            solara.Select(label, values=list(spec.choices), value=str(value), on_value=changed)
        else:
            solara.InputText(label, value=str(value), on_value=changed, continuous_update=False)
        solara.Text(  # with a calibrated parameter's 90% credible interval
            parameter_help(spec.name),
            style={"font-size": "0.8em", "color": "#555", "line-height": "1.3"},
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


@solara.component
def GroupControls(
    params: Params,
    on_params: Callable[[Params], None],
    on_error: Callable[[str | None], None],
    groups: tuple[str, ...] = tuple(GROUPS),
    expanded: str | None = "therapist",
) -> solara.Element:
    """Every parameter of ``groups``, one expandable section per group (``expanded`` open first).

    A change is validated through :class:`Params`; a value that is not
    allowed reports its message through ``on_error`` and keeps the old value.
    """

    def on_change(name: str, value: object) -> None:
        try:
            on_params(params.replace(**{name: value}))
            on_error(None)
        except AllianceSimError as error:
            on_error(str(error))

    with solara.Column() as column:
        for group in groups:
            GroupSection(group, params, on_change, expand=group == expanded)
    return column


@solara.component
def GroupSection(
    group: str,
    params: Params,
    on_change: Callable[[str, object], None],
    expand: bool = False,
) -> solara.Element:
    """One group's expandable section; its controls exist only while it is open.

    Closed sections hold no sliders, so the page stays small: every update of the
    page (a Step in Explore) walks all of its elements, and the 60 controls used
    to be most of them.
    """
    is_open, set_open = solara.use_state(expand)
    with (
        rv.ExpansionPanels(
            v_model=0 if is_open else None, on_v_model=lambda index: set_open(index == 0)
        ) as section,
        rv.ExpansionPanel(),
    ):
        rv.ExpansionPanelHeader(children=[GROUPS[group]])
        with rv.ExpansionPanelContent():
            if is_open:
                for spec in SCHEMA.values():
                    if spec.group == group:
                        ParameterControl(spec, params[spec.name], on_change)
    return section


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
