"""How CloudStack's exceptions print objects (the toString of its VOs), for error texts.

Most VOs print `ReflectionToStringBuilderUtils.reflectOnlySelectedFields(this, ...)`: commons-lang3's
ReflectionToStringBuilder in JSON style, which lists the fields sorted by name whatever order the VO names
them in, and escapes string values as JSON does ("/" as "\\/"). A 4.20.1 log shows it:
`Account [{"accountName":"x","id":5,"uuid":"..."}]`, `Domain {"id":1,"name":"ROOT","path":"\\/",...}`.
Ids in texts are database ids (the simulator's `_pk`).
"""

import json


def _json(value):
    """JsonToStringStyle for one value: numbers plain, null, strings quoted and escaped ("/" too)."""
    if value is None:
        return "null"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return json.dumps(str(value)).replace("/", "\\/")


def _reflect(**fields):
    """ReflectionToStringBuilderUtils.reflectOnlySelectedFields: JSON style, the fields sorted by name."""
    return "{" + ",".join(f'"{k}":{_json(v)}' for k, v in sorted(fields.items())) + "}"


def vm_text(vm):
    """VMInstanceVO.toString."""
    instance = vm.get("instancename") or f"i-{vm.get('_pk')}-VM"
    return f"VM instance {_reflect(id=vm.get('_pk'), instanceName=instance, type='User', uuid=vm['id'])}"


def nic_text(nic, vm, network):
    """NicVO.toString."""
    return "Nic " + _reflect(id=nic["_pk"], instanceId=vm["_pk"], iPv4Address=nic.get("ipaddress"),
                             broadcastUri=network.get("broadcasturi"), reservationId=None,
                             deviceId=int(nic["deviceid"]), uuid=nic["id"])


def network_vo_text(network, offering):
    """NetworkVO.toString (4.20): its own format, with spaces; ids are the database ids."""
    return (f'Network {{"id": {network["_pk"]}, "name": "{network["name"]}", "uuid": "{network["id"]}", '
            f'"networkofferingid": {offering["_pk"]}}}')


def network_text(network):
    """NetworkVO.toString, from the network row alone."""
    return (f'Network {{"id": {network.get("_pk")}, "name": "{network["name"]}", "uuid": "{network["id"]}", '
            f'"networkofferingid": {network.get("_offering_pk")}}}')


def pool_text(pool):
    """StoragePoolVO.toString."""
    return f"StoragePool {_reflect(id=pool['_pk'], name=pool['name'], poolType=pool['type'], uuid=pool['id'])}"


def volume_text(vol, vm=None):
    """VolumeVO.toString; instanceId is the internal id of its VM (or null)."""
    return "Volume " + _reflect(id=vol["_pk"], instanceId=vm["_pk"] if vm else None, name=vol["name"],
                                uuid=vol["id"], volumeType=vol["type"])


def offering_text(offering):
    """DiskOfferingVO.toString (its trailing period included)."""
    return f"DiskOffering {_reflect(id=offering['_pk'], name=offering['name'], uuid=offering['id'])}."


def service_offering_text(offering):
    """ServiceOfferingVO.toString."""
    return f"Service offering {_reflect(id=offering['_pk'], name=offering['name'], uuid=offering['id'])}."


def vpc_text(vpc):
    """VpcVO.toString."""
    return f"VPC {_reflect(id=vpc.get('_pk'), uuid=vpc['id'], name=vpc['name'])}"


def ip_text(ip):
    """IPAddressVO.toString."""
    return "IPAddress " + _reflect(id=ip.get("_pk"), address=ip["ipaddress"], dataCenterId=ip.get("_zone_pk"),
                                   uuid=ip["id"])


PURPOSES = {"firewall": "Firewall", "egress": "Firewall", "portforward": "PortForwarding"}


def rule_text(rule):
    """FirewallRuleVO.toString (a port-forwarding rule prints the same fields)."""
    return "FirewallRule " + _reflect(id=rule.get("_pk"), purpose=PURPOSES[rule["ruletype"]], state=rule["state"],
                                      networkId=rule.get("_network_pk"), uuid=rule["id"])


def db_path(domain):
    """A domain's path as the domain table holds it: "/" for ROOT, "/customers/" below it."""
    rest = domain["path"].split("/", 1)[1] if "/" in domain["path"] else ""
    return f"/{rest}/" if rest else "/"


def user_text(user):
    """UserVO.toString."""
    return f"User {_reflect(id=user['_pk'], username=user['username'], uuid=user['id'])}."


def account_text(account):
    """AccountVO.toString."""
    return f"Account [{_reflect(id=account['_pk'], accountName=account['name'], uuid=account['id'])}]"


def domain_text(domain):
    """DomainVO.toString."""
    return f"Domain {_reflect(id=domain['_pk'], name=domain['name'], path=db_path(domain), uuid=domain['id'])}"


def zone_text(zone):
    """DataCenterVO.toString (its own format)."""
    return f'Zone {{"id": "{zone["_pk"]}", "name": "{zone["name"]}", "uuid": "{zone["id"]}"}}'


def pod_text(pod):
    """HostPodVO.toString."""
    return f"HostPod {_reflect(id=pod['_pk'], name=pod['name'], uuid=pod['id'])}"


def cluster_text(cluster):
    """ClusterVO.toString (its own format)."""
    return f'Cluster {{id: "{cluster["_pk"]}", name: "{cluster["name"]}", uuid: "{cluster["id"]}"}}'


def host_text(host):
    """HostVO.toString."""
    return f"Host {_reflect(id=host['_pk'], name=host['name'], type=host.get('type', 'Routing'), uuid=host['id'])}"
