"""The clinic view: every physiotherapist with their patients around them, session by session.

What an agent-based model shows that averages hide: each patient is a mark placed
around their own physiotherapist, **the closer the stronger their alliance** (the
overall alliance: goals, tasks and bond), coloured by the alliance or another
variable a student chooses. A patient who missed this session is drawn hollow;
one who dropped out is faded at the rim. At a glance some therapists' patients
sit close and others drift away. (NetLogo's world view, drawn as SVG in the
browser from a few numbers per patient: it works offline and a step sends only
those numbers.)

:func:`clinic_picture` computes the picture from a model; :func:`ClinicView`
draws it (``clinic_view.vue``) with a text alternative that starts "Clinic
view:", and a click on a patient selects them; :func:`clinic_view_figure` draws
the same picture with matplotlib, for a PNG download.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import solara
from matplotlib.colors import LinearSegmentedColormap, to_hex
from matplotlib.figure import Figure

from alliance_sim.core.scales import add_caption
from alliance_sim.engines.agent.model import ClinicModel

__all__ = [
    "CELL",
    "COLOUR_BY",
    "ROW",
    "ClinicPicture",
    "ClinicView",
    "clinic_caption",
    "clinic_picture",
    "clinic_view_figure",
    "colour_scale_html",
]

CELL = 100.0
"""The width of one physiotherapist's place in the picture (SVG units)."""
ROW = 108.0
"""The height of one physiotherapist's place: their circle and a line for their label."""
INNER, OUTER, RIM = 13.0, 43.0, 47.0
"""Distances from the physiotherapist: a full alliance, no alliance, dropped out."""
GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))
"""Patients are spread around their physiotherapist at this angle from one to the next."""

COLOUR_BY: dict[str, tuple[str, float, float, bool]] = {
    "alliance": ("Overall alliance (0–1)", 0.0, 1.0, True),
    "bond": ("Bond (0–1)", 0.0, 1.0, True),
    "goal_agreement": ("Goal agreement (0–1)", 0.0, 1.0, True),
    "task_agreement": ("Task agreement (0–1)", 0.0, 1.0, True),
    "self_efficacy": ("Self-efficacy (0–1)", 0.0, 1.0, True),
    "adherence": ("Home-exercise adherence (share)", 0.0, 1.0, True),
    "pain_mm": ("Pain (mm, 0–100)", 0.0, 100.0, False),
    "disability": ("Disability (0–100)", 0.0, 100.0, False),
}
"""What the marks can be coloured by: (label, low, high, whether higher is better)."""

# Red (poor) through yellow to blue (good): readable with the common colour blindnesses.
_MAP = LinearSegmentedColormap.from_list(
    "alliance_sim_poor_to_good", ["#d73027", "#fc8d59", "#fee090", "#91bfdb", "#4575b4"]
)
_STEPS = 101
_GOOD_HIGH = [to_hex(_MAP(i / (_STEPS - 1))) for i in range(_STEPS)]
_GOOD_LOW = _GOOD_HIGH[::-1]
FADED = "#9e9e9e"


@dataclass(frozen=True)
class ClinicPicture:
    """The clinic view's numbers for one session."""

    width: float
    height: float
    therapists: list[dict[str, Any]]
    """One per physiotherapist: ``id``, ``x``, ``y``, ``label`` (with their patients' mean alliance)."""
    patients: list[list[Any]]
    """One per patient: ``[patient_id, x, y, colour, state]``; state is ``attended``,
    ``missed`` (this session) or ``out`` (dropped out)."""
    mark: float
    """The radius of a patient's mark."""
    description: str
    """The text alternative ("Clinic view: …")."""
    colour_label: str
    scale: list[str] = field(default_factory=list)
    """Five colours from the low end of the colour scale to the high end."""
    scale_ends: tuple[str, str] = ("", "")


def _colour(value: float, low: float, high: float, good_high: bool) -> str:
    if not math.isfinite(value):
        return FADED
    share = min(max((value - low) / (high - low), 0.0), 1.0)
    table = _GOOD_HIGH if good_high else _GOOD_LOW
    return table[round(share * (_STEPS - 1))]


def _grid(n: int, aspect: float = 1.7) -> tuple[int, int]:
    columns = max(1, min(n, math.ceil(math.sqrt(n * aspect))))
    return columns, math.ceil(n / columns)


def clinic_picture(model: ClinicModel, colour_by: str = "alliance") -> ClinicPicture:
    """The clinic view of ``model`` as it stands (after ``model.session``), coloured by ``colour_by``."""
    if colour_by not in COLOUR_BY:
        colour_by = "alliance"
    label, low, high, good_high = COLOUR_BY[colour_by]
    n_therapists = len(model.therapists)
    columns, rows = _grid(n_therapists)
    centres = [
        ((j % columns + 0.5) * CELL, j // columns * ROW + CELL / 2) for j in range(n_therapists)
    ]
    session = model.session
    patients: list[list[Any]] = []
    counts = [0] * n_therapists
    alliance_sum = [0.0] * n_therapists
    in_care = [0] * n_therapists
    n_out = n_missed = 0
    for patient in model.patients_in_order:
        j = patient.therapist_id
        k = counts[j]
        counts[j] += 1
        alliance = float(patient.alliance)
        if patient.dropped_out:
            state, distance, colour = "out", RIM, FADED
            n_out += 1
        else:
            missed = session > 0 and not patient.attended
            state = "missed" if missed else "attended"
            n_missed += missed
            distance = INNER + (1.0 - min(max(alliance, 0.0), 1.0)) * (OUTER - INNER)
            colour = _colour(float(getattr(patient, colour_by)), low, high, good_high)
            alliance_sum[j] += alliance
            in_care[j] += 1
        angle = k * GOLDEN_ANGLE
        x, y = centres[j]
        patients.append(
            [
                patient.patient_id,
                round(x + distance * math.cos(angle), 1),
                round(y + distance * math.sin(angle), 1),
                colour,
                state,
            ]
        )
    therapists = []
    for j, (x, y) in enumerate(centres):
        mean = f"{alliance_sum[j] / in_care[j]:.2f}" if in_care[j] else "–"
        therapists.append({"id": j, "x": x, "y": y, "label": f"Therapist {j} · alliance {mean}"})
    per_therapist = max(counts, default=1) or 1
    area = math.pi * (OUTER**2 - INNER**2) / per_therapist
    mark = round(min(max(0.36 * math.sqrt(area), 0.9), 3.2), 2)
    n_patients = len(patients)
    description = (
        f"Clinic view: {n_therapists} physiotherapist{'s' * (n_therapists != 1)}, "
        f"{n_patients} patient{'s' * (n_patients != 1)}, {n_out} dropped out"
        + (f", {n_missed} missed session {session}" if session > 0 else "")
        + f"; after {session} of {model.n_sessions} sessions. Each patient sits around "
        "their physiotherapist, closer with a stronger alliance; colour: "
        + label.split(" (")[0].lower()
        + "."
    )
    ends = (f"{low:g}", f"{high:g}")
    scale = [_colour(low + (high - low) * i / 4, low, high, good_high) for i in range(5)]
    return ClinicPicture(
        columns * CELL, rows * ROW, therapists, patients, mark, description, label, scale, ends
    )


def clinic_caption(colour_label: str) -> str:
    """The sentence under the clinic view."""
    return (
        "Each dot is a patient around their physiotherapist: the closer, the stronger their "
        f"overall alliance; colour: {colour_label.lower()}. Hollow: missed this session; "
        "grey at the rim: dropped out. One clinic, no bands."
    )


def clinic_view_figure(picture: ClinicPicture, title: str, caption: bool = True) -> Figure:
    """The clinic view drawn with matplotlib (for a PNG): the same places and colours."""
    scale = 7.0 / max(picture.width, picture.height) * CELL
    fig = Figure(
        figsize=(max(picture.width / CELL * scale / 1.0, 4.0), picture.height / CELL * scale + 1.2),
        layout="constrained",
    )
    ax = fig.add_subplot()
    ax.set_xlim(0, picture.width)
    ax.set_ylim(picture.height, 0)
    ax.set_aspect("equal")
    ax.axis("off")
    size = (picture.mark * 72 / CELL * scale * 2) ** 2
    for therapist in picture.therapists:
        x, y = therapist["x"], therapist["y"]
        ax.add_patch(_circle((x, y), RIM + 1.5, fill=False, edgecolor="#dddddd"))
        ax.scatter([x], [y], s=size * 4, color="#37474f", marker="s", zorder=3)
        ax.text(x, y + RIM + 1, therapist["label"], ha="center", va="top", fontsize=7)
    for state, face in (("out", None), ("attended", None), ("missed", "white")):
        chosen = [p for p in picture.patients if p[4] == state]
        if not chosen:
            continue
        colours = [p[3] for p in chosen]
        ax.scatter(
            [p[1] for p in chosen],
            [p[2] for p in chosen],
            s=size,
            c=colours if face is None else face,
            edgecolors=colours,
            linewidths=0.8,
            alpha=0.35 if state == "out" else 1.0,
            zorder=2,
        )
    ax.set_title(title, fontsize=10, parse_math=False)
    if caption:
        add_caption(fig, clinic_caption(picture.colour_label), width=95)
    return fig


def _circle(centre: tuple[float, float], radius: float, **style: Any) -> Any:
    from matplotlib.patches import Circle

    return Circle(centre, radius, **style)


@solara.component_vue("clinic_view.vue")
def ClinicViewDrawing(
    width: float,
    height: float,
    therapists: list[dict[str, Any]],
    patients_json: str,
    mark: float,
    selected: int | None,
    description: str,
    rim: float,
    event_select: Callable[[int], None],
) -> None:
    """The clinic view as the browser draws it (``clinic_view.vue``).

    The patients travel as one JSON text (``[[id, x, y, colour, state], …]``), not
    as a list: a list of hundreds of small lists was walked item by item by the
    server on every step (to compare it, check it and send it) and made deeply
    reactive by the browser, for every student stepping at once.
    """


@solara.component
def ClinicView(
    picture: ClinicPicture, selected: int | None, on_select: Callable[[int], None]
) -> solara.Element:
    """The clinic view; a click on a patient calls ``on_select`` with their number.

    What the browser sends is checked: only a patient's number selects anyone.
    """
    known = {row[0] for row in picture.patients}

    def select(patient_id: Any) -> None:
        if isinstance(patient_id, int) and not isinstance(patient_id, bool) and patient_id in known:
            on_select(patient_id)

    return ClinicViewDrawing(
        width=picture.width,
        height=picture.height,
        therapists=picture.therapists,
        patients_json=json.dumps(picture.patients, separators=(",", ":")),
        mark=picture.mark,
        selected=selected,
        description=picture.description,
        rim=RIM + 1.5,
        event_select=select,
    )


def colour_scale_html(picture: ClinicPicture) -> str:
    """The legend of the colours and marks, as HTML (our own text only)."""
    stops = ", ".join(picture.scale)
    low, high = picture.scale_ends
    return (
        '<div class="clinic-view-legend">'
        f'<span>{low}</span><span class="clinic-view-scale" '
        f'style="background: linear-gradient(to right, {stops})"></span><span>{high}</span>'
        '<span class="clinic-view-key"><svg width="12" height="12" aria-hidden="true">'
        '<circle cx="6" cy="6" r="4.5" fill="#4575b4"/></svg> attended</span>'
        '<span class="clinic-view-key"><svg width="12" height="12" aria-hidden="true">'
        '<circle cx="6" cy="6" r="4.5" fill="white" stroke="#4575b4" stroke-width="1.5"/>'
        "</svg> missed this session</span>"
        '<span class="clinic-view-key"><svg width="12" height="12" aria-hidden="true">'
        f'<circle cx="6" cy="6" r="4.5" fill="{FADED}" opacity="0.4"/></svg> dropped out</span>'
        "</div>"
    )
