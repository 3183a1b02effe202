# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The failover/failback report: a text table for the console and an HTML page with a timeline.

Input is what vm_failover and vm_failback return per VM (their `vms` list, one or more runs
concatenated). Everything here is pure: the same results give the same text and the same page
(no clock is read), so writing the page again after an idempotent re-run changes nothing.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

from ..engine.move import rto_seconds

# The steps of plugins/module_utils/move.py, in order, with one colour each; a step we do not
# know yet still gets a stable colour from EXTRA_COLOURS.
STEP_COLOURS = {
    "begin": "#9e9e9e", "stop": "#e53935", "record": "#fdd835", "swap": "#8e24aa", "detach": "#fb8c00",
    "promote": "#00bcd4", "import": "#1e88e5", "attach": "#3949ab", "start": "#43a047", "finish": "#00897b",
}
EXTRA_COLOURS = ("#f4511e", "#6d4c41", "#546e7a", "#c0ca33", "#d81b60", "#00acc1")
COLUMNS = ("VM", "account", "tier", "op", "state", "seconds", "RTO", "RTO met", "data as of", "RPO s", "RPO",
           "RPO met", "failed step", "error")


class BadResult(TypeError):
    """A result the report cannot read; `field` names it (results[2].step_seconds), `problem` says why."""

    def __init__(self, field: str, problem: str):
        self.field, self.problem = field, problem
        super().__init__(f"{field} {problem}")


def _tier(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _steps(value: object, index: int) -> dict[str, float]:
    """A result's step_seconds, {step: seconds}; BadResult when it is not that."""
    seconds = {str(k): _number(v or 0) for k, v in value.items()} if isinstance(value, dict) else {}
    numbers = {step: s for step, s in seconds.items() if s is not None}
    if not isinstance(value, dict) or len(numbers) < len(seconds):
        raise BadResult(f"results[{index}].step_seconds", f"must map step names to seconds, not {value!r}")
    return numbers


def _notes(value: object, index: int) -> list:
    if not isinstance(value, list):
        raise BadResult(f"results[{index}].notes", f"must be a list of texts, not {value!r}")
    return value


def normalise(results: list | None) -> list[dict]:
    """The entries the report needs, tolerant of partial results (a VM refused before any step)."""
    out = []
    for index, raw in enumerate(results or []):
        if not isinstance(raw, dict):
            raise BadResult(f"results[{index}]", f"must be a dict (a `vms` entry of vm_failover/vm_failback), "
                                                 f"not {raw!r}")
        steps = _steps(raw.get("step_seconds") or {}, index)
        started, ended = _number(raw.get("started")), _number(raw.get("ended"))
        seconds = _number(raw.get("seconds"))
        if seconds is None:
            seconds = ended - started if started is not None and ended is not None else sum(steps.values())
        failed = bool(raw.get("failed")) or bool(raw.get("error"))
        met = raw.get("rto_met")
        target = rto_seconds(raw.get("rto"))
        if met is None and target is not None and not failed and started is not None:
            met = seconds <= target
        out.append({
            "name": str(raw.get("name") or raw.get("id") or "?"), "id": raw.get("id"),
            "account": raw.get("account") or "", "tier": _tier(raw.get("tier")), "op": raw.get("op") or "",
            "state": raw.get("state") or "", "failed": failed, "error": raw.get("error") or "",
            "steps": steps, "started": started, "ended": ended, "seconds": round(seconds, 3),
            "rto": "" if raw.get("rto") is None else str(raw.get("rto")), "rto_met": None if failed else met,
            "failed_step": (list(steps)[-1] if steps else "") if failed else "",
            # The replica's consistent point the volumes came from, and the data lost at most (replication/).
            "data_as_of": str(raw.get("data_as_of") or ""), "rpo_seconds": _number(raw.get("rpo_seconds")),
            "rpo": "" if raw.get("rpo") is None else str(raw.get("rpo")),
            "rpo_met": _rpo_met(_number(raw.get("rpo_seconds")), rto_seconds(raw.get("rpo"))),
            "notes": _notes(raw.get("notes") or [], index),
        })
    return sorted(out, key=lambda e: (_tier_key(e["tier"]), e["started"] or 0.0, e["name"]))


def _rpo_met(achieved: float | None, target: float | None) -> bool | None:
    """Whether the data a VM may have lost (its replica's lag when made writable) is within its RPO target."""
    return None if achieved is None or target is None else achieved <= target


def _tier_key(tier: int | None) -> tuple[int, int]:
    return (1, 0) if tier is None else (0, tier)


def _tier_label(tier: int | None) -> str:
    return "tier ?" if tier is None else f"tier {tier}"


def _met_label(entry: dict, key: str = "rto_met") -> str:
    if entry["failed"] and key == "rto_met":
        return "failed"
    return {True: "met", False: "missed", None: "-"}[entry[key]]


def tiers(entries: list[dict]) -> list[dict]:
    """One summary per tier, in recovery order: counts, RTO, and when the tier ran."""
    out: dict[int | None, dict] = {}
    for e in entries:
        t = out.setdefault(e["tier"], {"tier": e["tier"], "vms": 0, "done": 0, "failed": 0, "rto_met": 0,
                                       "rto_missed": 0, "rpo_met": 0, "rpo_missed": 0, "rpo_worst": None,
                                       "rpo_targets": [], "started": None, "ended": None})
        t["vms"] += 1
        t["failed" if e["failed"] else "done"] += 1
        t["rto_met"] += e["rto_met"] is True
        t["rto_missed"] += e["rto_met"] is False
        t["rpo_met"] += e["rpo_met"] is True
        t["rpo_missed"] += e["rpo_met"] is False
        if e["rpo_seconds"] is not None:
            t["rpo_worst"] = max(t["rpo_worst"] or 0.0, e["rpo_seconds"])
        if e["rpo"] and e["rpo"] not in t["rpo_targets"]:
            t["rpo_targets"].append(e["rpo"])
        if e["started"] is not None:
            t["started"] = e["started"] if t["started"] is None else min(t["started"], e["started"])
        if e["ended"] is not None:
            t["ended"] = e["ended"] if t["ended"] is None else max(t["ended"], e["ended"])
    return [out[k] for k in sorted(out, key=_tier_key)]


def summary(entries: list[dict]) -> dict:
    return {"selected": len(entries), "done": sum(not e["failed"] for e in entries),
            "failed": sum(e["failed"] for e in entries),
            "rto_missed": sum(e["rto_met"] is False for e in entries),
            "rpo_missed": sum(e["rpo_met"] is False for e in entries),
            "tiers": tiers(entries)}


def _origin(entries: list[dict]) -> float:
    starts = [e["started"] for e in entries if e["started"] is not None]
    return min(starts) if starts else 0.0


def _rows(entries: list[dict]) -> Iterator[tuple[str, ...]]:
    for e in entries:
        yield (e["name"], e["account"], "-" if e["tier"] is None else str(e["tier"]), e["op"], e["state"],
               f"{e['seconds']:.1f}", e["rto"] or "-", _met_label(e), e["data_as_of"] or "-",
               "-" if e["rpo_seconds"] is None else f"{e['rpo_seconds']:.0f}", e["rpo"] or "-",
               _met_label(e, "rpo_met"), e["failed_step"] or "-", e["error"] or "-")


def text(entries: list[dict], title: str = "", run: dict | None = None) -> list[str]:
    """The console report: the run's header, an aligned table, one line per VM, then one summary line per tier."""
    rows = [COLUMNS, *(tuple(r) for r in _rows(entries))]
    # The error column is last and not padded: it may be long and should not widen the table.
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS) - 1)]
    lines = [line for line in (title, header(run)) if line]
    for n, row in enumerate(rows):
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=False)] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * len(COLUMNS[-1]))
    origin = _origin(entries)
    for t in tiers(entries):
        span = ""
        if t["started"] is not None and t["ended"] is not None:
            span = (f", from +{t['started'] - origin:.1f}s to +{t['ended'] - origin:.1f}s"
                    f" ({t['ended'] - t['started']:.1f}s)")
        lines.append(f"{_tier_label(t['tier'])}: {t['vms']} VMs, {t['done']} done, {t['failed']} failed, "
                     f"RTO met {t['rto_met']}, missed {t['rto_missed']}; {_rpo_text(t)}{span}")
    if not entries:
        lines.append("no VM results")
    return lines


def _rpo_text(t: dict) -> str:
    """A tier's RPO in words: the most data any of its VMs may have lost, against its targets."""
    worst = "-" if t["rpo_worst"] is None else f"{t['rpo_worst']:.0f} s"
    return (f"RPO met {t['rpo_met']}, missed {t['rpo_missed']}, at most {worst} of data lost "
            f"(target {', '.join(t['rpo_targets']) or '-'})")


def header(run: dict | None) -> str:
    """The run in one line: what, how, between which zones, when, over which pools ('' without `run`)."""
    if not run:
        return ""
    pools = ", ".join(str(p) for p in run.get("pools") or []) or "-"
    loss = "; data loss accepted" if run.get("accept_data_loss") else ""
    return (f"{run.get('op', '?')} ({run.get('mode', '?')}) from {', '.join(run.get('from_zones') or ['?'])} to "
            f"{', '.join(run.get('to_zones') or ['?'])}, {run.get('started', '?')} to {run.get('ended', '?')}; "
            f"pools {pools}{loss}")


def _colour(step: str, unknown: dict[str, str]) -> str:
    if step in STEP_COLOURS:
        return STEP_COLOURS[step]
    if step not in unknown:
        unknown[step] = EXTRA_COLOURS[len(unknown) % len(EXTRA_COLOURS)]
    return unknown[step]


def svg_timeline(entries: list[dict], width: int = 960) -> str:
    """An inline SVG: one bar per VM, grouped by tier, x = seconds since the first start.

    Each bar is a sequence of segments, one per step, laid out from the VM's start in the order
    the steps ran; a failed VM's bar ends with a red cross and is outlined in red.
    """
    e = escape
    timed = [x for x in entries if x["started"] is not None]
    origin = _origin(entries)
    end = max([(x["ended"] if x["ended"] is not None else x["started"] + x["seconds"]) - origin for x in timed]
              + [1e-3])
    left, right, row_h, bar_h, top = 220, 20, 22, 14, 30
    scale = (width - left - right) / end
    groups = tiers(entries)
    height = top + sum((t["vms"] + 1) * row_h for t in groups) + 40
    unknown: dict[str, str] = {}
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
              f'viewBox="0 0 {width} {height}" role="img" aria-label="failover timeline" '
              'font-family="sans-serif" font-size="12">')]
    digits = 0 if end >= 50 else 1 if end >= 5 else 2  # ticks a fifth of the span apart stay distinct
    for i in range(6):  # the time axis, with ticks
        x = left + (width - left - right) * i / 5
        parts.append(f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{height - 30}" stroke="#e0e0e0"/>')
        parts.append(f'<text x="{x:.1f}" y="{top - 12}" text-anchor="middle">{end * i / 5:.{digits}f}s</text>')
    y = top
    for t in groups:
        parts.append(f'<text x="4" y="{y + 15}" font-weight="bold">{e(_tier_label(t["tier"]))}</text>')
        if t["started"] is not None and t["ended"] is not None:
            x0, x1 = left + (t["started"] - origin) * scale, left + (t["ended"] - origin) * scale
            parts.append(f'<rect class="tier" x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 1):.1f}" height="{bar_h}" '
                         f'fill="#eceff1" stroke="#90a4ae"><title>{e(_tier_label(t["tier"]))}: '
                         f'+{t["started"] - origin:.1f}s to +{t["ended"] - origin:.1f}s</title></rect>')
        y += row_h
        for vm in (x for x in entries if x["tier"] == t["tier"]):
            label = vm["name"] + (f" ({vm['account']})" if vm["account"] else "")
            colour = "#c62828" if vm["failed"] else "#212121"
            parts.append(f'<text x="14" y="{y + 15}" fill="{colour}">{e(label)}</text>')
            if vm["started"] is not None:
                x = left + (vm["started"] - origin) * scale
                for step, seconds in vm["steps"].items():
                    w = seconds * scale
                    parts.append(f'<rect class="step" data-step="{e(step)}" x="{x:.1f}" y="{y + 4}" '
                                 f'width="{max(w, 0.5):.1f}" height="{bar_h}" fill="{_colour(step, unknown)}">'
                                 f'<title>{e(vm["name"])}: {e(step)} {seconds:.2f}s</title></rect>')
                    x += w
                if vm["failed"]:
                    parts.append(f'<g class="failed" stroke="#c62828" stroke-width="2"><title>{e(vm["name"])} '
                                 f'failed at {e(vm["failed_step"] or "?")}: {e(vm["error"])}</title>'
                                 f'<line x1="{x + 2:.1f}" y1="{y + 4}" x2="{x + 12:.1f}" y2="{y + 4 + bar_h}"/>'
                                 f'<line x1="{x + 12:.1f}" y1="{y + 4}" x2="{x + 2:.1f}" y2="{y + 4 + bar_h}"/></g>')
            y += row_h
    x = left
    for step in [*STEP_COLOURS, *unknown]:  # the legend
        parts.append(f'<rect x="{x}" y="{height - 22}" width="10" height="10" fill="{_colour(step, unknown)}"/>'
                     f'<text x="{x + 14}" y="{height - 13}">{e(step)}</text>')
        x += 14 + 8 * len(step) + 12
    parts.append("</svg>")
    return "\n".join(parts)


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


STYLE = """body{font-family:sans-serif;margin:1.5em;color:#212121}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f5f5f5}tr.failed td{background:#ffebee}td.missed{color:#c62828;font-weight:bold}
td.met{color:#2e7d32}.num{text-align:right}"""


STORAGE_COLUMNS = ("device", "adapter", "before", "promoted", "data as of", "behind before (s)", "after",
                   "replicates to", "notes")


def _state(status: object) -> str:
    """A device's replication as the adapter answered it: 'target of array-a1, mirrored, read-only'."""
    if not isinstance(status, dict):
        return "-"
    role = status.get("role") or "none"
    peer = f" {'of' if role == 'target' else 'to'} {status['peer']}" if status.get("peer") else ""
    access = "writable" if status.get("writable") else "read-only"
    return f"{role}{peer}, {status.get('state') or 'no mirror'}, {access}"


def _lag(status: object) -> str:
    lag = status.get("lag_seconds") if isinstance(status, dict) else None
    return "-" if lag is None else f"{float(lag):.0f}"


def storage_rows(replication: list | None) -> list[tuple[str, ...]]:
    """A row per replicated device of the run (the `replication` list of vm_failover/vm_failback)."""
    rows: list[tuple[str, ...]] = []
    for i, item in enumerate(replication or []):
        if not isinstance(item, dict):
            raise BadResult(f"replication[{i}]", f"must be a dict (a `replication` entry of vm_failover/vm_failback), "
                                                 f"not {item!r}")
        after = item["after"] if isinstance(item.get("after"), dict) else {}
        back = after.get("peer") if after.get("role") == "source" else None
        notes = [str(n) for n in item.get("notes") or []] + ([f"ERROR: {item['error']}"] if item.get("error") else [])
        rows.append((str(item.get("device") or "?"), str(item.get("adapter") or "-"), _state(item.get("before")),
                     str(item.get("promoted") or "-"), str(item.get("data_as_of") or "-"), _lag(item.get("before")),
                     _state(item.get("after")), str(back or "-"), "; ".join(notes) or "-"))
    return rows


def storage_text(rows: list[tuple[str, ...]]) -> list[str]:
    return [f"storage {r[0]} ({r[1]}): was {r[2]}; promoted {r[3]}, data as of {r[4]}, {r[5]} s behind before; "
            f"now {r[6]}, replicates to {r[7]}" + ("" if r[8] == "-" else f"; {r[8]}") for r in rows]


def html_page(entries: list[dict], title: str = "cloudstack.dr report",
              storage: list[tuple[str, ...]] | None = None, run: dict | None = None) -> str:
    """A self-contained page (no external asset): summary per tier, table per VM, SVG timeline."""
    e = escape
    origin = _origin(entries)
    s = summary(entries)
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', f"<title>{e(title)}</title>",
           f"<style>{STYLE}</style></head><body>", f"<h1>{e(title)}</h1>",
           *([f"<p class=run>{e(header(run))}</p>"] if run else []),
           (f"<p>{s['selected']} VMs: {s['done']} done, {s['failed']} failed, {s['rto_missed']} missed their RTO, "
            f"{s['rpo_missed']} their RPO.</p>"),
           "<h2>Tiers</h2>", ("<table><tr><th>tier</th><th>VMs</th><th>done</th><th>failed</th><th>RTO met</th>"
                              "<th>RTO missed</th><th>RPO</th><th>start (s)</th><th>end (s)</th></tr>")]
    for t in s["tiers"]:
        start = "-" if t["started"] is None else f"+{t['started'] - origin:.1f}"
        stop = "-" if t["ended"] is None else f"+{t['ended'] - origin:.1f}"
        out.append(f"<tr><td>{e(_tier_label(t['tier']))}</td><td class=num>{t['vms']}</td>"
                   f"<td class=num>{t['done']}</td><td class=num>{t['failed']}</td><td class=num>{t['rto_met']}</td>"
                   f"<td class=num>{t['rto_missed']}</td><td>{e(_rpo_text(t))}</td><td class=num>{start}</td>"
                   f"<td class=num>{stop}</td></tr>")
    out += ["</table>", "<h2>Timeline</h2>", svg_timeline(entries), "<h2>VMs</h2>",
            "<table><tr>" + "".join(f"<th>{e(c)}</th>" for c in COLUMNS) + "<th>steps (s)</th><th>notes</th></tr>"]
    for entry, row in zip(entries, _rows(entries), strict=True):
        cells = []
        for column, value in zip(COLUMNS, row, strict=True):
            met = {"RTO met": "rto_met", "RPO met": "rpo_met"}.get(column)
            cls = f' class="{e(_met_label(entry, met))}"' if met else ""
            cells.append(f"<td{cls}>{e(value)}</td>")
        steps = ", ".join(f"{k} {v:.2f}" for k, v in entry["steps"].items())
        notes = "<br>".join(e(n) for n in entry["notes"])
        cls = ' class="failed"' if entry["failed"] else ""
        out.append(f"<tr{cls}>{''.join(cells)}<td>{e(steps)}</td><td>{notes}</td></tr>")
    out.append("</table>")
    if storage:
        out += ["<h2>Storage</h2>", "<table><tr>" + "".join(f"<th>{e(c)}</th>" for c in STORAGE_COLUMNS) + "</tr>"]
        out += ["<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>" for row in storage]
        out.append("</table>")
    out += ["</body></html>", ""]
    return "\n".join(out)
