"""The chaos harness's view of the cloud: a protected golden cloud, fillers, and the invariants.

Everything here reads or changes the simulator through its API (root and tenant keys) and its
control surface; nothing imports the collection, so the checks are independent of the engine.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import cs

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from csread import both, details
from simhost import ansible_env

from simulator.testing import Server

BIN = Path(sys.executable).parent
INVENTORY = str(ROOT / "inventory" / "demo.cloudstack.dr.vms.yml")
HOME, AWAY = "zone-a", "zone-b"
MOVING = ("dr.move", "dr.swap")  # journals that must be cleared ("none") once a run converged
MIB = 1024 * 1024


def client(server, section="cloudstack"):
    conf = server.section(section)
    return cs.CloudStack(endpoint=conf["endpoint"], key=conf["key"], secret=conf["secret"], method="post")


def build_golden(workdir: Path, vms: int, job_latency: float) -> Path:
    """A demo cloud plus `vms` tenant VMs in zone-a, configured and prepared through the playbooks."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "sim.db").unlink(missing_ok=True)
    server = Server(workdir, seed="demo", job_latency=job_latency).start()
    try:
        server.ctl("seed-tenants", accounts=max(1, vms // 10), vms=vms, zone=HOME, dr_fraction=1.0, recovery_zone=AWAY)
        server.stop()
        server.start()  # the credentials file now names the tenants too
        env = ansible_env(server)
        for args in (["playbooks/configure.yml", "-e", "dr_config=playbooks/vars/demo.yml"],
                     ["playbooks/prepare.yml", "-i", INVENTORY]):
            proc = subprocess.run([str(BIN / "ansible-playbook"), *args], env=env, cwd=ROOT, capture_output=True,
                                  text=True, check=False)
            if proc.returncode:
                raise RuntimeError(f"{args[0]} failed:\n{proc.stdout[-3000:]}")
    finally:
        server.stop()
    golden = workdir / "golden.db"
    shutil.copy(workdir / "sim.db", golden)
    return golden


def by_key(rows, key="id"):
    return {r[key]: r for r in rows}


class Cloud:
    """Reads of the simulator a check needs, as the root admin."""

    def __init__(self, server):
        self.server = server
        self.api = client(server)

    def vms(self):
        return both(self.api, "listVirtualMachines", listall=True)

    def volumes(self):
        return both(self.api, "listVolumes", listall=True)

    def zone_ids(self):
        return {z["name"]: z["id"] for z in self.api.listZones(fetch_list=True)}

    def vm_details(self):
        """{vm id: {key: value}} of every dr.* detail on VMs (both visibilities), read VM by VM."""
        out = {}
        for vm in self.vms():
            found = {k: v for k, v in details(self.api, "UserVm", vm["id"]).items() if k.startswith("dr.")}
            if found:
                out[vm["id"]] = found
        return out

    def marker(self, volume_id):
        """The content marker of a volume's file; None when it cannot be read (its zone is down)."""
        try:
            return self.server.ctl("read-marker", volume=volume_id)["marker"]
        except SystemExit:
            return None

    def public_ips(self):
        return {ip["id"]: (ip["ipaddress"], ip.get("account"), ip.get("state")) for ip in
                both(self.api, "listPublicIpAddresses", listall=True, allocatedonly=True)}

    def pools(self):
        return self.api.listStoragePools(fetch_list=True)

    def pool_refs(self):
        """Pool ids the storage maps name (introduced replicas and failback pools)."""
        return {value for pool in self.pools() for key, value in details(self.api, "Storage", pool["id"]).items()
                if key in ("dr.replica_pool", "dr.failback_pool")}


def protected(cloud: Cloud, zone: str, markers=True) -> dict:
    """{owner's VM id: {name, account, markers by device}} of the DR VMs serving in `zone` now."""
    zone_id = cloud.zone_ids()[zone]
    details = cloud.vm_details()
    vols = [v for v in cloud.volumes() if v.get("virtualmachineid")]
    out = {}
    for vm in cloud.vms():
        if vm["zoneid"] == zone_id and vm.get("displayvm", True) and details.get(vm["id"], {}).get("dr.state"):
            mine = sorted((v for v in vols if v["virtualmachineid"] == vm["id"]), key=lambda v: v.get("deviceid", 0))
            out[vm["id"]] = {"name": vm["name"], "account": vm["account"], "volumes": [v["id"] for v in mine],
                             "markers": [cloud.marker(v["id"]) for v in mine] if markers else None}
    return out


def fingerprint(cloud: Cloud, zone: str) -> dict:
    """What the invariants compare against: the protected VMs serving in `zone`, IPs, pools, volumes."""
    return {"vms": protected(cloud, zone), "ips": cloud.public_ips(), "pools": {p["id"] for p in cloud.pools()},
            "volumes": {v["id"] for v in cloud.volumes()}}


def check(cloud: Cloud, before: dict, zone: str, state: str, named: str) -> list[str]:
    """Every invariant after a converged run; the broken ones, as sentences."""
    vms, vols = cloud.vms(), cloud.volumes()
    return (_ids(cloud, vms, before, zone) + _data(cloud, vms, vols, before) + _states(cloud, before, state)
            + _orphans(cloud, vols, before, named))


def _ids(cloud, vms, before, zone):
    broken = [f"two VMs share id {i}" for i, n in Counter(v["id"] for v in vms).items() if n > 1]
    zone_id = cloud.zone_ids()[zone]
    seen = by_key(vms)
    for vm_id, want in before["vms"].items():
        vm = seen.get(vm_id)
        if vm is None or (vm["zoneid"], vm["state"], vm.get("displayvm")) != (zone_id, "Running", True):
            where = vm and (vm["zonename"], vm["state"], vm.get("displayvm"))
            broken.append(f"{want['name']} ({vm_id}) is not Running and shown in {zone}: {where}")
    broken += _owner_view(cloud, before)
    return broken


def _owner_view(cloud, before):
    """Each tenant sees each of its protected VMs once, by its original id and name."""
    broken = []
    for account in sorted({w["account"] for w in before["vms"].values()}):
        try:
            mine = client(cloud.server, account).listVirtualMachines(fetch_list=True)
        except KeyError:
            continue  # a tenant without a key in the credentials file
        names = Counter((v["id"], v["name"]) for v in mine)
        for vm_id, want in before["vms"].items():
            if want["account"] == account and names[(vm_id, want["name"])] != 1:
                broken.append(f"{account} sees {want['name']} ({vm_id}) {names[(vm_id, want['name'])]} times")
    return broken


def _data(cloud, vms, vols, before):
    """Each original marker on exactly one attached volume, of the VM with the owner's id; no volume gone."""
    broken = []
    live = {v["id"] for v in vols if v.get("state") not in ("Expunged", "Destroy")}
    for vm_id, want in before["vms"].items():
        attached = sorted((v for v in vols if v.get("virtualmachineid") == vm_id), key=lambda v: v.get("deviceid", 0))
        got = [cloud.marker(v["id"]) for v in attached]
        if got != want["markers"]:
            broken.append(f"{want['name']} ({vm_id}) holds {got}, not {want['markers']}")
        broken += [f"volume {v} of {want['name']} was deleted" for v in want["volumes"] if v not in live]
    counts = Counter(cloud.marker(v["id"]) for v in vols if v.get("virtualmachineid") and v.get("path"))
    for want in before["vms"].values():
        broken += [f"marker {m!r} is on {counts[m]} attached volumes" for m in want["markers"] if counts[m] != 1]
    return broken


def _states(cloud, before, state):
    """The owner's copy of the DR state on the VM the owner sees, the hidden state of every original, and no
    journal left in flight."""
    broken = []
    found = cloud.vm_details()
    for vm_id, want in before["vms"].items():
        mine = found.get(vm_id, {})
        if mine.get("dr.state") != state:
            broken.append(f"{want['name']} ({vm_id}) has DR state {mine.get('dr.state')}, not {state}")
    for vm_id, mine in found.items():
        if mine.get("dr.status", state) != state:
            broken.append(f"VM {vm_id} has the hidden DR state {mine['dr.status']}, not {state}")
        broken += [f"VM {vm_id} still has journal {k}" for k in MOVING if mine.get(k, "none") != "none"]
    return broken


def _orphans(cloud, vols, before, named):
    """New pools only as the storage maps name them; no new IP; a detached volume is known or reported."""
    broken = []
    refs = cloud.pool_refs()
    pools = cloud.pools()
    broken += [f"pool {p['name']} ({p['id']}) is named by no storage map" for p in pools
               if p["id"] not in before["pools"] and p["id"] not in refs]
    urls = Counter((p.get("ipaddress"), p.get("path")) for p in pools)
    broken += [f"two pools for {u}" for u, n in urls.items() if n > 1]
    ips = cloud.public_ips()
    if ips != before["ips"]:
        changed = sorted(set(ips.items()) ^ set(before["ips"].items()))
        broken.append(f"public IPs changed: {changed}")
    sources = {v for want in before["vms"].values() for v in want["volumes"]}
    for v in vols:
        if v.get("virtualmachineid") or v.get("state") in ("Expunged", "Destroy") or v["id"] in before["volumes"]:
            continue
        if v["id"] not in sources and v["id"] not in named:
            broken.append(f"volume {v['name']} ({v['id']}) is detached and no report names it")
    return broken


def fill_zone(cloud: Cloud, zone: str, slots: int) -> list[str]:
    """Deploy one filler VM per Up host of `zone`, leaving memory for `slots` 512 MB VMs there; their ids."""
    api = cloud.api
    zone_id = cloud.zone_ids()[zone]
    template = api.listTemplates(templatefilter="all", zoneid=zone_id, fetch_list=True)[0]
    net = next(n for n in api.listNetworks(listall=True, zoneid=zone_id, fetch_list=True) if n["type"] == "Shared")
    fillers = []
    for k, host in enumerate(api.listHosts(zoneid=zone_id, type="Routing", fetch_list=True)):
        free = (host["memorytotal"] - host["memoryallocatedbytes"]) // MIB - slots * 512 - 256
        offering = api.createServiceOffering(name=f"chaos-filler-{k}", displaytext="chaos filler",
                                             cpunumber=1, cpuspeed=100, memory=free)["serviceoffering"]
        job = api.deployVirtualMachine(zoneid=zone_id, serviceofferingid=offering["id"], templateid=template["id"],
                                       networkids=net["id"], hostid=host["id"], name=f"chaos-filler-{k}")
        fillers.append((wait(api, job["jobid"])["virtualmachine"]["id"], offering["id"]))
    return fillers


def free_zone(cloud: Cloud, fillers) -> None:
    for vm_id, offering_id in fillers:
        wait(cloud.api, cloud.api.destroyVirtualMachine(id=vm_id, expunge=True)["jobid"])
        cloud.api.deleteServiceOffering(id=offering_id)


def wait(api, jobid, timeout=60.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = api.queryAsyncJobResult(jobid=jobid)
        if answer["jobstatus"] == 1:
            return answer["jobresult"]
        if answer["jobstatus"] == 2:
            raise RuntimeError(answer["jobresult"].get("errortext"))
        time.sleep(0.02)
    raise TimeoutError(jobid)
