"""make bench: the DR cycle of N protected VMs on the simulator, phase by phase, through Ansible.

    python bench/run.py [--sizes 100,1000] [--latency 1] [--workers 125] [--naive 100] [--out bench/results]

For each size: a fresh simulator (job latency 0 while the cloud is built, then --latency), N VMs
seeded in zone-a over 20 tenant accounts (1 to 3 volumes, an isolated network each, every 4th VM
with a public IP and a port-forwarding rule, every 8th also a static-NAT IP with a firewall rule),
a third of them moved to a second DR offering (tier 2), the storage mirrors 5 s behind. The phases:
configure, prepare, re-prepare (nothing changed), reconcile (a tenth drifted), failover (zone-a lost:
promoted with force), failback (planned: every VM stopped, one final sync per device, then the move)
and a planned failover (the same, the other way). Each runs as users run it
(`ansible-playbook` with the cloudstack.dr.vms inventory) and is measured: wall time, API calls
and writes (counted by the simulator), async jobs, the controller's peak memory (RSS of
ansible-playbook and every process under it, sampled from /proc), and the bound the cloud itself
imposes: max(longest chain of jobs one VM needs one after another x latency, jobs x latency /
workers). The naive baseline runs the same failover on --naive VMs the way a user would without
the collection (bench/naive/failover.yml: one host per VM, one `cs` task per step, forks=5).
Results: bench/results/results.json, results.md, results.svg, and the README's Benchmarks table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

# Importable once the paths above are set.
import csread  # noqa: E402

from simulator.testing import Server  # noqa: E402

BIN = Path(sys.executable).parent
INVENTORY = ROOT / "inventory" / "demo.cloudstack.dr.vms.yml"
ACCOUNTS = 20
READ_PREFIXES = ("list", "query", "get")
# The longest chain of async jobs one VM needs one after another, per phase (x tiers for moves):
# prepare: deploy (the IP's reservation runs beside it) -> its rule -> its DR details;
# reconcile: the missing rule; a move: stop -> detach -> import -> attach (one per device, in
# order, in the VM's work queue: up to 3) -> start, and tier 2 starts only once tier 1 runs.
CHAIN = {"configure": 1, "prepare": 3, "re-prepare": 0, "reconcile": 1, "failover": 7, "failback": 7,
         "planned failover": 7}
MOVES = ("failover", "failback", "planned failover")
REPLICATION_LAG = 5  # seconds the storage mirrors run behind, as in the demo: the sync of a planned move has work
TIERS = 2
README_BEGIN, README_END = "<!-- bench:begin -->", "<!-- bench:end -->"


# -- the cloud ------------------------------------------------------------------------------------
def client(server):
    conf = server.section()
    return cs.CloudStack(endpoint=conf["endpoint"], key=conf["key"], secret=conf["secret"], method="post",
                         timeout=120)


def each(server, calls, threads=16):
    """Run (command, params) calls on a pool of clients (one per thread); the answers, in order."""
    local = threading.local()

    def one(call):
        if not hasattr(local, "api"):
            local.api = client(server)
        command, params = call
        return getattr(local.api, command)(**params)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, calls))


def build_cloud(server, n):
    """Seed N DR VMs in zone-a and give a third of them the tier-2 offering (job latency is 0 here)."""
    seeded = server.ctl("seed-tenants", accounts=ACCOUNTS, vms=n, zone="zone-a", dr_fraction=1, volumes_max=3,
                        recovery_zone="zone-b")
    api = client(server)
    small = next(o for o in api.listServiceOfferings(name="dr-small")["serviceoffering"] if o["name"] == "dr-small")
    tier2 = api.createServiceOffering(name="dr-tier2", displaytext="DR tier 2", cpunumber=small["cpunumber"],
                                      cpuspeed=small["cpuspeed"], memory=small["memory"], tags="dr",
                                      provisioningtype="sparse")  # the DR tag, full-copy roots: as dr-small
    tier2_id = tier2["serviceoffering"]["id"]
    vms = [vm for vm in api.listVirtualMachines(listall=True, fetch_list=True) if vm["name"].startswith("tenant-")]
    vms.sort(key=lambda vm: int(vm["name"].rsplit("-", 1)[1]))
    moved = [vm for k, vm in enumerate(vms) if k % 3 == 2]
    each(server, [("stopVirtualMachine", {"id": vm["id"]}) for vm in moved])
    each(server, [("changeServiceForVirtualMachine", {"id": vm["id"], "serviceofferingid": tier2_id})
                  for vm in moved])
    each(server, [("startVirtualMachine", {"id": vm["id"]}) for vm in moved])
    # Every 8th VM also has a static-NAT public IP with a firewall rule, as a web server would.
    web = vms[::8]
    nets = {net["account"]: net for net in api.listNetworks(listall=True, fetch_list=True) if net.get("account")}
    ips = each(server, [("associateIpAddress", {"networkid": nets[vm["account"]]["id"]}) for vm in web])
    ip_ids = [ip["ipaddress"]["id"] if "ipaddress" in ip else api.queryAsyncJobResult(jobid=ip["jobid"])
              ["jobresult"]["ipaddress"]["id"] for ip in ips]
    each(server, [("enableStaticNat", {"ipaddressid": ip, "virtualmachineid": vm["id"]})
                  for ip, vm in zip(ip_ids, web, strict=True)])
    each(server, [("createFirewallRule", {"ipaddressid": ip, "protocol": "tcp", "startport": 443, "endport": 443,
                                          "cidrlist": "0.0.0.0/0"}) for ip in ip_ids])
    return {"seeded": seeded, "vms": vms, "tier2": len(moved), "static_nat": len(web)}


def drift(server, vms, fraction=0.1):
    """A firewall rule on the public IP of 10% of the VMs (those without an IP get one first)."""
    api = client(server)
    chosen = vms[1::round(1 / fraction)][:max(1, int(len(vms) * fraction))]
    ips = {}
    for ip in api.listPublicIpAddresses(listall=True, fetch_list=True):
        if ip.get("virtualmachineid"):
            ips.setdefault(ip["virtualmachineid"], ip)
    rules = api.listPortForwardingRules(listall=True, fetch_list=True)
    for rule in rules:
        ips.setdefault(rule["virtualmachineid"], {"id": rule["ipaddressid"]})
    calls = []
    for vm in chosen:
        ip = ips.get(vm["id"])
        if ip is None:
            continue
        calls.append(("createFirewallRule", {"ipaddressid": ip["id"], "protocol": "tcp", "startport": 8443,
                                             "endport": 8443, "cidrlist": "10.0.0.0/8"}))
    # VMs without a public IP drift another way: a second NIC on their account's network is not
    # possible (one network per tenant), so they get nothing and the 10% are taken among exposed VMs.
    if len(calls) < len(chosen):
        exposed = [vm for vm in vms if vm["id"] in ips and vm not in chosen]
        for vm in exposed[:len(chosen) - len(calls)]:
            calls.append(("createFirewallRule", {"ipaddressid": ips[vm["id"]]["id"], "protocol": "tcp",
                                                 "startport": 8443, "endport": 8443, "cidrlist": "10.0.0.0/8"}))
    each(server, calls)
    return len(calls)


# -- measuring --------------------------------------------------------------------------------
def tree_memory(root_pid):
    """Summed PSS (bytes) of a process and all its descendants, from /proc: Ansible's forked workers
    share most pages with ansible-playbook, so summed RSS would count them twice; PSS splits them."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("Pss:")) * 1024
        except (OSError, StopIteration):
            pass
        todo += children.get(pid, [])
    return total


def counts(server):
    status = server.ctl("status")
    calls = status["api_calls"]
    return {"calls": sum(calls.values()), "writes": sum(v for k, v in calls.items() if not k.startswith(READ_PREFIXES)),
            "jobs": status["objects"].get("asyncjob", 0), "by_command": calls}


def run_phase(server, name, cmd, env, log, latency, workers, chain, check=True):
    before = counts(server)
    started = time.monotonic()
    with open(log, "a") as out:
        out.write(f"\n### {name}: {' '.join(map(str, cmd))}\n")
        out.flush()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_memory(proc.pid))
            time.sleep(0.1)
    wall = time.monotonic() - started
    after = counts(server)
    if check and proc.returncode != 0:
        raise SystemExit(f"phase {name} failed (rc {proc.returncode}); see {log}")
    jobs = after["jobs"] - before["jobs"]
    bound = max(chain * latency, jobs * latency / workers)
    by_command = {k: v - before["by_command"].get(k, 0) for k, v in after["by_command"].items()
                  if v != before["by_command"].get(k, 0)}
    return {"phase": name, "wall": round(wall, 1), "calls": after["calls"] - before["calls"],
            "writes": after["writes"] - before["writes"], "jobs": jobs, "peak_mb": round(peak / 2**20, 1),
            "chain": chain, "bound": round(bound, 1), "ratio": round(wall / bound, 2) if bound else None,
            "rc": proc.returncode, "by_command": by_command}


def ansible_env(server, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDSTACK_")}
    env.update(CLOUDSTACK_CONFIG=str(server.ini), ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
               PATH=f"{BIN}:{env.get('PATH', '')}", **extra)
    return env


def playbook(name, *args):
    return [str(BIN / "ansible-playbook"), *args, str(ROOT / "playbooks" / f"{name}.yml")]


def fresh_server(workdir, args):
    """A simulator on an empty database in `workdir` (job latency 0 while the cloud is built), and the
    phases' Ansible log there, emptied."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "sim.db").unlink(missing_ok=True)
    log = workdir / "ansible.log"
    log.unlink(missing_ok=True)
    return Server(workdir, job_latency=0, extra=["--job-workers", str(args.workers),
                                                 "--replication-lag", str(REPLICATION_LAG)]).start(), log


def run_size(n, args, workdir, record, save):
    server, log = fresh_server(workdir, args)
    try:
        t0 = time.monotonic()
        cloud = build_cloud(server, n)
        print(f"N={n}: cloud built in {time.monotonic() - t0:.0f} s ({cloud['tier2']} VMs in tier 2, "
              f"{cloud['static_nat']} with static NAT)", flush=True)
        protected = len(cloud["vms"]) + 3  # the demo seed's own DR VMs in zone-a
        server.ctl("faults", job_latency=args.latency)
        env = ansible_env(server)
        inv = ["-i", str(INVENTORY)]
        phases = record["phases"]

        def phase(name, cmd, check=True):
            result = run_phase(server, name, cmd, env, log, args.latency, args.workers, CHAIN[name] *
                               (TIERS if name in MOVES else 1), check)
            result["calls_per_vm"] = round(result["calls"] / protected, 2)
            print(f"  {name:<16} {result['wall']:>7.1f} s  {result['calls']:>6} calls  "
                  f"({result['calls_per_vm']:>5} per VM)  {result['writes']:>6} writes  "
                  f"{result['jobs']:>6} jobs  {result['peak_mb']:>6.0f} MB  bound {result['bound']:>6.1f} s  "
                  f"x{result['ratio'] or '-'}", flush=True)
            phases.append(result)
            save()
            return result

        phase("configure", playbook("configure", "-e", f"dr_config={ROOT / 'bench' / 'vars.yml'}"))
        phase("prepare", playbook("prepare", *inv))
        again = phase("re-prepare", playbook("prepare", *inv))
        if again["writes"]:
            raise SystemExit(f"re-prepare with nothing changed wrote: {again['by_command']}")
        server.ctl("faults", job_latency=0)
        drifted = drift(server, cloud["vms"])
        server.ctl("faults", job_latency=args.latency)
        phase("reconcile", playbook("prepare", *inv))
        server.ctl("fail-zone", zone="zone-a")
        phase("failover", playbook("failover", *inv, "-e", "move_zone=zone-a",
                                   "-e", f"move_report={workdir}/failover.html",
                                   "-e", f"move_progress_log={workdir}/failover.log"))
        server.ctl("recover-zone", zone="zone-a")
        phase("failback", playbook("failback", *inv, "-e", "move_zone=zone-a",
                                   "-e", f"move_report={workdir}/failback.html",
                                   "-e", f"move_progress_log={workdir}/failback.log"))
        # A planned failover (zone-a up): every VM stopped, one final sync per device, then the move.
        phase("planned failover", playbook("failover", *inv, "-e", "move_zone=zone-a", "-e", "move_mode=planned",
                                           "-e", f"move_report={workdir}/planned-failover.html",
                                           "-e", f"move_progress_log={workdir}/planned-failover.log"))
        return {"n": n, "protected_vms": protected, "drifted": drifted, "tier2": cloud["tier2"], "phases": phases}
    finally:
        server.stop()


# -- the naive baseline -------------------------------------------------------------------------
def run_naive(n, args, workdir):
    """Prepare N VMs with the collection (fast, untimed), lose zone-a, then fail over the naive way."""
    server, log = fresh_server(workdir, args)
    try:
        cloud = build_cloud(server, n)
        env = ansible_env(server)
        for name, cmd in (("configure", playbook("configure", "-e", f"dr_config={ROOT / 'bench' / 'vars.yml'}")),
                          ("prepare", playbook("prepare", "-i", str(INVENTORY)))):
            run_phase(server, name, cmd, env, log, 0, args.workers, 0)
        api = client(server)
        # The recovery VMs are the hidden VMs of zone-b; each has its original's name and account.
        zone_b = next(z["id"] for z in api.listZones(fetch_list=True) if z["name"] == "zone-b")
        recovery = {(vm["account"], vm["name"]): vm["id"] for vm in
                    api.listVirtualMachines(listall=True, displayvm=False, zoneid=zone_b, fetch_list=True)}
        pools = {p["id"]: p for p in api.listStoragePools(fetch_list=True)}
        pool_rows = {pool_id: csread.details(api, "Storage", pool_id) for pool_id in pools}
        naive_pools = []
        for pool_id, d in sorted(pool_rows.items()):
            if pools.get(pool_id, {}).get("zonename") != "zone-a" or "dr.replica_url" not in d:
                continue
            params = {"name": f"{pools[pool_id]['name']}-naive", "url": d["dr.replica_url"],
                      "zoneid": d["dr.replica_zone"], "podid": d.get("dr.replica_pod"),
                      "clusterid": d.get("dr.replica_cluster"), "scope": "cluster", "hypervisor": "KVM",
                      "tags": d.get("dr.replica_tags")}
            naive_pools.append({"source": pool_id, "params": " ".join(f"{k}={v}" for k, v in params.items() if v)})
        hosts = {}
        for vm in cloud["vms"]:
            rec = recovery.get((vm["account"], vm["name"]))
            hosts[vm["name"]] = {"vm_id": vm["id"], "recovery_id": rec, "account": vm["account"],
                                 "domainid": vm["domainid"], "ansible_connection": "local",
                                 "ansible_python_interpreter": sys.executable}
        inventory = {"all": {"children": {
            "controller": {"hosts": {"localhost": {"ansible_connection": "local",
                                                   "ansible_python_interpreter": sys.executable,
                                                   "naive_pools": naive_pools}}},
            "vms": {"hosts": hosts}}}}
        inv_path = workdir / "naive-inventory.json"
        inv_path.write_text(json.dumps(inventory))
        # The cs command line polls its job every 2 s by default; 0.25 s here, so the baseline is not
        # slowed by a poll interval the collection does not have.
        ini = workdir / "naive-cloudstack.ini"
        ini.write_text(server.ini.read_text().replace("timeout = 60", "timeout = 60\npoll_interval = 0.25"))
        server.ctl("faults", job_latency=args.latency)
        server.ctl("fail-zone", zone="zone-a")
        # The storage admin makes the replicas writable by hand first (untimed): the naive way has no adapter.
        for pool in naive_pools:
            if pool_rows[pool["source"]].get("dr.replica_device"):
                server.ctl("mirror-promote", array=pool_rows[pool["source"]]["dr.replica_device"], force=True)
        naive_env = dict(env, CLOUDSTACK_CONFIG=str(ini), ANSIBLE_FORKS="5")
        cmd = [str(BIN / "ansible-playbook"), "-i", str(inv_path), str(ROOT / "bench" / "naive" / "failover.yml")]
        result = run_phase(server, "failover", cmd, naive_env, log, args.latency, args.workers, CHAIN["failover"])
        result.update(n=n, method="naive: one host per VM, one cs task per step, forks=5")
        return result
    finally:
        server.stop()


# -- reports ----------------------------------------------------------------------------------
def markdown(results):
    cfg = results["config"]
    lines = [(f"`{cfg['command']}` — job latency {cfg['latency']} s, {cfg['workers']} job workers, "
             f"{cfg['cpus']} CPUs, {cfg['date']}"), "",
             ("| VMs | phase | wall s | API calls | calls per VM | writes | async jobs | peak memory MB (PSS) "
              "| bound s | wall / bound |"),
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for run in results["runs"]:
        for p in run["phases"]:
            per_vm = round(p["calls"] / run["protected_vms"], 2)
            lines.append(f"| {run['protected_vms']} | {p['phase']} | {p['wall']} | {p['calls']} | {per_vm} | "
                         f"{p['writes']} | {p['jobs']} | {p['peak_mb']:.0f} | {p['bound']} | {p['ratio'] or '-'} |")
    naive = results.get("naive")
    if naive:
        ours = next((p for run in results["runs"] if run["n"] == naive["n"] for p in run["phases"]
                     if p["phase"] == "failover"), None)
        lines.append(f"| {naive['n']} | failover, naive baseline | {naive['wall']} | {naive['calls']} | "
                     f"{round(naive['calls'] / naive['n'], 2)} | {naive['writes']} | {naive['jobs']} | "
                     f"{naive['peak_mb']:.0f} | {naive['bound']} | "
                     f"{naive['ratio']} |")
        if ours:
            lines += ["", (f"Failover of {naive['n']} VMs: {naive['wall']} s the naive way (one host per VM, one "
                      f"`cs` task per step, forks=5) vs {ours['wall']} s with cloudstack.dr: "
                      f"**{naive['wall'] / ours['wall']:.1f}x faster**.")]
    return "\n".join(lines) + "\n"


def svg(results):
    """Grouped bars: wall time per phase, one bar per N; hand-written SVG."""
    runs = [run for run in results["runs"] if run["phases"]]
    phases = [p["phase"] for p in max(runs, key=lambda run: len(run["phases"]))["phases"]]
    colours = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759"]
    top = max((p["wall"] for run in runs for p in run["phases"]), default=1) or 1
    width, height, left, bottom, group = 760, 340, 60, 290, 110
    bar = (group - 20) / max(1, len(runs))
    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
           'font-size="11">'),
           (f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="13">cloudstack.dr: wall time per phase '
           f'(job latency {results["config"]["latency"]} s, {results["config"]["workers"]} workers)</text>'),
           f'<line x1="{left}" y1="{bottom}" x2="{width - 10}" y2="{bottom}" stroke="#333"/>',
           f'<line x1="{left}" y1="30" x2="{left}" y2="{bottom}" stroke="#333"/>']
    for i in range(5):
        value = top * i / 4
        y = bottom - (bottom - 30) * i / 4
        out.append(f'<text x="{left - 5}" y="{y + 4:.0f}" text-anchor="end">{value:.0f} s</text>')
        out.append(f'<line x1="{left}" y1="{y:.0f}" x2="{width - 10}" y2="{y:.0f}" stroke="#ddd"/>')
    for g, name in enumerate(phases):
        x0 = left + 10 + g * group
        for r, run in enumerate(runs):
            wall = next((p["wall"] for p in run["phases"] if p["phase"] == name), 0)
            h = (bottom - 30) * wall / top
            x = x0 + r * bar
            out.append(f'<rect x="{x:.0f}" y="{bottom - h:.1f}" width="{bar - 2:.0f}" height="{h:.1f}" '
                       f'fill="{colours[r % len(colours)]}"><title>{run["protected_vms"]} VMs, {name}: {wall} s'
                       '</title></rect>')
            out.append(f'<text x="{x + bar / 2 - 1:.0f}" y="{bottom - h - 3:.0f}" text-anchor="middle" '
                       f'font-size="9">{wall:.0f}</text>')
        out.append(f'<text x="{x0 + (group - 20) / 2:.0f}" y="{bottom + 15}" text-anchor="middle">{name}</text>')
    for r, run in enumerate(runs):
        out.append(f'<rect x="{left + 10 + r * 110}" y="{height - 22}" width="10" height="10" '
                   f'fill="{colours[r % len(colours)]}"/>')
        out.append(f'<text x="{left + 25 + r * 110}" y="{height - 13}">{run["protected_vms"]} VMs</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_reports(results, out_dir, readme=True):
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    table = markdown(results)
    (out_dir / "results.md").write_text(table)
    (out_dir / "results.svg").write_text(svg(results))
    path = ROOT / "README.md"
    text = path.read_text()
    if readme and README_BEGIN in text and README_END in text:
        head, rest = text.split(README_BEGIN, 1)
        text = head + README_BEGIN + "\n" + table + README_END + rest.split(README_END, 1)[1]
        path.write_text(text)
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000", help="comma-separated numbers of VMs")
    parser.add_argument("--latency", type=float, default=1.0, help="seconds each async job takes")
    parser.add_argument("--workers", type=int, default=125, help="the simulator's async job worker pool")
    parser.add_argument("--naive", type=int, default=100, help="VMs of the naive baseline (0: skip it)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--work", default=str(ROOT / "build" / "bench"))
    parser.add_argument("--no-readme", action="store_true", help="leave the README's table alone")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    results = {"config": {"command": " ".join(["python bench/run.py", *(argv if argv is not None else sys.argv[1:])]),
                          "latency": args.latency, "workers": args.workers, "cpus": os.cpu_count(),
                          "date": time.strftime("%Y-%m-%d %H:%M"), "chain": CHAIN, "tiers": TIERS},
               "runs": []}
    work, out = Path(args.work), Path(args.out)

    def save():  # after every phase, so a long run leaves its figures so far
        write_reports(results, out, readme=not args.no_readme)

    for i, n in enumerate(sizes):
        results["runs"].append({"n": n, "protected_vms": n + 3, "phases": []})
        results["runs"][-1].update(run_size(n, args, work / f"n{n}", results["runs"][-1], save))
        save()
        if args.naive and i == 0:  # the baseline next to the smallest size, before the long runs
            print(f"naive baseline, {args.naive} VMs:", flush=True)
            results["naive"] = run_naive(args.naive, args, work / "naive")
            print(f"  failover   {results['naive']['wall']:>7.1f} s  {results['naive']['calls']} calls", flush=True)
            save()
    print(write_reports(results, Path(args.out), readme=not args.no_readme))
    return 0


if __name__ == "__main__":
    sys.exit(main())
