"""The API commands, one module per resource; importing this package registers every command.

Command modules hold the ``@api`` handlers and the parameter checks CloudStack makes before it
queues work; the rules they apply are in ``model``, the answers they build in ``views``.
``filters``, ``network_common``, ``offering_common`` and ``vm_common`` are helpers the commands share (no commands).
"""

from . import (  # noqa: F401  (each import registers its module's commands)
    accounts,
    affinity,
    backups,
    configurations,
    details_tags,
    disk_offerings,
    firewall,
    infra,
    keypairs,
    limits,
    meta,
    network_create,
    networks,
    offerings,
    oobm,
    port_forwarding,
    public_ips,
    static_nat,
    storage_maintenance,
    storage_pools,
    templates,
    userdata,
    vm_deploy,
    vm_lifecycle,
    vm_list,
    vm_nics,
    vm_settings,
    vm_snapshots,
    volume_attach,
    volume_import,
    volumes,
    vpcs,
    zones,
)
