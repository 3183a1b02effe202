# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations


class ModuleDocFragment:
    """Options, notes and return values shared by vm_failover and vm_failback (besides cloudstack.dr.selection)."""

    DOCUMENTATION = r"""
notes:
  - Each step checks the cloud before acting and journals in a hidden VM detail what it cannot read back,
    so a run interrupted at any point (crash, Ctrl-C, API outage) is finished by running it again.
  - No volume that holds data is ever deleted. The only volume deleted is a recovery VM's placeholder
    root that was never materialised (state Allocated, no file).
  - A disaster (unplanned) failover fences each lost zone in CloudStack before its first VM moves, so that what ran
    there cannot run again beside its recovery copy when the zone comes back. Its hosts are powered off through
    their BMCs (CloudStack's out-of-band management), disabled for allocation, and the zone's allocation is
    disabled; the moved originals have no ROOT volume left. What the fence changed is recorded on the zone
    (hidden details C(dr.fence*)). The zone stays fenced until failback (which lifts the fence first) or
    C(playbooks/unfence.yml). A moved original found running again in a fenced zone (a host that could not be
    powered off came back) is stopped at each tier and at the end of the run.
  - VMs that may not move are refused with the reason and the fix, and the others go on; per-VM failures
    do not fail the module. When every selected VM is refused, nothing changes and the module fails
    with the refusals. Needs a root admin's API key.
options:
  mode:
    description:
      - V(unplanned) (a lost zone) stops the VMs being left with C(forced=true), as their hosts may be gone.
      - V(planned) (a migration) stops them cleanly and refuses a VM that cannot be stopped.
      - Without it, M(cloudstack.dr.vm_failover) is V(unplanned) and M(cloudstack.dr.vm_failback) V(planned).
    type: str
    choices: [planned, unplanned]
  tiers:
    description:
      - Only VMs of these DR tiers, moved in this order. Without it, every tier of the selected VMs moves,
        lowest first. Each tier's VMs are all started before the next tier begins.
    type: list
    elements: int
  tier_gate:
    description:
      - A tier starts only when every selected VM of the tiers before it finished; the VMs of a tier that did
        not start are returned with RV(vms[].held=true) and a re-run moves them. Later tiers usually need
        earlier ones (the database before the application).
      - V(false) starts every tier regardless.
    type: bool
    default: true
  allow_drift:
    description:
      - Move VMs whose recovery VM no longer mirrors the original (a NIC, rule, offering or user data
        changed since the last preparation). By default such VMs are refused, with the drift named.
    type: bool
    default: false
  accept_data_loss:
    description:
      - An unplanned move refuses, before any change, a VM whose replica is further behind than its DR offering's
        RPO (or cannot tell how far it is). V(true) moves it regardless, losing what the replica has not received;
        the VM's notes say how much.
    type: bool
    default: false
  confirm_zone_lost:
    description:
      - A disaster (unplanned) failover force-stops the VMs of its zones and makes their replicas writable. It runs
        only when CloudStack reports each zone lost (none of its hypervisor hosts Up or reconnecting) or when the
        zone is named here (name or id); otherwise it is refused before any change, pointing to O(mode=planned).
      - A disaster failover also fences each lost zone before any VM moves (see the notes); a zone with a host that
        CloudStack cannot power off (no out-of-band management enabled for it, or a BMC that does not answer) is
        refused before any change unless it is named here, the operator's word that those hosts are off or cut
        from their storage.
      - A move already begun is finished whatever this says. Failback ignores it.
    type: list
    elements: str
    default: []
  unfence_timeout:
    description:
      - Failback lifts the fence of the home zone before any VM moves (hosts powered off by the fence are powered
        on, then hosts and zone get their allocation state back). Seconds to wait for those hosts to be Up again;
        when they are not, the failback stops with no VM changed and the zone stays fenced.
    type: float
    default: 900
  break_lock:
    description:
      - One DR run per zone at a time - a run holds its zones' lock (an affinity group C(cloudstack-dr-lock-<zone id>)
        that CloudStack creates atomically) and a second run is refused, before any change, naming the holder.
      - The id of a lock whose run is dead (killed, its controller lost), as the refusal names it, to take it over
        before its lease ends.
    type: str
  heartbeat:
    description:
      - A file the caller touches every few seconds while it follows the move (the move role does, running the
        move in the background). When it has not been touched for O(heartbeat_timeout) seconds (Ctrl-C, a
        cancelled job, a dead controller), the move stops at its next step boundary, its VMs left to a re-run
        that resumes them.
      - Without it (or while the file does not exist) the move runs to its end.
    type: path
  heartbeat_timeout:
    description: Seconds of silence of O(heartbeat) after which the move stops at its next step boundary.
    type: float
    default: 60
  lock_lease:
    description: Seconds after which a run's lock may be taken over by another run (a killed run's lock expires).
    type: float
    default: 7200
  sync_timeout:
    description:
      - Seconds the final synchronisation of a replicated device may take on a planned move. A sync that fails or
        takes longer stops the VMs on that device before any import; they stay moving and a re-run resumes them.
    type: float
    default: 600
  allow_any_state:
    description:
      - Move VMs whose DR state does not allow it (for example V(PrepareFailed)). Use only after reading
        why they are in that state.
    type: bool
    default: false
  progress_log:
    description:
      - A file to which one line per step is appended while the VMs move (C(tail -f) it to follow a long run).
      - Its directory must exist and be writable; the module checks it before any change.
    type: path
  validate_only:
    description:
      - Check every VM (prepared, linked, not drifted, storage mapped) and return the plan without changing
        anything, as check mode does.
    type: bool
    default: false
"""

    RETURN = r"""
vms:
  description: One entry per VM that moved, was resumed, was found done, or was refused.
  returned: unless O(validate_only)
  type: list
  elements: dict
  contains:
    name:
      description: Name of the VM.
      type: str
      returned: always
    id:
      description: The VM id its owner sees (unchanged by the move).
      type: str
      returned: always
    tier:
      description: DR tier of the VM.
      type: int
      returned: always
    state:
      description: DR state after the run, V(FailedOver) when a failover finished, V(Prepared) when a failback did.
      type: str
      returned: always
    failed:
      description: Whether the VM did not finish moving (or was refused).
      type: bool
      returned: always
    refused:
      description: True when validation refused the VM before anything changed.
      type: bool
      returned: always
    held:
      description: True when the VM did not start moving because VMs of an earlier tier did not finish.
      type: bool
      returned: always
    waiting_for:
      description: The VMs of earlier tiers that did not finish, for a held VM.
      type: list
      elements: str
      returned: when held
    error:
      description: Why the VM failed or was refused, with the fix.
      type: str
      returned: always
    step_seconds:
      description: Seconds each step took for the VM's batch.
      type: dict
      returned: always
      sample: {"begin": 0.2, "stop": 1.1, "record": 0.1, "swap": 0.4, "detach": 1.0, "import": 1.2,
               "attach": 2.3, "start": 1.1, "finish": 0.3}
    seconds:
      description: Seconds from the VM's first step to its last.
      type: float
      returned: always
    rto:
      description: The RTO target of the VM's DR offering.
      type: str
      returned: always
    rto_met:
      description: Whether the VM was running within its RTO target; null when unknown.
      type: bool
      returned: always
    data_as_of:
      description:
        - The point in time (UTC, ISO 8601) the VM's imported volumes are consistent to, as its storage's
          replication adapter reports it (the oldest of its pools); null when its pools have no adapter.
      type: str
      returned: always
      sample: "2026-11-29T23:40:12Z"
    rpo_seconds:
      description:
        - The data the move may have lost, at most, in seconds - how far behind its replica was, by the storage's
          clock, when it was made writable (a re-run measures again); about 0 for a planned move (synchronised
          after the stop). Null without C(data_as_of).
      type: float
      returned: always
    notes:
      description: Things an admin should know, such as the source volumes kept for later clean-up.
      type: list
      elements: str
      returned: always
plan:
  description:
    - With O(validate_only) or in check mode, what would happen to each accepted VM - C(name), C(id), C(tier),
      C(rto), C(action) and C(notes) (for example the data an accepted loss gives up).
  returned: when O(validate_only) or check mode
  type: list
  elements: dict
plan_text:
  description:
    - The plan as lines to print - first what fencing (failover) or unfencing (failback) the zones would do, then
      each VM, refused VMs included with the reason.
  returned: when O(validate_only) or check mode
  type: list
  elements: str
  sample: ["acme-web-1 (tier 1, RTO 1h): failover", "acme-db-1: REFUSED: the VM is not prepared (...)"]
replication:
  description:
    - Per replicated device of the run (pools whose storage map names a replication adapter), what the storage
      did - the device promoted (the replica on failover, the failback target on failback), how (C(planned)
      after a final sync, C(forced)), whether it now replicates back to the other side (C(reversed)), its
      status before and after, and C(error) when its VMs could not move.
  returned: unless O(validate_only)
  type: list
  elements: dict
  sample: [{"pool": "5d1b...", "device": "replica-a1", "back": "failback-a1", "adapter": "simulator",
            "promoted": "forced", "reversed": true, "error": null, "notes": [], "data_as_of": "2026-11-29T23:40:12Z",
            "before": {"role": "target", "writable": false, "lag_seconds": 4.2},
            "after": {"role": "source", "peer": "failback-a1", "writable": true}}]
fence_text:
  description:
    - What the run did to fence (failover) or unfence (failback) its zones, and the moved originals it found running
      again in a fenced zone and stopped.
  returned: unless O(validate_only)
  type: list
  elements: str
  sample: ["fenced zone zone-a: disabled the zone; disabled 3 hosts; powered off kvm-a1, kvm-a2, kvm-a3"]
replication_text:
  description: A line per replicated device - promoted or not, the data's point in time, whether it replicates back.
  returned: unless O(validate_only)
  type: list
  elements: str
  sample: ["storage replica-a1: promoted (forced), data as of 2026-11-29T23:40:12Z; replication back to failback-a1
            waits until it is reachable: run again"]
run:
  description: The run, for the report's header (RV(cloudstack.dr.dr_report#module:text)).
  returned: unless O(validate_only)
  type: dict
  contains:
    op:
      description: C(failover) or C(failback).
      type: str
      returned: always
    mode:
      description: C(planned) or C(unplanned).
      type: str
      returned: always
    from_zones:
      description: The zones the VMs moved from.
      type: list
      elements: str
      returned: always
    to_zones:
      description: The zones they moved to.
      type: list
      elements: str
      returned: always
    started:
      description: When the run started (ISO 8601, UTC).
      type: str
      returned: always
    ended:
      description: When it ended (ISO 8601, UTC).
      type: str
      returned: always
    pools:
      description: Each pool the volumes were on, and the pool they were imported from (C(on -> introduced)).
      type: list
      elements: str
      returned: always
    accept_data_loss:
      description: Whether the run accepted a replica further behind than the RPO.
      type: bool
      returned: always
  sample: {"op": "failover", "mode": "unplanned", "from_zones": ["zone-a"], "to_zones": ["zone-b"],
           "started": "2026-11-29T23:41:00Z", "ended": "2026-11-29T23:42:10Z", "accept_data_loss": false,
           "pools": ["pool-a1 -> pool-a1-replica"]}
tier_text:
  description: A line per tier, in the order moved (VMs done and failed, or why the tier did not start).
  returned: unless O(validate_only)
  type: list
  elements: str
  sample: ["tier 1: 2 of 3 VMs done, 1 failed", "tier 2 not started: acme-db-1 of an earlier tier did not finish"]
summary:
  description: Counts over the selection; C(held) VMs (their tier waited) are counted as C(failed) too.
  returned: always
  type: dict
"""
