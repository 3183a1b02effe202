"""The failover report: table, tier summary, RTO, and an HTML page that is escaped and deterministic."""

import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.reporting import report

T0 = 1_700_000_000.0


def vm(name, tier, started, steps, account="acme", rto="1h", failed=False, error=None, **extra):
    seconds = sum(steps.values())
    entry = {"name": name, "id": f"id-{name}", "account": account, "tier": tier, "rto": rto, "op": "failover",
             "failed": failed, "error": error, "state": "FailingOver" if failed else "FailedOver",
             "step_seconds": steps, "started": T0 + started, "ended": T0 + started + seconds, "seconds": seconds,
             "notes": ["kept vol-1"]}
    entry.update(extra)
    return entry


STEPS = {"begin": 0.1, "stop": 0.5, "detach": 0.4, "import": 1.0, "attach": 0.5, "swap": 0.2, "start": 0.8}
RESULTS = [
    vm("web-2", 2, 4.0, STEPS, rto_met=True, rpo="15m", rpo_seconds=1200.4, data_as_of="2026-11-29T23:20:00Z"),
    vm("db-1", 1, 0.0, STEPS, rto="30m", rto_met=True, rpo="15m", rpo_seconds=4.2, data_as_of="2026-11-29T23:40:12Z"),
    vm("app-1", 1, 0.0, {"begin": 0.1, "stop": 0.3}, failed=True, error="stopVirtualMachine: host <gone> & down",
       rto_met=None),
]


def test_entries_are_in_tier_order_with_the_failed_step():
    entries = report.normalise(RESULTS)
    assert [e["name"] for e in entries] == ["app-1", "db-1", "web-2"]
    failed = entries[0]
    assert (failed["failed"], failed["failed_step"], failed["rto_met"]) == (True, "stop", None)
    assert entries[1]["failed_step"] == ""


def test_rto_met_is_computed_when_the_module_did_not_say():
    slow = vm("slow", 1, 0.0, {"start": 120.0}, rto="1m")
    quick = vm("quick", 1, 0.0, {"start": 10.0}, rto="1m")
    unknown = vm("unknown", 1, 0.0, {"start": 10.0}, rto=None)
    met = {e["name"]: e["rto_met"] for e in report.normalise([slow, quick, unknown])}
    assert met == {"slow": False, "quick": True, "unknown": None}


def test_partial_results_are_reported_not_rejected():
    entries = report.normalise([{"name": "refused", "failed": True, "error": "not Prepared"}])
    assert entries[0]["seconds"] == 0 and entries[0]["tier"] is None
    lines = report.text(entries)
    assert "refused" in lines[2] and "not Prepared" in lines[2]
    assert lines[-1].startswith("tier ?: 1 VMs, 0 done, 1 failed")
    assert "<svg" in report.html_page(entries)


def test_results_must_be_dicts():
    with pytest.raises(TypeError, match="must be a dict"):
        report.normalise(["web-1"])


def test_text_table_is_aligned_and_summarises_each_tier():
    lines = report.text(report.normalise(RESULTS), "Failover of zone-a")
    assert lines[0] == "Failover of zone-a"
    header, rule, *rows = lines[1:5]
    assert header.split() == ["VM", "account", "tier", "op", "state", "seconds", "RTO", "RTO", "met", "data", "as",
                              "of", "RPO", "s", "RPO", "RPO", "met", "failed", "step", "error"]
    # every column starts at the same offset on every line
    starts = [m.start() for m in re.finditer(r"-+", rule)]
    for row in rows[:3]:
        for offset in starts[1:]:
            assert row[offset - 2:offset] == "  ", (row, offset)
    assert rows[0].split()[:8] == ["app-1", "acme", "1", "failover", "FailingOver", "0.4", "1h", "failed"]
    assert rows[0].endswith("stop         stopVirtualMachine: host <gone> & down")
    assert rows[1].split()[5:12] == ["3.5", "30m", "met", "2026-11-29T23:40:12Z", "4", "15m", "met"]
    assert lines[5].split()[9:12] == ["1200", "15m", "missed"]  # web-2, tier 2
    assert lines[-2] == ("tier 1: 2 VMs, 1 done, 1 failed, RTO met 1, missed 0; RPO met 1, missed 0, at most 4 s of "
                         "data lost (target 15m), from +0.0s to +3.5s (3.5s)")
    assert lines[-1] == ("tier 2: 1 VMs, 1 done, 0 failed, RTO met 1, missed 0; RPO met 0, missed 1, at most 1200 s "
                         "of data lost (target 15m), from +4.0s to +7.5s (3.5s)")


RUN = {"op": "failover", "mode": "unplanned", "from_zones": ["zone-a"], "to_zones": ["zone-b"],
       "started": "2026-11-29T23:41:00Z", "ended": "2026-11-29T23:42:10Z", "accept_data_loss": True,
       "pools": ["pool-a1 -> pool-a1-replica", "pool-a2 -> pool-a2-replica"]}


def test_the_header_says_what_ran_how_between_which_zones_when_and_over_which_pools():
    lines = report.text(report.normalise(RESULTS), "Failover of zone-a", RUN)
    assert lines[1] == ("failover (unplanned) from zone-a to zone-b, 2026-11-29T23:41:00Z to 2026-11-29T23:42:10Z; "
                        "pools pool-a1 -> pool-a1-replica, pool-a2 -> pool-a2-replica; data loss accepted")
    page = report.html_page(report.normalise(RESULTS), "t", run=RUN)
    assert "<p class=run>failover (unplanned) from zone-a to zone-b" in page and "pool-a1 -&gt; pool-a1-replica" in page
    assert "1 their RPO" in page and '<td class="missed">missed</td>' in page


def test_summary_counts():
    s = report.summary(report.normalise(RESULTS))
    assert (s["selected"], s["done"], s["failed"], s["rto_missed"], s["rpo_missed"]) == (3, 2, 1, 0, 1)
    assert [(t["tier"], t["started"], t["ended"]) for t in s["tiers"]] == [(1, T0, T0 + 3.5), (2, T0 + 4.0, T0 + 7.5)]


def svg_of(page):
    return ET.fromstring(re.search(r"<svg.*</svg>", page, re.DOTALL).group(0))


def test_timeline_bars_follow_the_steps_and_tiers_do_not_overlap():
    page = report.html_page(report.normalise(RESULTS), "zone-a")
    svg = svg_of(page)  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    steps = [r for r in svg.iter(f"{ns}rect") if r.get("class") == "step"]
    by_vm = {}
    for r in steps:
        by_vm.setdefault(r.find(f"{ns}title").text.split(":")[0], []).append(r)
    assert [r.get("data-step") for r in by_vm["db-1"]] == list(STEPS)
    # segments are contiguous and the tier-2 VM starts right of where every tier-1 VM ended
    db = by_vm["db-1"]
    for a, b in itertools.pairwise(db):
        assert float(a.get("x")) + float(a.get("width")) == pytest.approx(float(b.get("x")), abs=0.11)
    tier1_end = max(float(r.get("x")) + float(r.get("width")) for n in ("db-1", "app-1") for r in by_vm[n])
    assert float(by_vm["web-2"][0].get("x")) > tier1_end
    assert float(by_vm["db-1"][0].get("x")) == 220.0  # x axis starts at the first start
    assert [g.get("class") for g in svg.iter(f"{ns}g")] == ["failed"]
    colours = {r.get("data-step"): r.get("fill") for r in steps}
    assert colours["stop"] == report.STEP_COLOURS["stop"] != colours["start"]


def test_page_is_self_contained_and_escaped():
    hostile = vm('<script>alert("x")</script>', 1, 0.0, {"weird<step>": 1.0}, account="a&b", failed=True,
                 error="<img src=x onerror=alert(1)>")
    page = report.html_page(report.normalise([hostile]), "<b>title</b>")
    assert "<script>" not in page and "<img" not in page and "<b>title" not in page
    assert "&lt;script&gt;" in page and "a&amp;b" in page and "&lt;b&gt;title&lt;/b&gt;" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "no external asset"
    assert "<link" not in page
    svg_of(page)  # still well-formed with hostile names and an unknown step


def test_same_results_same_page():
    assert report.html_page(report.normalise(RESULTS)) == report.html_page(report.normalise(list(RESULTS)))


def test_empty_results():
    assert report.text([])[-1] == "no VM results"
    svg_of(report.html_page([]))


@pytest.mark.parametrize(("entry", "field"), [({"step_seconds": {"stop": "slow"}}, "results[1].step_seconds"),
                                              ({"step_seconds": [1]}, "results[1].step_seconds"),
                                              ({"notes": "text"}, "results[1].notes")])
def test_unreadable_results_name_the_entry(entry, field):
    with pytest.raises(report.BadResult) as info:
        report.normalise([{"name": "ok"}, entry])
    assert info.value.field == field


REPLICATION = [{"pool": "p1", "device": "replica-a1", "back": "failback-a1", "adapter": "simulator",
                "promoted": "forced", "reversed": False, "error": None,
                "notes": ["replication back to failback-a1 waits until it is reachable: run again"],
                "data_as_of": "2026-11-29T23:40:12Z",
                "before": {"role": "target", "peer": "array-a1", "state": "mirrored", "writable": False,
                           "lag_seconds": 4.2},
                "after": {"role": "target", "peer": "array-a1", "state": "broken", "writable": True}},
               {"pool": "p2", "device": "replica-a2", "adapter": "simulator", "promoted": None, "error": "paused",
                "notes": [], "data_as_of": None, "before": None, "after": None}]


def test_the_storage_lines_say_what_each_device_did_and_what_waits():
    lines = report.storage_text(report.storage_rows(REPLICATION))
    assert lines == [
        ("storage replica-a1 (simulator): was target of array-a1, mirrored, read-only; promoted forced, data as of "
         "2026-11-29T23:40:12Z, 4 s behind before; now target of array-a1, broken, writable, replicates to -; "
         "replication back to failback-a1 waits until it is reachable: run again"),
        ("storage replica-a2 (simulator): was -; promoted -, data as of -, - s behind before; now -, replicates to -; "
         "ERROR: paused")]
    page = report.html_page(report.normalise(RESULTS), "t", report.storage_rows(REPLICATION))
    assert "<h2>Storage</h2>" in page and "<td>2026-11-29T23:40:12Z</td>" in page and "ERROR: paused" in page


def test_a_storage_entry_that_is_not_a_dict_is_named():
    with pytest.raises(report.BadResult) as info:
        report.storage_rows([REPLICATION[0], "replica-a2"])
    assert info.value.field == "replication[1]"
