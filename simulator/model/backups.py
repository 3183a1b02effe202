"""Backup offerings (backup_offering) and a VM's assignment to one (vm_instance.backup_offering_id).

The backup framework exists only when the global setting backup.framework.enabled is true
(BackupManagerImpl.getCommands registers no backup command otherwise). Offerings are imported from
the zone's provider, the "dummy" plugin (backup.framework.provider.plugin's default).
"""

from .. import errors
from .configs import setting

PROVIDER = "dummy"  # DummyBackupProvider: every external id is valid, removal deletes the VM's backups


def framework_enabled(sim):
    """BackupManager.BackupFrameworkEnabled (global; the simulator has no zone-scoped settings)."""
    return setting(sim, "backup.framework.enabled") == "true"


def check_zone(sim):
    """BackupManagerImpl.validateForZone."""
    if not framework_enabled(sim):
        raise errors.internal("Backup and Recovery feature is disabled for the zone")


def backup_offering_of(sim, vm):
    """The backup offering the VM is assigned to, or None. A VM assigned to one holds its volumes as backup
    volumes (BackupManagerImpl.assignVMToBackupOffering), so VolumeApiServiceImpl.validateIfVmHasBackups
    refuses attachVolume/detachVolume on it unless backup.enable.attach.detach.of.volumes is true."""
    offering_id = vm.get("backupofferingid")
    return sim.store.get("backupoffering", offering_id) if offering_id else None


def assign(sim, vm, offering):
    """BackupManagerImpl.transactionAssignVMToBackupOffering: the offering, and the VM's volumes as its backup
    volumes (DummyBackupProvider sets the external id)."""
    vm.update(backupofferingid=offering["id"], _backupexternalid="dummy-external-backup-id")
    sim.store.touch("vm", vm)


def unassign(sim, vm):
    vm.update(backupofferingid=None, _backupexternalid=None)
    sim.store.touch("vm", vm)
