"""playbooks/failover.yml over replicas that lag (issue 13): a replica further behind than its offering's RPO
stops the failover before any change, unless the operator accepts the loss; the run then says, per VM,
what the data is as of."""

import re

import pytest

from .. import drapi
from .engine.conftest import protected_cloud
from .test_failover_playbooks import run, visible

HOUR = 3600


@pytest.fixture(scope="module")
def lagging(tmp_path_factory):
    """A protected cloud whose dr-small offering promises an RPO of 15m and whose replicas run an hour behind."""
    tmp = tmp_path_factory.mktemp("lagging")
    with protected_cloud(tmp) as (server, api, zones):
        offering = next(o for o in api.list("listServiceOfferings") if o["name"] == "dr-small")
        api.run([api.submit("addResourceDetail", resourcetype="ServiceOffering", resourceid=offering["id"],
                            details=drapi.kv({"dr.rpo": "15m"}))])
        for array in ("array-a1", "array-a2"):
            server.ctl("set-replication", array=array, lag_seconds=HOUR)
        server.ctl("advance-clock", seconds=2 * HOUR)  # the storage's clock: the replicas are now an hour behind
        yield server, api, zones, tmp


def test_a_replica_behind_the_rpo_stops_the_failover_before_any_change(lagging):
    server, api, _, tmp = lagging
    server.ctl("fail-zone", zone="zone-a")
    before = {n: (vm["zoneid"], vm["state"]) for n, vm in visible(api).items()}
    proc = run(server, "failover.yml", tmp, "-e", f"move_report={tmp / 'refused.html'}")
    assert proc.returncode != 0 and "nothing was changed" in proc.stdout, proc.stdout[-3000:]
    assert re.search(r"REFUSED: its replica replica-a1 is 36\d\d s behind \(consistent to [0-9TZ:-]+\), more than "
                     r"its RPO of 15m", proc.stdout), proc.stdout[-3000:]
    assert {n: (vm["zoneid"], vm["state"]) for n, vm in visible(api).items()} == before


def test_the_accepted_loss_fails_over_and_says_what_the_data_is_as_of(lagging):
    server, api, zones, tmp = lagging
    proc = run(server, "failover.yml", tmp, "-e", "move_accept_data_loss=true",
               "-e", f"move_report={tmp / 'accepted.html'}")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert "storage replica-a1 (simulator): was target of array-a1, mirrored, read-only; promoted forced, data as of" \
        in proc.stdout
    assert re.search(r"acme-web-1 \(tier 1, RTO 1h\): failover; data loss accepted: its replica replica-a1 is "
                     r"36\d\d s behind", proc.stdout), proc.stdout[-3000:]  # said in the plan, before any change
    after = visible(api)
    assert {after[n]["zoneid"] for n in ("acme-web-1", "acme-app-1", "globex-db-1")} == {zones["zone-b"]["id"]}
    page = (tmp / "accepted.html").read_text()
    assert "data as of" in page and "RPO s" in page and re.search(r"<td>36\d\d</td>", page), page
    # The report opens with the run, and says per VM and per tier that the RPO was missed (the loss was accepted).
    assert re.search(r"failover \(unplanned\) from zone-a to zone-b, [0-9TZ:-]+ to [0-9TZ:-]+; pools pool-a1 -&gt; "
                     r"pool-a1-replica.*; data loss accepted", page), page
    assert '<td>15m</td><td class="missed">missed</td>' in page and "3 their RPO" in page
    assert re.search(r"tier 1: 3 VMs, 3 done, 0 failed, RTO met 3, missed 0; RPO met 0, missed 3, at most 36\d\d s "
                     r"of data lost \(target 15m\)", proc.stdout), proc.stdout[-3000:]
