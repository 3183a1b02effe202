"""The progress file of a move: per step of a tier, done/failed/pending that add up (VMs finished by an earlier
run counted as done), a line within long steps at most every few seconds, and an estimate of the time left."""

from ansible_collections.cloudstack.dr.plugins.module_utils.engine.move import STEPS, Move
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.progress import Progress
from ansible_collections.cloudstack.dr.plugins.module_utils.vocabulary.states import FAILOVER


class Clock:
    def __init__(self):
        self.now = 1000.0

    def time(self):
        return self.now


def moves(n, earlier=0, failed=0):
    out = [Move({"id": f"vm-{i}", "name": f"vm-{i}"}, {}, FAILOVER) for i in range(n)]
    for m in out[:earlier]:
        m.done_before = True
    for m in out[earlier:earlier + failed]:
        m.error = "stopping the source VM: host down"
    return out


def lines(path):
    return [line.split(" ", 2)[2] for line in path.read_text().splitlines()]


def test_counts_add_up_with_the_vms_an_earlier_run_finished_as_done(tmp_path):
    clock, log = Clock(), tmp_path / "progress.log"
    tier = moves(83, earlier=2)
    progress = Progress(str(log), "failover", [(1, 83)], len(STEPS), clock)
    report = progress.tier(1, tier, STEPS)
    clock.now += 10
    report("stop", [])
    clock.now += 100
    report("finish", [])
    first, last = lines(log)
    assert first == "failover tier 1 step 2/10 stop: 2 done (2 earlier), 0 failed, 81 pending of 83 VMs; 10 s " \
                    "elapsed, about 40 s left"
    assert last == "failover tier 1 step 10/10 finish: 83 done (2 earlier), 0 failed, 0 pending of 83 VMs; 110 s " \
                   "elapsed, about 0 s left"


def test_failed_vms_are_counted_once_and_the_rest_stay_pending_until_the_last_step(tmp_path):
    clock, log = Clock(), tmp_path / "progress.log"
    tier = moves(10, failed=3)
    report = Progress(str(log), "failback", [(2, 10)], len(STEPS), clock).tier(2, tier, STEPS)
    report("import", [])
    [line] = lines(log)
    assert "tier 2 step 7/10 import: 0 done (0 earlier), 3 failed, 7 pending of 10 VMs" in line


def test_within_a_step_a_line_every_few_seconds_at_most(tmp_path):
    clock, log = Clock(), tmp_path / "progress.log"
    progress = Progress(str(log), "failover", [(1, 5)], len(STEPS), clock)
    for finished, advance in ((1, 6.0), (2, 1.0), (3, 5.0), (5, 10.0)):
        clock.now += advance
        progress.jobs(finished, 5)
    assert [line.split(";")[0] for line in lines(log)] == ["failover starting: 1 of 5 jobs finished",
                                                          "failover starting: 3 of 5 jobs finished"]
    progress.tier(1, moves(5), STEPS)("stop", [])
    clock.now += 10
    progress.jobs(1, 5)
    assert lines(log)[-1].startswith("failover tier 1 step 3/10 record: 1 of 5 jobs finished")


def test_no_file_no_writes(tmp_path):
    progress = Progress(None, "failover", [(1, 1)], len(STEPS), Clock())
    progress.tier(1, moves(1), STEPS)("stop", [])
    progress.jobs(0, 1)
    assert not list(tmp_path.iterdir())
