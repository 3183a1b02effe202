"""How CloudStack's exceptions print objects (the toString of its VOs), for error texts."""


def vm_text(vm):
    """VMInstanceVO.toString."""
    instance = vm.get("instancename") or f"i-{vm.get('_pk')}-VM"
    return f'VM instance {{"id":{vm.get("_pk")},"instanceName":"{instance}","type":"User","uuid":"{vm["id"]}"}}'


def _json(value):
    """ToStringStyle.JSON_STYLE for one value."""
    if value is None:
        return "null"
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else f'"{value}"'


def nic_text(nic, vm, network):
    """NicVO.toString (ReflectionToStringBuilderUtils: JSON style, the selected fields in declaration order)."""
    fields = {"id": nic["_pk"], "instanceId": vm["_pk"], "iPv4Address": nic.get("ipaddress"),
              "broadcastUri": network.get("broadcasturi"), "reservationId": None, "deviceId": int(nic["deviceid"]),
              "uuid": nic["id"]}
    return "Nic {" + ",".join(f'"{k}":{_json(v)}' for k, v in fields.items()) + "}"


def network_vo_text(network, offering):
    """NetworkVO.toString (4.20): ids are the database ids."""
    return (f'Network {{"id": {network["_pk"]}, "name": "{network["name"]}", "uuid": "{network["id"]}", '
            f'"networkofferingid": {offering["_pk"]}}}')


def pool_text(pool):
    """StoragePoolVO.toString."""
    return (f'StoragePool {{"id":{pool["_pk"]},"name":"{pool["name"]}","poolType":"{pool["type"]}",'
            f'"uuid":"{pool["id"]}"}}')


def volume_text(vol):
    return (f'Volume {{"id":{vol["_pk"]},"name":"{vol["name"]}","uuid":"{vol["id"]}",'
            f'"volumeType":"{vol["type"]}"}}')


def network_text(network):
    """NetworkVO.toString (4.20): its own format, with spaces."""
    return (f'Network {{"id": {network.get("_pk")}, "name": "{network["name"]}", "uuid": "{network["id"]}", '
            f'"networkofferingid": {network.get("_offering_pk")}}}')


def vpc_text(vpc):
    """VpcVO.toString: the selected fields in declaration order, JSON style."""
    return f'VPC {{"id":{vpc.get("_pk")},"uuid":"{vpc["id"]}","name":"{vpc["name"]}"}}'


def ip_text(ip):
    """IPAddressVO.toString."""
    return (f'IPAddress {{"id":{ip.get("_pk")},"address":"{ip["ipaddress"]}","dataCenterId":{ip.get("_zone_pk")},'
            f'"uuid":"{ip["id"]}"}}')


PURPOSES = {"firewall": "Firewall", "egress": "Firewall", "portforward": "PortForwarding"}


def rule_text(rule):
    """FirewallRuleVO.toString (a port-forwarding rule prints the same fields)."""
    return (f'FirewallRule {{"id":{rule.get("_pk")},"purpose":"{PURPOSES[rule["ruletype"]]}",'
            f'"state":"{rule["state"]}","networkId":{rule.get("_network_pk")},"uuid":"{rule["id"]}"}}')



def db_path(domain):
    """A domain's path as the domain table holds it: "/" for ROOT, "/customers/" below it."""
    rest = domain["path"].split("/", 1)[1] if "/" in domain["path"] else ""
    return f"/{rest}/" if rest else "/"


def _reflect(**fields):
    """ReflectionToStringBuilderUtils.reflectOnlySelectedFields: JSON style, fields in declaration order."""
    return "{" + ",".join(f'"{k}":{v}' if isinstance(v, int) else f'"{k}":"{v}"' for k, v in fields.items()) + "}"


def user_text(user):
    """UserVO.toString."""
    return f"User {_reflect(id=user['_pk'], username=user['username'], uuid=user['id'])}."


def account_text(account):
    return f"Account [{_reflect(id=account['_pk'], accountName=account['name'], uuid=account['id'])}]"


def domain_text(domain):
    return f"Domain {_reflect(id=domain['_pk'], name=domain['name'], path=db_path(domain), uuid=domain['id'])}"


def zone_text(zone):
    """DataCenterVO.toString (its own format)."""
    return f'Zone {{"id": "{zone["_pk"]}", "name": "{zone["name"]}", "uuid": "{zone["id"]}"}}'


def pod_text(pod):
    return f"HostPod {_reflect(id=pod['_pk'], name=pod['name'], uuid=pod['id'])}"


def cluster_text(cluster):
    """ClusterVO.toString (its own format)."""
    return f'Cluster {{id: "{cluster["_pk"]}", name: "{cluster["name"]}", uuid: "{cluster["id"]}"}}'


def host_text(host):
    return f"Host {_reflect(id=host['_pk'], name=host['name'], type=host['type'], uuid=host['id'])}"


def service_offering_text(offering):
    return f"Service offering {_reflect(id=offering['_pk'], uuid=offering['id'], name=offering['name'])}."
