"""How CloudStack's exceptions print objects (the toString of its VOs), for error texts."""


def vm_text(vm):
    """VMInstanceVO.toString."""
    instance = vm.get("instancename") or f"i-{vm.get('_pk')}-VM"
    return f'VM instance {{"id":{vm.get("_pk")},"instanceName":"{instance}","type":"User","uuid":"{vm["id"]}"}}'


def pool_text(pool):
    """StoragePoolVO.toString."""
    return (f'StoragePool {{"id":{pool["_pk"]},"name":"{pool["name"]}","poolType":"{pool["type"]}",'
            f'"uuid":"{pool["id"]}"}}')


def volume_text(vol, vm=None):
    """VolumeVO.toString: fields sorted by name, JSON style; instanceId is the internal id of its VM (or null)."""
    instance = vm["_pk"] if vm else "null"
    return (f'Volume {{"id":{vol["_pk"]},"instanceId":{instance},"name":"{vol["name"]}","uuid":"{vol["id"]}",'
            f'"volumeType":"{vol["type"]}"}}')


def offering_text(offering):
    """DiskOfferingVO.toString (its trailing period included)."""
    return f'DiskOffering {{"id":{offering["_pk"]},"name":"{offering["name"]}","uuid":"{offering["id"]}"}}.'


def host_text(host):
    """HostVO.toString."""
    return (f'Host {{"id":{host["_pk"]},"name":"{host["name"]}","type":"{host.get("type", "Routing")}",'
            f'"uuid":"{host["id"]}"}}')


def cluster_text(cluster):
    """ClusterVO.toString (hand-written, not the JSON style)."""
    return f'Cluster {{id: "{cluster["_pk"]}", name: "{cluster["name"]}", uuid: "{cluster["id"]}"}}'


def account_text(account):
    """AccountVO.toString."""
    return f'Account [{{"accountName":"{account["name"]}","id":{account["_pk"]},"uuid":"{account["id"]}"}}]'


def network_text(network):
    return f"Ntwk[{network['id']}|Guest|{network['name']}]"


def vpc_text(vpc):
    return f"[VPC [{vpc['id']}-{vpc['name']}]"


def ip_text(ip):
    return f"Ip[{ip['ipaddress']}-{ip['zoneid']}]"
