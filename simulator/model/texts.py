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
    return f"Ntwk[{network['id']}|Guest|{network['name']}]"


def vpc_text(vpc):
    return f"[VPC [{vpc['id']}-{vpc['name']}]"


def ip_text(ip):
    return f"Ip[{ip['ipaddress']}-{ip['zoneid']}]"
