"""THE table of the mutation check: which functions, broken how, must be caught by which tests.

One row per function the safety promise rests on (README: The safety promise): validation,
normalization of a declaration, diff, the ownership decision (take over, leave, delete),
the retry decision and "gone". Each row names:

- `module`: a module of `slb_master_slave`, as its file's path inside the package without
  `.py` (`provider/lifecycle` for provider/slb_master_slave/provider/lifecycle.py; the provider
  class is in `provider/__init__`);
- `function`: the function, qualified inside the module (`Backoff.delay`);
- `mutations`: how to break it (mutants.py): `raise`, `negate`, `off_by_one`, or
  `return <expression>` (an expression in the module's own names);
- `tests`: pytest node ids or files, fast ones first; a mutant must make one of them fail;
- `reach` (some rows): one test in which the function runs only in a subprocess (the
  provider process under the harness or the real `pulumi` CLI); run alone against the
  row's first mutant, it must fail too, which proves mutants reach subprocesses.

To add a target: add a row, run `python -m harness.mutation --only <function>`, and if a
mutant survives, write the test that kills it (or drop a mutation no behaviour can show,
saying why in a comment).
"""

from __future__ import annotations

from dataclasses import dataclass

PACKAGE = "slb_master_slave"

VALIDATION = "tests/test_validation.py"
DIFF = "tests/test_diff.py"
RETRY = "tests/test_api_units.py"
# The provider in this process against the emulator over HTTP: the fast way to the lifecycle.
EMULATED = "tests/test_provider_emulator.py"
TAKEN_OVER = f"{EMULATED}::test_a_group_an_interrupted_create_left_is_taken_over_by_the_next_create_of_that_declaration"
LEFT_MISMATCHED = f"{EMULATED}::test_a_group_an_interrupted_create_left_is_deleted_when_the_declaration_changed"
LEFTOVERS_DELETED = f"{EMULATED}::test_delete_also_removes_what_an_interrupted_replacement_create_left"
LOST_ANSWER = f"{EMULATED}::test_lost_connection_on_create_leaves_exactly_one_group"
SEQUENCES = "tests/test_ownership_sequences.py"
FENCE = "tests/test_fence.py"
SWEEP_FENCED = f"{SEQUENCES}::test_a_delete_sweeps_only_what_the_fence_calls_abandoned"
MAKER_RUNS = f"{SEQUENCES}::test_a_create_never_takes_over_a_group_whose_maker_still_runs"
REFUSED_COMPLETION = f"{SEQUENCES}::test_a_create_whose_completion_is_refused_deletes_its_group_and_leaves_nothing"
STRANDED = f"{SEQUENCES}::test_a_create_that_can_neither_complete_nor_delete_stays_pending_and_is_taken_over"
DELETED_OUTSIDE = f"{EMULATED}::test_read_of_a_deleted_group_returns_empty_id"
OTHER_ERROR_NOT_GONE = f"{EMULATED}::test_other_invalid_parameter_on_read_is_an_error_not_gone"
LOAD_BALANCER_GONE = f"{EMULATED}::test_a_group_whose_load_balancer_is_gone_is_gone_too"
ADOPTING_A_MISSING_GROUP = f"{EMULATED}::test_adoption_of_a_missing_group_says_so"


@dataclass(frozen=True)
class Target:
    module: str
    function: str
    mutations: tuple[str, ...]
    tests: tuple[str, ...]
    reach: str | None = None


TARGETS: tuple[Target, ...] = (
    # -- validation: every rule of the table at preview, and a crash never passed off as one --------
    Target("domain/validation", "validate", ("raise", "return []"), (VALIDATION,),
           reach="tests/real_engine/test_engine_sequences_cli.py"
                 "::test_preview_of_an_invalid_declaration_names_each_code_and_path_and_no_crash"),
    Target("domain/validation", "_find_port_range", ("off_by_one",), (VALIDATION,)),
    Target("domain/validation", "_find_weight", ("off_by_one",), (VALIDATION,)),
    Target("domain/validation", "_find_name", ("off_by_one",), (VALIDATION,)),
    Target("domain/validation", "_find_description", ("off_by_one",), (VALIDATION,)),
    Target("domain/validation", "_find_tags_shape", ("off_by_one",), (VALIDATION,)),
    Target("domain/validation", "_find_tag_keys", ("off_by_one",), (VALIDATION,)),
    Target("domain/validation", "_find_tag_values", ("off_by_one",), (VALIDATION,)),
    Target("provider/internal_error", "internal_error_reason",
           ("return 'InvalidParameter: the inputs could not be read.'",), (VALIDATION,)),
    # -- normalization of a declaration: one form, so nothing written alike ever diffs ------------
    Target("domain/normalize", "normalize_inputs", ("raise", "return dict(news)"), (VALIDATION, DIFF)),
    Target("domain/normalize", "normalize_servers", ("return raw",), (DIFF, VALIDATION)),
    Target("domain/normalize", "coerce_int", ("return value",), (VALIDATION, DIFF)),
    Target("domain/normalize", "in_api_order", ("return list(servers)",), (VALIDATION, DIFF)),
    Target("domain/normalize", "servers_equal", ("negate",), (DIFF,)),
    # -- diff: what replaces, what changes in place, what never diffs -----------------------------
    Target("provider/__init__", "MasterSlaveServerGroupProvider.diff",
           ("raise", "return DiffResult(changes=False, replaces=[], delete_before_replace=False)"), (DIFF,)),
    # -- the ownership decision: take over, leave, delete (ownership/: create, maker, fence, sweep) ----
    Target("ownership/create", "_take_over_abandoned", ("return None",), (TAKEN_OVER, LEFT_MISMATCHED),
           reach=f"{SEQUENCES}::test_killed_create_then_the_same_declaration_takes_the_group_over"),
    Target("ownership/maker", "maker_has_ended", ("return True", "return False"), (MAKER_RUNS, TAKEN_OVER)),
    Target("ownership/create", "_own_group", ("return None",), (LOST_ANSWER,)),
    Target("ownership/create", "_clean_up", ("return (True, '')",), (REFUSED_COMPLETION,)),
    Target("ownership/fence", "standing", ("return Standing.ABANDONED", "return Standing.IN_PROGRESS"),
           (FENCE, SWEEP_FENCED)),
    Target("ownership/sweep", "sweep_abandoned", ("return []",), (LEFTOVERS_DELETED, SWEEP_FENCED)),
    Target("domain/model", "declaration_mismatches", ("return []",), (LEFT_MISMATCHED, TAKEN_OVER)),
    # -- the retry decision: what is sent again, how often, how long apart ------------------------
    Target("client/retry", "retry_decision", ("return Retry.NO", "return Retry.FAST"),
           (f"{RETRY}::test_retryable_codes", f"{RETRY}::test_transport_failures_by_class",
            f"{RETRY}::test_listener_holding_a_group_is_waited_out_only_on_delete")),
    Target("client/retry", "Backoff.delay", ("off_by_one", "return None"),
           (f"{RETRY}::test_each_decision_gets_its_cadence_and_its_number_of_retries",)),
    # -- "gone": a group leaves state only when a listing confirms it -----------------------------
    Target("client/gone", "confirmed_gone", ("return False", "return True"), (DELETED_OUTSIDE, OTHER_ERROR_NOT_GONE),
           reach="tests/test_precision.py::test_a_group_deleted_outside_is_gone_once_the_listing_confirms[refresh]"),
    Target("client/gone", "_may_mean_gone", ("negate",), (DELETED_OUTSIDE, OTHER_ERROR_NOT_GONE)),
    Target("client/gone", "group_not_found", ("negate",), (ADOPTING_A_MISSING_GROUP, TAKEN_OVER)),
    Target("client/gone", "load_balancer_gone", ("negate",), (LOAD_BALANCER_GONE,)),
)
