"""The demo topology: two zones with storage mirrored one way (source -> read-only replica), offerings,
networks, and the tenants' VMs.

Built part by part in dependency order (VMs need networks need zones), through the API as the
root admin or as a tenant. The tenants' accounts exist before it runs (``seeding.seed``).

Resource limits: CloudStack limits every account and every domain below ROOT (max.account.*: 20 VMs,
20 volumes, 40 cores, 40 GiB of memory, 200 GiB of primary storage...; max.domain.*: twice that). An
operator protecting big accounts raises their limits with updateResourceLimit (seed-tenants does, see
tenants.py); the demo's tenants are small (acme: 3 VMs, 4 volumes, 11 GiB), with room under the defaults
for their never-started recovery VMs and the replicas a failover imports, so this seed raises none.
"""

from ..model.accounts import caller_of
from ..model.arrays import add_array
from ..model.keypairs import generated_public_key
from ..model.mirrors import configure
from ..model.public_ips import add_public_range
from ..model.templates import add_template, os_type_named
from .common import add_hosts, id_of, write_markers

TENANTS = ("acme", "globex")
# Small enough to read and big enough for the 1,000-VM benchmark.
DEMO_ZONES = (("zone-a", "10.1"), ("zone-b", "10.2"))
DEMO_HOSTS_PER_CLUSTER = 2
# (zone, letter, its storage network, the other zone, its storage network)
DEMO_STORAGE = (("zone-a", "a", "10.1", "zone-b", "10.2"), ("zone-b", "b", "10.2", "zone-a", "10.1"))
DEMO_DR_TAG = "dr"
# The DR offerings give full copies (provisioningtype sparse), as an operator following the README sets them: with
# CloudStack's default (thin) a KVM ROOT on NFS is a linked clone of the template's copy on its pool, and
# importVolume refuses a replica of it ("Volume with backing file cannot be imported or unmanaged."). The other
# offerings keep the default, so the demo has linked clones too.
SERVICE_OFFERINGS = (  # name, cores, MHz, MB, storage tags, provisioning type
    ("dr-small", 1, 1000, 512, "dr", "sparse"), ("small", 1, 1000, 1024, None, "thin"),
    ("medium", 2, 2000, 4096, None, "thin"),
    ("dr-medium", 2, 2000, 4096, "dr", "sparse"),  # a recovery offering of dr-small: the same storage tags
)
DISK_OFFERINGS = (("data-5g", 5, None, "thin"), ("data-20g", 20, None, "thin"), ("dr-data-5g", 5, "dr", "sparse"))
SERVICES = {
    "isolated": ["Vpn", "Dhcp", "Dns", "Firewall", "Lb", "UserData", "SourceNat", "StaticNat", "PortForwarding"],
    "shared": ["Dhcp", "Dns", "UserData"],
    "vpc": ["Vpn", "Dhcp", "Dns", "Lb", "UserData", "SourceNat", "StaticNat", "PortForwarding", "NetworkACL"],
}
NETWORK_OFFERINGS = (
    ("DefaultIsolatedNetworkOfferingWithSourceNatService",
     "Offering for Isolated networks with Source Nat service enabled", "Isolated", False, "isolated"),
    ("DefaultSharedNetworkOffering", "Offering for Shared networks", "Shared", False, "shared"),
    ("DefaultIsolatedNetworkOfferingForVpcNetworks",
     "Offering for Isolated VPC networks with Source Nat service enabled", "Isolated", True, "vpc"),
)
DEMO_PUBLIC_RANGES = ("198.51.100.0/24", "203.0.113.0/24")  # documentation ranges, one per zone
DEMO_SHARED = (("shared-a", "100", "172.16.10"), ("shared-b", "200", "172.16.20"))
DEMO_VMS = (  # name, account, service offering, network, data disk offering
    ("acme-web-1", "acme", "dr-small", "acme-web", "dr-data-5g"),
    ("acme-app-1", "acme", "dr-small", "acme-app", None),
    ("acme-plain-1", "acme", "small", "acme-web", None),
    ("globex-db-1", "globex", "dr-small", "globex-net", "dr-data-5g"),
)


def seed_demo(sim, ctx, replication_lag=0.0):
    """`ctx.caller` is the root admin; replication_lag: seconds the storage mirrors lag (0: synchronous)."""
    _zones(sim, ctx)
    _storage(sim, ctx, replication_lag)
    _offerings(sim, ctx)
    _networks(sim, ctx)
    _vms(sim)


def _tenant(sim, name):
    return caller_of(sim, sim.store.first("account", name=name))


def _zones(sim, ctx):
    """Two advanced KVM zones, each with one pod, one cluster and DEMO_HOSTS_PER_CLUSTER hosts."""
    for name, net in DEMO_ZONES:
        zone = sim.run_now(ctx.caller, "createZone", {  # a new zone is Disabled unless asked for Enabled
            "name": name, "networktype": "Advanced", "dns1": "8.8.8.8", "internaldns1": f"{net}.0.2",
            "guestcidraddress": "10.100.0.0/16", "allocationstate": "Enabled"})
        pod = sim.run_now(ctx.caller, "createPod", {
            "zoneid": zone["id"], "name": f"{name}-pod1", "gateway": f"{net}.1.1", "netmask": "255.255.255.0",
            "startip": f"{net}.1.100", "endip": f"{net}.1.199"})
        cluster = sim.run_now(ctx.caller, "addCluster", {
            "zoneid": zone["id"], "podid": pod["id"], "clustername": f"{name}-cluster1", "hypervisor": "KVM",
            "clustertype": "CloudManaged"})[0]
        add_hosts(sim, ctx.caller, cluster, DEMO_HOSTS_PER_CLUSTER)


def _storage(sim, ctx, lag):
    """Two pools per zone on arrays that mirror continuously (lag seconds behind) to read-only replica arrays in
    the other zone; the replicas are not pools until a failover promotes them and introduces them with
    createStoragePool. Each pool also has a writable failback array in its zone, not replicating: where the data
    comes home once the promoted replica is mirrored back to it (model/mirrors.reverse)."""
    for zone_name, letter, net, other_name, other_net in DEMO_STORAGE:
        zone, other = (sim.store.first("zone", name=n) for n in (zone_name, other_name))
        cluster = sim.store.first("cluster", zoneid=zone["id"])
        for i in (1, 2):
            source = add_array(sim, f"array-{letter}{i}", zone, f"nfs://{net}.0.1{i}/export/pool-{letter}{i}")
            replica = add_array(sim, f"replica-{letter}{i}", other,
                                f"nfs://{other_net}.0.2{i}/export/replica-{letter}{i}")
            add_array(sim, f"failback-{letter}{i}", zone, f"nfs://{net}.0.3{i}/export/failback-{letter}{i}")
            configure(sim, source, mode="continuous", lag_seconds=lag, target=replica["id"])
            sim.run_now(ctx.caller, "createStoragePool", {
                "zoneid": zone["id"], "podid": cluster["podid"], "clusterid": cluster["id"], "scope": "cluster",
                "name": f"pool-{letter}{i}", "url": source["url"], "tags": DEMO_DR_TAG if i == 1 else None})


def _offerings(sim, ctx):
    """Service and disk offerings (DR ones tagged for the DR pools), the public template, acme's SSH key
    pair and anti-affinity group."""
    root = ctx.caller
    for name, cores, mhz, mb, tags, provisioning in SERVICE_OFFERINGS:
        sim.run_now(root, "createServiceOffering", {"name": name, "displaytext": name, "cpunumber": cores,
                                                    "cpuspeed": mhz, "memory": mb, "tags": tags,
                                                    "provisioningtype": provisioning})
    for name, size, tags, provisioning in DISK_OFFERINGS:
        sim.run_now(root, "createDiskOffering", {"name": name, "displaytext": name, "disksize": size, "tags": tags,
                                                 "provisioningtype": provisioning})
    add_template(ctx, root.account, "debian-12", sorted(ctx.store.all("zone"), key=lambda z: z["name"]),
                 os_type_named("Debian GNU/Linux 12 (64-bit)"), displaytext="Debian 12 (bookworm)",
                 ispublic=True, isfeatured=True, templatetype="BUILTIN", sshkeyenabled=True,
                 crossZones=True)  # a BUILTIN template is cross-zone (TemplateManagerImpl.validateTemplateType)
    acme = ctx.store.first("account", name="acme")
    sim.run_now(root, "registerSSHKeyPair", {"name": "acme-ops", "publickey": generated_public_key(),
                                             "account": "acme", "domainid": acme["domainid"]})
    sim.run_now(root, "createAffinityGroup", {"name": "acme-spread", "type": "host anti-affinity",
                                              "account": "acme", "domainid": acme["domainid"]})


def _network_offerings(sim):
    """CloudStack's default network offerings and VPC offering (the API has no call that makes them here)."""
    for name, text, guestiptype, forvpc, services in NETWORK_OFFERINGS:
        sim.store.add("networkoffering", {
            "name": name, "displaytext": text, "guestiptype": guestiptype, "traffictype": "Guest",
            "state": "Enabled", "forvpc": forvpc, "supportedservices": SERVICES[services], "isdefault": True,
            "specifyvlan": guestiptype == "Shared", "specifyipranges": guestiptype == "Shared",
            "egressdefaultpolicy": False, "conservemode": True, "availability": "Optional" if forvpc else "Required",
            "ispersistent": False, "networkrate": 200,
        })
    sim.store.add("vpcoffering", {"name": "Default VPC offering", "displaytext": "Default VPC offering",
                                  "state": "Enabled", "isdefault": True, "supportedservices": SERVICES["vpc"],
                                  "distributedvpcrouter": False})


def _networks(sim, ctx):
    """Offerings, a public range and a shared network per zone, and the tenants' networks and VPC."""
    _network_offerings(sim)
    zones = sorted(sim.store.all("zone"), key=lambda z: z["_pk"])
    root = sim.store.first("domain", path="ROOT")
    # A seed runs on an empty database: the zones are the demo's, each with its range and shared network.
    for zone, cidr, (name, vlan, net) in zip(zones, DEMO_PUBLIC_RANGES, DEMO_SHARED, strict=True):
        add_public_range(sim, zone, cidr)
        sim.run_now(ctx.caller, "createNetwork", {
            "name": name, "displaytext": name, "zoneid": zone["id"], "vlan": vlan, "acltype": "Domain",
            "networkofferingid": id_of(sim, "networkoffering", name="DefaultSharedNetworkOffering"),
            "domainid": root["id"], "gateway": f"{net}.1", "netmask": "255.255.255.0", "startip": f"{net}.10",
            "endip": f"{net}.250"})
    zone_a = zones[0]["id"]
    isolated = id_of(sim, "networkoffering", name="DefaultIsolatedNetworkOfferingWithSourceNatService")
    acme, globex = _tenant(sim, "acme"), _tenant(sim, "globex")
    for caller, name in ((acme, "acme-web"), (globex, "globex-net")):
        sim.run_now(caller, "createNetwork", {"name": name, "zoneid": zone_a, "networkofferingid": isolated,
                                              "gateway": "10.1.1.1", "netmask": "255.255.255.0"})
    vpc = sim.run_now(acme, "createVPC", {
        "name": "acme-vpc", "displaytext": "acme-vpc", "cidr": "10.10.0.0/16", "zoneid": zone_a,
        "vpcofferingid": id_of(sim, "vpcoffering", name="Default VPC offering")})
    tier_offering = id_of(sim, "networkoffering", name="DefaultIsolatedNetworkOfferingForVpcNetworks")
    for name, octet in (("acme-app", 1), ("acme-db", 2)):
        sim.run_now(acme, "createNetwork", {
            "name": name, "zoneid": zone_a, "vpcid": vpc["id"], "gateway": f"10.10.{octet}.1",
            "netmask": "255.255.255.0", "networkofferingid": tier_offering})


def _vms(sim):
    """The tenants' running VMs in zone-a, with data disks, content markers, public IPs and rules."""
    zone = sim.store.first("zone", name="zone-a")
    template = id_of(sim, "template", name="debian-12")
    vms = {}
    for name, account, offering, net, disk in DEMO_VMS:
        vms[name] = sim.run_now(_tenant(sim, account), "deployVirtualMachine", {
            "name": name, "zoneid": zone["id"], "templateid": template,
            "serviceofferingid": id_of(sim, "serviceoffering", name=offering),
            "networkids": [id_of(sim, "network", name=net)],
            "diskofferingid": disk and id_of(sim, "diskoffering", name=disk)})
        write_markers(sim, sim.store.get("vm", vms[name]["id"]))
    _rules(sim, vms)


def _rules(sim, vms):
    acme, globex = _tenant(sim, "acme"), _tenant(sim, "globex")
    web, app, db = (vms[n]["id"] for n in ("acme-web-1", "acme-app-1", "globex-db-1"))
    ip = sim.run_now(acme, "associateIpAddress", {"networkid": id_of(sim, "network", name="acme-web")})
    sim.run_now(acme, "enableStaticNat", {"ipaddressid": ip["id"], "virtualmachineid": web})
    for port in (80, 443):
        sim.run_now(acme, "createFirewallRule", {"ipaddressid": ip["id"], "protocol": "tcp", "startport": port,
                                                 "endport": port, "cidrlist": ["0.0.0.0/0"]})
    sim.run_now(acme, "createEgressFirewallRule", {"networkid": id_of(sim, "network", name="acme-web"),
                                                   "protocol": "all", "cidrlist": ["10.1.1.0/24"]})
    ip = sim.run_now(acme, "associateIpAddress", {"vpcid": id_of(sim, "vpc", name="acme-vpc")})
    sim.run_now(acme, "createPortForwardingRule", {
        "ipaddressid": ip["id"], "virtualmachineid": app, "networkid": id_of(sim, "network", name="acme-app"),
        "protocol": "tcp", "publicport": 2222, "privateport": 22})
    ip = sim.run_now(globex, "associateIpAddress", {"networkid": id_of(sim, "network", name="globex-net")})
    sim.run_now(globex, "createPortForwardingRule", {"ipaddressid": ip["id"], "virtualmachineid": db,
                                                     "protocol": "tcp", "publicport": 5432, "privateport": 5432})
