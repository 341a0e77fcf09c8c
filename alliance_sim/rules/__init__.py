"""The rulebook: every submodel of the session as a pure function.

Rules take plain values — one patient's floats (the agent engine) or numpy
arrays of many patients (the tables, and vectorised engines) — and return the
same kind. They draw no random
numbers: noise is passed in. Each rule's docstring states the mechanism in
words and its references. The modules follow the schedule of a session:

1. :mod:`~alliance_sim.rules.attendance` — attendance and dropout;
2. :mod:`~alliance_sim.rules.fit` and :mod:`~alliance_sim.rules.alliance` —
   the interaction: fit of style and goals, bond, goal and task agreement,
   ruptures;
3. :mod:`~alliance_sim.rules.treatment` — immediate relief;
4. :mod:`~alliance_sim.rules.self_efficacy` — self-efficacy;
5. :mod:`~alliance_sim.rules.adherence` — home-exercise adherence;
6. :mod:`~alliance_sim.rules.outcomes` — pain, psychosocial load,
   disability, function, global perceived effect;
7. :mod:`~alliance_sim.rules.learning` — therapist learning;
8. :mod:`alliance_sim.rules.questionnaires` — the questionnaires (observation).
"""

from alliance_sim.rules.adherence import expected_adherence, realised_adherence
from alliance_sim.rules.alliance import (
    apply_rupture,
    bond_target,
    collaborative_alliance,
    explanation,
    goal_agreement_target,
    initial_bond,
    move_toward,
    overall_alliance,
    relational_behaviour,
    rupture_probability,
    task_agreement_target,
)
from alliance_sim.rules.attendance import attendance_probability, dropout_probability, progress
from alliance_sim.rules.fit import (
    attention,
    effective_skill,
    effective_style,
    goal_fit,
    involvement_misfit,
    plan_goals,
    therapist_goals,
)
from alliance_sim.rules.learning import learn
from alliance_sim.rules.outcomes import (
    disability_from,
    exercise_dose,
    function_update,
    global_perceived_effect,
    impairment_update,
    pain_between_sessions,
    psychosocial_load_update,
)
from alliance_sim.rules.self_efficacy import mastery, update_self_efficacy
from alliance_sim.rules.treatment import immediate_relief

__all__ = [
    "apply_rupture",
    "attendance_probability",
    "attention",
    "bond_target",
    "collaborative_alliance",
    "disability_from",
    "dropout_probability",
    "effective_skill",
    "effective_style",
    "exercise_dose",
    "expected_adherence",
    "explanation",
    "function_update",
    "global_perceived_effect",
    "goal_agreement_target",
    "goal_fit",
    "immediate_relief",
    "impairment_update",
    "initial_bond",
    "involvement_misfit",
    "learn",
    "mastery",
    "move_toward",
    "overall_alliance",
    "pain_between_sessions",
    "plan_goals",
    "progress",
    "psychosocial_load_update",
    "realised_adherence",
    "relational_behaviour",
    "rupture_probability",
    "task_agreement_target",
    "therapist_goals",
    "update_self_efficacy",
]
