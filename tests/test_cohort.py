"""The cohort engine: identical to the agent engine, replicate by replicate, and cheap in bulk.

A stack of replicates with different parameter values gives every run exactly its
tables alone (bit for bit), whatever the stack, chunk or neighbours.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import params, seeds

from alliance_sim.core.draws import draw_questionnaires, draw_session
from alliance_sim.core.errors import ParameterError
from alliance_sim.core.params import Params, measurement_schedule
from alliance_sim.core.population import build_population, draw_population, draw_population_numbers
from alliance_sim.core.stacking import STRUCTURAL, ParamStack, structure_of
from alliance_sim.engines.cohort import default_chunk_size, draw_cohort, run_cohort
from alliance_sim.records.columns import TABLES
from alliance_sim.records.metrics import METRICS, summarise
from alliance_sim.scenarios import builtin_scenarios, load_scenario
from alliance_sim.simulation import replicate_seeds, run_replicates, simulate

ALL_TABLES = TABLES
TOLERANCE = 1e-12


def assert_same_tables(agent: dict[str, pd.DataFrame], cohort: dict[str, pd.DataFrame]) -> None:
    """Same tables, same columns and types, integers and flags exact, numbers to 1e-12."""
    assert list(agent) == list(cohort)
    for name in agent:
        pd.testing.assert_frame_equal(
            agent[name],
            cohort[name],
            check_exact=False,
            rtol=0,
            atol=TOLERANCE,
            obj=f"the {name} table",
        )


def both_engines(params: Params, run_seeds: list[int]) -> tuple[dict, dict]:
    agent = simulate(params, run_seeds, engine="agent", tables=ALL_TABLES).tables
    cohort = simulate(params, run_seeds, engine="cohort", tables=ALL_TABLES).tables
    return agent, cohort


# --- identity -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(builtin_scenarios()))
def test_every_builtin_scenario_gives_the_agent_engines_tables_replicate_by_replicate(name):
    agent, cohort = both_engines(load_scenario(name).params(), [2024, 7])
    assert_same_tables(agent, cohort)


SCENARIO_OPTIONS = [
    {"assignment": "match"},
    {"assignment": "match", "learning_rate": 0.3, "n_therapists": 4},
    {"learning_rate": 0.5, "experience_mean": 0.1},
    {"n_patients": 3, "n_therapists": 7, "learning_rate": 0.2},  # therapists without patients
    {"device": "active"},
    {"n_sessions": 1},
    {"n_sessions": 4, "measurement_sessions": "1,2,3,last"},
    {"measurement_sessions": "last"},
    {"p_dropout_typical": 0.4},
    {"p_attend_typical": 0.05},
    {"rupture_risk": 1.0, "power_sharing_mean": 0.0, "p_prefers_active": 1.0},
    {"responsiveness_mean": 1.0, "responsiveness_sd": 0.0},
    {"item_noise_sd": 0.0, "patient_leniency_sd": 0.0, "therapist_leniency_sd": 0.0},
    {"caseload": 60, "n_patients": 1, "n_therapists": 1},
]


@pytest.mark.parametrize("changes", SCENARIO_OPTIONS, ids=lambda c: ",".join(c))
def test_every_scenario_option_gives_the_agent_engines_tables(changes):
    run_params = Params({"n_patients": 40, **changes})
    agent, cohort = both_engines(run_params, [11, 12, 13])
    assert_same_tables(agent, cohort)


@settings(max_examples=max(50, settings().max_examples), deadline=None)
@given(params=params(), seed=seeds)
def test_any_valid_parameters_give_the_agent_engines_tables(params, seed):
    agent, cohort = both_engines(params, [seed, (seed + 1) % 2**32])
    assert_same_tables(agent, cohort)


def test_the_cohort_draws_exactly_the_agent_engines_random_numbers():
    run_params = Params(n_patients=9, n_therapists=2, n_sessions=5, measurement_sessions="1,4")
    run_seeds = [5, 6, 7]
    draws = draw_cohort(run_params, run_seeds)
    for r, seed in enumerate(run_seeds):
        replay = np.random.default_rng(seed)
        population = draw_population_numbers(run_params, replay)
        for name in ("patient_normal", "patient_uniform", "therapist_normal", "order"):
            np.testing.assert_array_equal(
                getattr(draws.population, name)[r], getattr(population, name), err_msg=name
            )
        q = 0
        for session in range(1, 6):
            block = draw_session(replay, 9)
            np.testing.assert_array_equal(draws.uniform[session - 1, r], block.uniform)
            np.testing.assert_array_equal(draws.normal[session - 1, r], block.normal)
            if session in measurement_schedule(run_params):
                noise = draw_questionnaires(replay, 9)
                np.testing.assert_array_equal(draws.questionnaire[q, r], noise)
                q += 1
        assert q == draws.questionnaire.shape[0] == 2


def test_a_stack_of_populations_is_the_populations_built_one_by_one():
    run_params = Params(n_patients=12, n_therapists=3, assignment="match")
    run_seeds = [1, 2, 3]
    stacked = build_population(run_params, draw_cohort(run_params, run_seeds).population)
    for r, seed in enumerate(run_seeds):
        alone = draw_population(run_params, np.random.default_rng(seed))
        for name, values in alone.arrays().items():
            np.testing.assert_array_equal(getattr(stacked, name)[r], values, err_msg=name)


# --- replicates and chunks ----------------------------------------------------------------------


def test_results_do_not_depend_on_how_replicates_are_chunked():
    run_params = Params(n_patients=30, learning_rate=0.2)
    run_seeds = replicate_seeds(3, 7)
    whole = run_cohort(run_params, run_seeds, ALL_TABLES, chunk_size=7)
    for chunk_size in (1, 3):
        chunked = run_cohort(run_params, run_seeds, ALL_TABLES, chunk_size=chunk_size)
        for name in ALL_TABLES:
            pd.testing.assert_frame_equal(whole[name], chunked[name], obj=name)


@pytest.mark.parametrize("n_patients", [30, 1])
def test_a_replicate_is_the_same_to_the_last_bit_alone_or_among_others(n_patients):
    # One patient: sums over sessions once took their order from the stack's memory layout.
    run_params = Params(n_patients=n_patients, n_sessions=8)
    together = run_cohort(run_params, [1, 2, 3], ALL_TABLES)
    alone = run_cohort(run_params, [2], ALL_TABLES)
    for name in ALL_TABLES:
        middle = together[name][together[name]["replicate"] == 1].reset_index(drop=True)
        pd.testing.assert_frame_equal(
            middle, alone[name].assign(replicate=np.int64(1)), check_exact=True, obj=name
        )


def test_the_same_seeds_give_identical_tables_and_other_seeds_differ():
    run_params = Params(n_patients=30)
    one = run_cohort(run_params, [4, 5], ALL_TABLES)
    again = run_cohort(run_params, [4, 5], ALL_TABLES)
    other = run_cohort(run_params, [6, 7], ALL_TABLES)
    for name in ALL_TABLES:
        pd.testing.assert_frame_equal(one[name], again[name])
    assert not np.allclose(one["sessions"]["pain_mm"], other["sessions"]["pain_mm"])
    assert not one["summary"]["alliance"].equals(other["summary"]["alliance"])


def test_summary_mode_gives_the_metrics_of_the_full_tables():
    run_params = Params(n_patients=50)
    run_seeds = replicate_seeds(8, 5)
    summary = run_cohort(run_params, run_seeds)
    full = run_cohort(run_params, run_seeds, ALL_TABLES)
    assert list(summary) == ["summary"]
    pd.testing.assert_frame_equal(summary["summary"], full["summary"])
    assert list(summary["summary"].columns) == ["replicate", "seed", *METRICS]
    for r, patients in full["patients"].groupby("replicate"):
        metrics = summarise(patients.drop(columns=["replicate", "seed"]))
        row = summary["summary"].iloc[int(r)]
        for name, value in metrics.items():
            assert row[name] == pytest.approx(value, abs=TOLERANCE, nan_ok=True), name


def test_every_table_tags_its_rows_with_replicate_and_seed():
    run_seeds = [101, 202]
    tables = run_cohort(Params(n_patients=12, n_sessions=3), run_seeds, ALL_TABLES)
    for name, frame in tables.items():
        assert list(frame.columns[:2]) == ["replicate", "seed"], name
        assert sorted(frame["replicate"].unique()) == [0, 1], name
        assert dict(zip(frame["replicate"], frame["seed"], strict=True)) == {0: 101, 1: 202}
    assert len(tables["sessions"]) == 2 * 12 * 3
    assert len(tables["patients"]) == 2 * 12
    assert len(tables["clinic"]) == 2 * 3


def test_the_default_chunk_holds_many_replicates_of_a_default_clinic_and_at_least_one_of_a_huge_one():
    assert default_chunk_size(Params()) >= 50
    assert default_chunk_size(Params(n_patients=5000, n_sessions=52)) == 1


@pytest.mark.parametrize("engine", ["cohort", "agent"])
def test_progress_counts_every_replicate_once(engine):
    counted: list[int] = []
    simulate(Params(n_patients=5, n_sessions=2), [1, 2, 3], engine=engine, progress=counted.append)
    assert sum(counted) == 3


def test_run_replicates_gives_the_same_runs_on_both_engines():
    run_params = Params(n_patients=40)
    run_seeds = replicate_seeds(0, 3)
    cohort = run_replicates(run_params, run_seeds)
    agent = run_replicates(run_params, run_seeds, engine="agent")
    pd.testing.assert_frame_equal(cohort.runs, agent.runs, check_exact=False, rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(
        cohort.clinic, agent.clinic, check_exact=False, rtol=0, atol=1e-12
    )


# --- stacks of different parameter values ------------------------------------------------------


def alone(members: list[Params], run_seeds: list[int]) -> dict[str, pd.DataFrame]:
    """Each (parameter set, seed) run on its own, tables put together in replicate order."""
    parts: dict[str, list[pd.DataFrame]] = {}
    for r, (member, seed) in enumerate(zip(members, run_seeds, strict=True)):
        for name, frame in run_cohort(member, [seed], ALL_TABLES).items():
            parts.setdefault(name, []).append(frame.assign(replicate=np.int64(r)))
    return {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}


def assert_identical(stacked: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> None:
    assert list(stacked) == list(expected)
    for name in expected:
        pd.testing.assert_frame_equal(stacked[name], expected[name], check_exact=True, obj=name)


def with_structure_of(first: Params, other: Params) -> Params:
    """``other`` with the structural values of ``first`` (so that the two can share a stack)."""
    return Params(other, **{name: first[name] for name in STRUCTURAL})


def test_a_stack_of_different_parameter_values_gives_each_runs_tables_exactly():
    base = Params(n_patients=25, n_sessions=5, n_therapists=3)
    members = [
        base,
        base.replace(empathy_mean=0.1, power_sharing_mean=0.9, device="active"),
        base.replace(learning_rate=0.4, experience_mean=0.1, caseload=60),
        base.replace(p_dropout_typical=0.3, p_attend_typical=0.2, item_noise_sd=0.0),
        base.replace(patient_rating_bias=-0.4, therapist_rating_bias=0.5, goal_spread=2.0),
        base.replace(rupture_risk=1.0, rupture_size=0.5, alliance_rate=0.2),
    ]
    run_seeds = [3, 1, 4, 1, 5, 9]  # a seed may come back with other values
    assert_identical(run_cohort(members, run_seeds, ALL_TABLES), alone(members, run_seeds))


@settings(max_examples=max(30, settings().max_examples), deadline=None)
@given(
    first=params(),
    others=st.lists(params(), min_size=1, max_size=4),
    seed=seeds,
    chunk_size=st.integers(1, 5),
)
def test_any_stack_of_valid_parameters_gives_each_runs_tables_exactly(
    first, others, seed, chunk_size
):
    members = [first, *(with_structure_of(first, other) for other in others)]
    run_seeds = [(seed + 7 * r) % 2**32 for r in range(len(members))]
    stacked = run_cohort(members, run_seeds, ALL_TABLES, chunk_size=chunk_size)
    assert_identical(stacked, alone(members, run_seeds))


def test_a_stack_of_populations_with_their_own_values_is_the_populations_built_one_by_one():
    base = Params(n_patients=12, n_therapists=3, assignment="match")
    members = [base, base.replace(empathy_mean=0.2, goal_spread=0.0, p_prefers_active=0.9)]
    run_seeds = [1, 2]
    stacked = build_population(ParamStack(members), draw_cohort(base, run_seeds).population)
    for r, (member, seed) in enumerate(zip(members, run_seeds, strict=True)):
        one = draw_population(member, np.random.default_rng(seed))
        for name, values in one.arrays().items():
            np.testing.assert_array_equal(getattr(stacked, name)[r], values, err_msg=name)


def test_runs_of_different_structure_run_in_their_own_stacks_and_keep_their_order():
    members = [
        Params(n_patients=10, n_sessions=3),
        Params(n_patients=7, n_sessions=4, measurement_sessions="1,last"),
        Params(n_patients=10, n_sessions=3, empathy_mean=0.2),
        Params(n_patients=10, n_sessions=3, assignment="match"),
    ]
    run_seeds = [10, 11, 12, 13]
    stacked = run_cohort(members, run_seeds, ALL_TABLES, chunk_size=2)
    assert stacked["summary"]["replicate"].tolist() == [0, 1, 2, 3]
    assert_identical(stacked, alone(members, run_seeds))


def test_measurement_sessions_that_name_the_same_sessions_share_a_stack():
    a = Params(n_sessions=12, measurement_sessions="2,last")
    b = Params(n_sessions=12, measurement_sessions="2,12", empathy_mean=0.3)
    assert structure_of(a) == structure_of(b)
    assert len(ParamStack([a, b])) == 2


def test_a_stack_refuses_members_of_different_structure_naming_the_parameter():
    with pytest.raises(ParameterError, match=r"n_sessions = 4 \(replicate 1\) differs from 10"):
        ParamStack([Params(), Params(n_sessions=4), Params()])


def test_a_stack_gives_shared_structure_and_per_replicate_columns():
    stack = ParamStack([Params(empathy_mean=0.2), Params(empathy_mean=0.8, device="active")])
    assert stack.n_patients == Params().n_patients
    np.testing.assert_array_equal(stack.empathy_mean, [[0.2], [0.8]])
    assert stack.column("item_noise_sd", 2).shape == (2, 1, 1)
    np.testing.assert_array_equal(stack.device == "active", [[False], [True]])


def test_run_cohort_wants_one_params_or_one_per_seed():
    with pytest.raises(ParameterError, match="2 parameter sets for 3 seeds"):
        run_cohort([Params(n_patients=2), Params(n_patients=2)], [1, 2, 3])
    with pytest.raises(ParameterError, match=r"params\[1\] = .* is not allowed: a Params"):
        run_cohort([Params(n_patients=2), {"n_patients": 2}], [1, 2])
    with pytest.raises(ParameterError, match="a Params, or a sequence of Params"):
        run_cohort({"n_patients": 2}, [1])


# --- the entry point's errors ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"engine": "fast"}, r"engine = 'fast' is not allowed: one of 'cohort', 'agent'"),
        ({"tables": ["session"]}, r"table = 'session' is not allowed: one of 'summary'"),
        ({"seeds": []}, r"seeds = \[\] is not allowed"),
        ({"seeds": [1, -2]}, r"seed = -2 is not allowed"),
        ({"seeds": [1.5]}, r"seed = 1.5 is not allowed"),
        ({"seeds": 5}, r"seeds = 5 is not allowed: a list of seeds"),
        ({"seeds": "12"}, r"seeds = '12' is not allowed: a list of seeds"),
        ({"seeds": [[1]]}, r"seed = \[1\] is not allowed"),
        ({"seeds": [10**400]}, r"seed = 1e400-ish is not allowed"),
        ({"tables": 5}, r"tables = 5 is not allowed: a table's name or a list"),
        ({"tables": [["summary"]]}, r"table = \['summary'\] is not allowed"),
        ({"engine": ["cohort"]}, r"engine = \['cohort'\] is not allowed"),
        ({"params": 5}, r"params = 5 is not allowed: a Params, a mapping"),
        ({"progress": 5}, r"progress = 5 is not allowed: a function"),
    ],
)
def test_bad_arguments_to_simulate_are_rejected_naming_the_field_and_what_is_allowed(
    kwargs, message
):
    with pytest.raises(ParameterError, match=message):
        simulate(**{"params": Params(n_patients=2), "seeds": [1], **kwargs})


def test_asking_for_a_table_that_was_not_recorded_names_the_tables_that_were():
    result = simulate(Params(n_patients=2, n_sessions=2), [1], tables=["clinic"])
    assert len(result.clinic) == 2
    with pytest.raises(ParameterError, match=r"'sessions' table was not recorded.*summary, clinic"):
        _ = result.sessions


def test_a_single_table_name_is_accepted_as_well_as_a_list():
    result = simulate(Params(n_patients=2, n_sessions=2), [1], tables="patients")
    assert set(result.tables) == {"summary", "patients"}


def test_simulate_accepts_a_plain_mapping_of_parameters_and_validates_it():
    result = simulate({"n_patients": 3, "n_sessions": 2}, [1])
    assert result.params == Params(n_patients=3, n_sessions=2)
    with pytest.raises(ParameterError, match="empathy_men"):
        simulate({"empathy_men": 0.3}, [1])


@pytest.mark.parametrize("chunk_size", [0, -1, 1.5, True])
def test_a_chunk_size_that_is_not_a_whole_number_from_one_is_rejected(chunk_size):
    with pytest.raises(ParameterError, match="chunk_size"):
        run_cohort(Params(n_patients=2), [1], chunk_size=chunk_size)


def test_run_cohort_checks_its_tables_and_seeds_itself():
    with pytest.raises(ParameterError, match="table = 'patient'"):
        run_cohort(Params(n_patients=2), [1], tables=["patient"])
    with pytest.raises(ParameterError, match="seeds"):
        run_cohort(Params(n_patients=2), [])


@pytest.mark.parametrize("n", [-1, 10**12, 2.5, "3", True])
def test_replicate_seeds_refuses_a_count_that_is_not_a_small_whole_number(n):
    with pytest.raises(ParameterError, match=r"replicate seeds is not allowed: a whole number"):
        replicate_seeds(0, n)
