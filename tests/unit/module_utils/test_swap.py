"""The UUID swap journal: every interruption point is recognised and finished, nothing else is."""

import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.engine import swap
from ansible_collections.cloudstack.dr.plugins.module_utils.vocabulary.journal import SwapJournal


def run(journal, ids, crash_after=None):
    """Apply the remaining calls to a two-VM id table; stop after `crash_after` calls."""
    step = swap.step_reached(journal, ids["first"], ids["second"])
    for n, (current, new) in enumerate(swap.remaining_calls(journal, step)):
        if crash_after is not None and n == crash_after:
            return ids
        assert new not in ids.values(), "a call would give two VMs one id"
        holder = next(k for k, v in ids.items() if v == current)
        ids[holder] = new
    return ids


@pytest.mark.parametrize("crash_after", [0, 1, 2, None])
def test_any_interruption_then_rerun_ends_swapped(crash_after):
    journal = swap.new_journal("user-id", "recovery-id")
    ids = run(journal, {"first": "user-id", "second": "recovery-id"}, crash_after)
    assert run(journal, ids) == {"first": "recovery-id", "second": "user-id"}


def test_a_finished_swap_needs_no_call():
    journal = swap.new_journal("a", "b")
    assert swap.remaining_calls(journal, swap.step_reached(journal, "b", "a")) == []


def test_ids_changed_by_hand_are_refused_with_the_fix():
    journal = swap.new_journal("a", "b")
    with pytest.raises(ValueError, match="customid"):
        swap.step_reached(journal, "x", "b")


def test_journal_round_trips():
    journal = swap.new_journal("a", "b")
    assert SwapJournal.of_details(journal.details()) == journal
    assert SwapJournal.of_details({}) is None
