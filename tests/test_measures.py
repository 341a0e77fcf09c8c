"""The measurement model: simulated WAI-SR and WATOCI-9 answers, scoring, rater effects."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from alliance_sim.rules.questionnaires import (
    N_QUESTIONNAIRE_DRAWS,
    THERAPIST_ANCHOR,
    WAI_SR,
    WATOCI_9,
    answer_items,
    item_latents,
    score,
    therapist_view,
)

finite = st.floats(-3.0, 3.0, allow_nan=False)


def items_of(instrument, subscale: str) -> list[int]:
    """The 1-based numbers of the items of one subscale."""
    return [i for i, s in enumerate(instrument.subscales, start=1) if s == subscale]


# --- the instruments ------------------------------------------------------------------------


def test_wai_sr_has_twelve_items_four_per_subscale():
    assert WAI_SR.n_items == 12
    assert WAI_SR.scales == ("task", "bond", "goal")
    for subscale in ("goal", "task", "bond"):
        assert len(items_of(WAI_SR, subscale)) == 4


def test_wai_sr_items_follow_the_published_subscale_assignment():
    # Hatcher & Gillaspy 2006.
    assert items_of(WAI_SR, "goal") == [4, 6, 8, 11]
    assert items_of(WAI_SR, "task") == [1, 2, 10, 12]
    assert items_of(WAI_SR, "bond") == [3, 5, 7, 9]


def test_watoci_9_has_nine_items_on_one_overall_dimension():
    assert WATOCI_9.n_items == 9
    assert WATOCI_9.scales == ("overall",)


def test_answer_scales_are_one_to_five_for_wai_sr_and_one_to_seven_for_watoci():
    assert WAI_SR.levels == 5
    assert WATOCI_9.levels == 7


def test_item_thresholds_are_ordered_for_every_item():
    for instrument in (WAI_SR, WATOCI_9):
        thresholds = instrument.thresholds()
        assert thresholds.shape == (instrument.n_items, instrument.levels - 1)
        assert np.all(np.diff(thresholds, axis=1) > 0)


def test_a_measured_session_draws_noise_for_two_wai_sr_forms_and_one_watoci_form():
    assert N_QUESTIONNAIRE_DRAWS == 12 + 12 + 9


# --- latents ---------------------------------------------------------------------------------


def test_wai_sr_items_take_the_latent_value_of_their_own_subscale():
    latents = item_latents(WAI_SR, 0.1, 0.5, 0.9)
    expected = {"goal": 0.1, "task": 0.5, "bond": 0.9}
    assert latents.tolist() == [expected[s] for s in WAI_SR.subscales]


def test_watoci_items_all_take_the_overall_alliance():
    latents = item_latents(WATOCI_9, 0.1, 0.5, 0.9)
    np.testing.assert_allclose(latents, np.full(9, 0.5))


def test_item_latents_work_for_many_dyads_at_once():
    goal = np.array([0.1, 0.2])
    latents = item_latents(WAI_SR, goal, 0.5, 0.9)
    assert latents.shape == (2, 12)
    np.testing.assert_allclose(latents[1], item_latents(WAI_SR, 0.2, 0.5, 0.9))


def test_the_therapist_view_pulls_the_latent_alliance_toward_the_therapists_usual_impression():
    latent = np.array([0.2, 0.6, 0.9])
    view = therapist_view(latent, 0.4)
    np.testing.assert_allclose(view, 0.4 * latent + 0.6 * THERAPIST_ANCHOR)
    assert np.ptp(view) < np.ptp(latent)


def test_a_therapist_with_more_insight_sees_more_of_each_dyads_alliance():
    latent = np.array([0.2, 0.6, 0.9])
    assert np.ptp(therapist_view(latent, 0.8)) > np.ptp(therapist_view(latent, 0.2))
    np.testing.assert_allclose(therapist_view(latent, 1.0), latent)


# --- answers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("instrument", [WAI_SR, WATOCI_9], ids=lambda i: i.name)
@given(
    latent=finite,
    bias=st.floats(-0.5, 0.5),
    leniency=st.floats(-1.0, 1.0),
    noise=hnp.arrays(float, 12, elements=st.floats(-10.0, 10.0)),
)
def test_answers_are_whole_numbers_on_the_answer_scale_for_any_latent_and_noise(
    instrument, latent, bias, leniency, noise
):
    perceived = np.full(instrument.n_items, latent)
    answers = answer_items(instrument, perceived, bias, leniency, noise[: instrument.n_items])
    assert answers.shape == (instrument.n_items,)
    assert np.all(answers == np.round(answers))
    assert answers.min() >= 1
    assert answers.max() <= instrument.levels


@given(low=st.floats(0.0, 1.0), step=st.floats(0.0, 1.0), seed=st.integers(0, 2**32 - 1))
def test_a_higher_latent_never_lowers_an_answer_given_the_same_noise(low, step, seed):
    noise = 0.1 * np.random.default_rng(seed).standard_normal(12)
    lower = answer_items(WAI_SR, np.full(12, low), 0.0, 0.0, noise)
    higher = answer_items(WAI_SR, np.full(12, low + step), 0.0, 0.0, noise)
    assert np.all(higher >= lower)


def test_a_higher_latent_alliance_gives_higher_scores():
    rng = np.random.default_rng(1)
    noise = 0.1 * rng.standard_normal((500, 12))
    totals = [
        score(WAI_SR, answer_items(WAI_SR, np.full((500, 12), latent), 0.0, 0.0, noise))[
            "total"
        ].mean()
        for latent in (0.2, 0.5, 0.8)
    ]
    assert totals[0] < totals[1] < totals[2]
    assert totals[2] - totals[0] > 2.0


def share_at_ceiling(bias: float) -> float:
    rng = np.random.default_rng(2)
    n = 2000
    latent = item_latents(WAI_SR, np.full(n, 0.8), np.full(n, 0.8), np.full(n, 0.8))
    leniency = 0.08 * rng.standard_normal(n)
    answers = answer_items(WAI_SR, latent, bias, leniency, 0.1 * rng.standard_normal((n, 12)))
    return float(np.mean(score(WAI_SR, answers)["total"] == WAI_SR.levels))


def test_a_positive_patient_rating_bias_piles_high_alliances_up_at_the_maximum_score():
    assert share_at_ceiling(0.25) > 0.5


def test_without_rating_bias_few_high_alliances_reach_the_maximum_score():
    assert share_at_ceiling(0.0) < 0.1


def test_therapist_scores_track_the_latent_alliance_less_closely_than_patient_scores():
    rng = np.random.default_rng(3)
    n = 2000
    goal, task, bond = (rng.uniform(0.2, 0.9, n) for _ in range(3))
    latent = item_latents(WAI_SR, goal, task, bond)
    patient = answer_items(
        WAI_SR, latent, 0.25, 0.08 * rng.standard_normal(n), 0.1 * rng.standard_normal((n, 12))
    )
    therapist = answer_items(
        WAI_SR,
        therapist_view(latent, 0.4),
        0.0,
        0.08 * rng.standard_normal(n),
        0.1 * rng.standard_normal((n, 12)),
    )
    overall = (goal + task + bond) / 3
    r_patient = np.corrcoef(overall, score(WAI_SR, patient)["total"])[0, 1]
    r_therapist = np.corrcoef(overall, score(WAI_SR, therapist)["total"])[0, 1]
    assert r_patient > r_therapist + 0.1


# --- scoring ----------------------------------------------------------------------------------


def test_wai_sr_score_gives_the_mean_of_each_subscale_and_of_all_items():
    answers = np.ones(12)
    answers[[i - 1 for i in (1, 2, 10, 12)]] = 5  # task
    answers[[i - 1 for i in (4, 6, 8, 11)]] = 3  # goal
    scores = score(WAI_SR, answers)
    assert scores == {"task": 5.0, "bond": 1.0, "goal": 3.0, "total": 3.0}
    assert all(isinstance(v, float) for v in scores.values())


def test_watoci_score_is_the_mean_item_score_only():
    answers = np.array([7, 7, 7, 6, 6, 6, 5, 5, 5], dtype=float)
    assert score(WATOCI_9, answers) == {"total": 6.0}


def test_scoring_many_forms_gives_one_score_per_form():
    answers = np.vstack([np.full(12, 2.0), np.full(12, 4.0)])
    scores = score(WAI_SR, answers)
    np.testing.assert_array_equal(scores["total"], [2.0, 4.0])
    np.testing.assert_array_equal(scores["goal"], [2.0, 4.0])
