"""The measurement model: simulated alliance questionnaires rated by patients and therapists.

A study never sees the latent alliance; it sees questionnaire answers. Each
item's answer is the rater's view of the latent component plus the rater's
bias and personal leniency plus item noise, cut into the answer scale at
ordered item thresholds. Patients rate favourably, so their answers pile up at
the top of the scale (the ceiling effect); therapists see the patient's side only
partly and rate every patient partly by their usual impression, so their
scores follow each dyad's alliance less closely.

Two instruments:

* **WAI-SR** (Hatcher & Gillaspy 2006): 12 items, 1–5, four each for goal,
  task and bond; scored as the mean item score of each subscale and of all 12
  items. Rated by the patient and by the therapist.
* **WATOCI-9** (after Hall et al. 2012, who kept nine unidimensional items of the
  Working Alliance Theory of Change Inventory): 9 items, 1–7, one overall
  alliance dimension; scored as the mean item score. Rated by the patient.

Item wording is not reproduced; items are identified by number and subscale.

References:
    Horvath, A. O., & Greenberg, L. S. (1989). Development and validation of the
    Working Alliance Inventory. J Couns Psychol 36(2).
    Hatcher, R. L., & Gillaspy, J. A. (2006). Development and validation of a
    revised short version of the Working Alliance Inventory. Psychother Res 16(1).
    Hall, A. M., Ferreira, M. L., Clemson, L., Ferreira, P., Latimer, J., &
    Maher, C. G. (2012). Assessment of the therapeutic alliance in physical
    rehabilitation: a RASCH analysis. Disabil Rehabil 34(3).
    Bachelor, A. (2013). Clients' and therapists' views of the therapeutic
    alliance: similarities, differences and relationship to therapy outcome.
    Clin Psychol Psychother 20(2).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from alliance_sim.rules.types import Number

__all__ = [
    "FORMS",
    "N_QUESTIONNAIRE_DRAWS",
    "THERAPIST_ANCHOR",
    "WAI_SR",
    "WATOCI_9",
    "Instrument",
    "answer_items",
    "item_latents",
    "score",
    "therapist_view",
]

Array = npt.NDArray[np.float64]

COMPONENTS: tuple[str, ...] = ("goal", "task", "bond")


@dataclass(frozen=True)
class Instrument:
    """A questionnaire: its items' subscales, answer scale and item thresholds."""

    name: str
    subscales: tuple[str, ...]
    """The latent component each item measures, in item order (1-based numbering)."""
    levels: int
    """Number of answer options (answers run from 1 to ``levels``)."""
    item_offsets: tuple[float, ...]
    """How much harder (positive) or easier each item is to endorse."""

    @property
    def n_items(self) -> int:
        """Number of items."""
        return len(self.subscales)

    @property
    def scales(self) -> tuple[str, ...]:
        """The subscales in scoring order (without duplicates)."""
        return tuple(dict.fromkeys(self.subscales))

    def thresholds(self) -> Array:
        """The cut points on the perceived 0–1 scale, shape (items, levels − 1); read-only."""
        return self._cut_points

    # Computed once per instrument: the agent engine answers one patient at a time,
    # where rebuilding these small arrays on every call cost more than the answers.
    @cached_property
    def _cut_points(self) -> Array:
        base = np.arange(1, self.levels) / self.levels
        cuts = base[None, :] + np.asarray(self.item_offsets)[:, None]
        cuts.setflags(write=False)
        return cuts

    @cached_property
    def items_of_scale(self) -> dict[str, npt.NDArray[np.intp]]:
        """The positions of each subscale's items, in item order."""
        return {scale: np.flatnonzero(np.asarray(self.subscales) == scale) for scale in self.scales}

    @cached_property
    def component_of_item(self) -> npt.NDArray[np.intp]:
        """For a multi-scale form, the alliance component (index into COMPONENTS) of each item."""
        return np.array([COMPONENTS.index(s) for s in self.subscales], dtype=np.intp)


WAI_SR = Instrument(
    name="wai_sr",
    # Hatcher & Gillaspy 2006: goal 4, 6, 8, 11; task 1, 2, 10, 12; bond 3, 5, 7, 9.
    subscales=(
        "task",
        "task",
        "bond",
        "goal",
        "bond",
        "goal",
        "bond",
        "goal",
        "bond",
        "task",
        "goal",
        "task",
    ),
    levels=5,
    item_offsets=(0.02, 0.04, -0.03, 0.03, -0.05, 0.0, -0.02, 0.01, 0.05, 0.0, 0.03, -0.01),
)
"""The Working Alliance Inventory – Short Revised (12 items, 1–5)."""

WATOCI_9 = Instrument(
    name="watoci_9",
    subscales=("overall",) * 9,
    levels=7,
    item_offsets=(0.0, -0.03, 0.02, -0.02, 0.03, -0.01, 0.01, -0.04, 0.02),
)
"""A nine-item, unidimensional WATOCI-like form (1–7)."""

THERAPIST_ANCHOR = 0.72
"""A therapist's usual impression of how well their alliances go (0–1): a typical formed
alliance (:data:`~alliance_sim.rules.alliance.TYPICAL_ALLIANCE`)."""

FORMS: tuple[tuple[str, Instrument], ...] = (
    ("patient", WAI_SR),
    ("therapist", WAI_SR),
    ("patient", WATOCI_9),
)
"""The forms filled in for each attending patient on a measured session, as (rater,
instrument), in order: the order of the questionnaire rows and of the noise columns."""

N_QUESTIONNAIRE_DRAWS = sum(instrument.n_items for _, instrument in FORMS)
"""Normal draws per patient on a measured session: patient WAI-SR, therapist WAI-SR, WATOCI-9."""


def item_latents(instrument: Instrument, goal: Number, task: Number, bond: Number) -> Array:
    """The latent value behind each item, shape (..., items).

    WAI-SR items take their subscale's component; the unidimensional form
    takes the overall alliance (the mean of the three).
    """
    if np.ndim(goal) == np.ndim(task) == np.ndim(bond) == 0:  # one patient
        comps = np.array([goal, task, bond], dtype=float)
    else:
        comps = np.stack(np.broadcast_arrays(goal, task, bond), axis=-1).astype(float)
    if instrument.scales == ("overall",):
        overall = (comps[..., 0] + comps[..., 1] + comps[..., 2]) / 3.0
        return np.repeat(overall[..., None], instrument.n_items, axis=-1)
    return comps[..., instrument.component_of_item]


def therapist_view(latent: Array, insight: Number) -> Array:
    """What the therapist perceives: this dyad's alliance, seen only partly.

    ``insight × latent + (1 − insight) × anchor`` with ``anchor = 0.72``: a
    therapist sees the patient's side of the relationship only partly and rates
    every patient partly by how their sessions usually go (``insight``, parameter
    ``therapist_insight``). Their ratings therefore vary less between patients
    (clinician SD 5.0 vs patient SD 7.1 of 60; Lambers & Bolton 2016) and agree
    poorly with the patient's own (ICC 0.13 in the same study; r = .36 in
    psychotherapy, Tryon et al. 2007), and they predict outcome no better than
    the patient's (Martin et al. 2000; Lawford et al. 2021).

    References:
        Bachelor 2013; Horvath, A. O., & Bedi, R. P. (2002). The alliance. In
        Psychotherapy relationships that work.
        Lambers, N. M., & Bolton, J. E. (2016). Chiropr Man Therap 24:18.
        Tryon, G. S., Blackwell, S. C., & Hammel, E. F. (2007). A meta-analytic
        examination of client-therapist perspectives of the working alliance.
        Psychother Res 17(6).
    """
    return insight * latent + (1.0 - insight) * THERAPIST_ANCHOR


def answer_items(
    instrument: Instrument,
    perceived: Array,
    bias: Number,
    leniency: Number,
    noise: Array,
) -> Array:
    """The answers (1..levels, as floats) given to each item, shape (..., items).

    ``answer = 1 + number of the item's thresholds below
    perceived + bias + leniency + noise``.
    """
    view = perceived + bias + np.asarray(leniency, dtype=float)[..., None] + noise
    answers = np.ones(view.shape)
    for cut in instrument.thresholds().T:  # one threshold of every item at a time
        answers += view > cut
    return answers


def score(instrument: Instrument, answers: Array) -> dict[str, Number]:
    """Score answers the way the instrument is scored: mean item score per subscale and total.

    Returns a dict with one key per subscale (WAI-SR: ``goal``, ``task``,
    ``bond``) and ``total``, each on the answer scale (1..levels).
    """
    out: dict[str, Number] = {}
    if len(instrument.scales) > 1:
        for scale, items in instrument.items_of_scale.items():
            out[scale] = answers[..., items].mean(axis=-1)
    out["total"] = answers.mean(axis=-1)
    if answers.ndim == 1:
        return {k: float(v) for k, v in out.items()}
    return out
