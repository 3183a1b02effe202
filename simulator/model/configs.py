"""Global settings (the `configuration` table): the ones whose rules the simulator follows.

Each is read through `setting(sim, name)`; updateConfiguration changes it (a row of kind
"config" per changed setting), so tests and operators can set what a real cloud's admin sets.
"""

# name -> (default, type, category, description), as the ConfigKeys declare them (QueryService,
# ConfigurationManagerImpl, VolumeOrchestrationService, BackupManager, ManagementServer).
SETTINGS = {
    "user.vm.denied.details": ("rootdisksize, cpuOvercommitRatio, memoryOvercommitRatio, Message.ReservedCapacityFreed.Flag",
                               "CSV", "Advanced",
                               "Determines whether users can view certain VM settings."),
    "user.vm.readonly.details": ("dataDiskController, rootDiskController", "CSV", "Advanced",
                                 "List of read-only VM settings/details as comma separated string"),
    "custom.diskoffering.size.min": ("1", "Long", "Advanced",
                                     "Minimum size in GB for custom disk offering."),
    "custom.diskoffering.size.max": ("1024", "Long", "Advanced",
                                     "Maximum size in GB for custom disk offering."),
    "backup.enable.attach.detach.of.volumes": ("false", "Boolean", "Advanced",
                                               "Enable volume attach/detach operations for VMs assigned to backups."),
    # BackupManager.BackupFrameworkEnabled: the backup commands exist only when it is true
    "backup.framework.enabled": ("false", "Boolean", "Advanced", "Is backup and recovery framework enabled."),
    # VMSnapshotManager.VMSnapshotMax; UserVmManager.AllowUserExpungeRecoverVm, AllowUserForceStopVm
    "vmsnapshot.max": ("10", "Integer", "Advanced", "Maximum vm snapshots for a single vm"),
    "allow.user.expunge.recover.vm": ("false", "Boolean", "Advanced",
                                      "Determines whether users can expunge or recover their vm"),
    "allow.user.force.stop.vm": ("true", "Boolean", "Advanced",
                                 "Determines whether users are allowed to force stop a vm"),
}
BOOLEAN = ("true", "false")


def setting(sim, name):
    row = sim.store.first("config", name=name)
    return row["value"] if row is not None else SETTINGS[name][0]


def csv_setting(sim, name):
    return [item.strip() for item in setting(sim, name).split(",") if item.strip()]


def config_view(sim, name):
    default, kind, category, description = SETTINGS[name]
    return {"name": name, "value": setting(sim, name), "defaultvalue": default, "category": category,
            "description": description, "scope": "global", "isdynamic": True, "type": kind,
            "component": "management-server", "group": "Miscellaneous", "subgroup": "Others",
            "displaytext": name.replace(".", " ").title()}
