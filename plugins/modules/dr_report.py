#!/usr/bin/python
# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
module: dr_report
short_description: Report on failover and failback runs as a text table and an HTML page with a timeline
version_added: 0.1.0
description:
  - Takes the per-VM results of one or more M(cloudstack.dr.vm_failover) or M(cloudstack.dr.vm_failback) runs
    (their RV(cloudstack.dr.vm_failover#module:vms) lists, concatenated) and returns a text report, one aligned
    line per VM (name, account, tier, operation, state, seconds, RTO target, whether it was met, the step a
    failed VM stopped at and its error) and one summary line per tier.
  - With O(html_path), also writes a self-contained HTML page (no external asset, every value escaped) with
    the per-tier summary, the per-VM table and an inline SVG timeline. The timeline has one bar per VM,
    grouped by tier, over the seconds since the first VM started, with one coloured segment per step; a
    failed VM is drawn in red with a cross where it stopped. It shows at a glance that tier 1 was done
    before tier 2 started.
  - The page depends only on the results (no generation time is written), so writing it again from the
    same results changes nothing.
  - Makes no CloudStack API call. It accepts the connection options only so that C(module_defaults) for
    C(group/cloudstack.dr.dr) apply to it like to every other module of the collection.
author:
  - cloudstack.dr contributors
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
attributes:
  check_mode:
    support: full
    description: Returns the report and whether the page would change, and writes nothing.
  diff_mode:
    support: none
options:
  results:
    description:
      - Per-VM results, as returned in RV(cloudstack.dr.vm_failover#module:vms) by M(cloudstack.dr.vm_failover)
        and M(cloudstack.dr.vm_failback). Several runs (for example one per tier) can be concatenated.
      - Used keys are C(name), C(id), C(account), C(tier), C(op), C(state), C(failed), C(error),
        C(step_seconds), C(started), C(ended), C(seconds), C(rto), C(rto_met), C(data_as_of), C(rpo_seconds), C(rpo)
        and C(notes); missing keys are
        shown as V(-). When C(rto_met) is missing it is computed from C(seconds) and C(rto)
        (V(90s), V(30m), V(1h), V(1d), V(1h30m)).
    type: list
    elements: dict
    required: true
  replication:
    description:
      - The replicated devices of the runs, as returned in RV(cloudstack.dr.vm_failover#module:replication); the
        report adds a line (and a table on the page) per device - promoted how, the data's point in time, how far
        behind it was, where it replicates now.
    type: list
    elements: dict
    default: []
  run:
    description:
      - The run, as returned in RV(cloudstack.dr.vm_failover#module:run) (C(op), C(mode), C(from_zones),
        C(to_zones), C(started), C(ended), C(pools), C(accept_data_loss)); the report opens with it in one line.
    type: dict
    default: {}
  title:
    description: Title of the text report and of the HTML page.
    type: str
    default: cloudstack.dr report
  html_path:
    description:
      - Where to write the HTML page. Missing parent directories are created.
      - When omitted, only the text report is returned.
    type: path
"""

EXAMPLES = r"""
- name: Fail over tier 1
  cloudstack.dr.vm_failover:
    zone: zone-a
    tier: 1
  register: tier1

- name: Fail over tier 2
  cloudstack.dr.vm_failover:
    zone: zone-a
    tier: 2
  register: tier2

- name: Report on both tiers
  cloudstack.dr.dr_report:
    results: "{{ tier1.vms + tier2.vms }}"
    title: Failover of zone-a
    html_path: "{{ playbook_dir }}/dr-report-failover-zone-a.html"
  register: report

- name: Show the report
  ansible.builtin.debug:
    msg: "{{ report.text }}"
"""

RETURN = r"""
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
text:
  description: The report as lines of text, an aligned table (one line per VM) and one summary line per tier.
  returned: always
  type: list
  elements: str
  sample:
    - "VM          account  tier  op        state       seconds  RTO  RTO met  failed step  error"
    - "acme-web-1  acme     1     failover  FailedOver  4.2      1h   met      -            -"
    - "tier 1: 1 VMs, 1 done, 0 failed, RTO met 1, missed 0, from +0.0s to +4.2s (4.2s)"
summary:
  description: Counts over all VMs, and per tier the counts and when the tier ran (epoch seconds).
  returned: always
  type: dict
  contains:
    selected:
      description: VMs in the results.
      type: int
    done:
      description: VMs that did not fail.
      type: int
    failed:
      description: VMs that failed.
      type: int
    rto_missed:
      description: VMs done later than their RTO target.
      type: int
    tiers:
      description: One entry per tier in recovery order, with C(tier), C(vms), C(done), C(failed), C(rto_met),
        C(rto_missed), C(started) and C(ended).
      type: list
      elements: dict
  sample:
    selected: 3
    done: 3
    failed: 0
    rto_missed: 0
    tiers:
      - {tier: 1, vms: 3, done: 3, failed: 0, rto_met: 3, rto_missed: 0, started: 1700000000.0, ended: 1700000004.2}
html_path:
  description: Absolute path of the HTML page, when O(html_path) was given.
  returned: when O(html_path) is set
  type: str
  sample: /home/admin/dr-report-failover-zone-a-20240101T000000.html
changed:
  description: Whether the HTML page was written with a content different from what the file held (or would be, in
    check mode).
  returned: always
  type: bool
"""

import os
import tempfile
from typing import ClassVar

from ansible_collections.cloudstack.dr.plugins.module_utils.base import DrModule
from ansible_collections.cloudstack.dr.plugins.module_utils.errors import InputError
from ansible_collections.cloudstack.dr.plugins.module_utils.reporting import report


class DrReportModule(DrModule):
    argument_spec: ClassVar[dict] = {
        "results": {"type": "list", "elements": "dict", "required": True},
        "replication": {"type": "list", "elements": "dict", "default": []},
        "run": {"type": "dict", "default": {}},
        "title": {"type": "str", "default": "cloudstack.dr report"},
        "html_path": {"type": "path"},
    }

    def run(self) -> dict:
        try:
            entries = report.normalise(self.params["results"])
            storage = report.storage_rows(self.params["replication"])
        except report.BadResult as error:
            which = "`replication` list" if error.field.startswith("replication") else "`vms` lists"
            raise InputError(error.field, error.problem,
                             f"Pass the {which} that vm_failover or vm_failback returned") from error
        run = self.params["run"]
        result = {"changed": False,
                  "text": report.text(entries, self.params["title"], run) + report.storage_text(storage),
                  "summary": report.summary(entries)}
        path = self.params["html_path"]
        if path:
            path = os.path.abspath(path)
            result["html_path"] = path
            page = report.html_page(entries, self.params["title"], storage, run)
            result["changed"] = _read(path) != page
            if result["changed"] and not self.module.check_mode:
                try:
                    self._write(path, page)
                except OSError as error:
                    raise InputError("html_path", f"cannot write {path}: {error.strerror}",
                                     "Choose a path in a writable directory") from error
        return result

    def _write(self, path: str, page: str) -> None:
        folder = os.path.dirname(path)
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".dr_report.", suffix=".html")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(page)
        self.module.atomic_move(tmp, path)


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (FileNotFoundError, UnicodeDecodeError):
        return None


def main() -> None:
    DrReportModule().execute()


if __name__ == "__main__":
    main()
