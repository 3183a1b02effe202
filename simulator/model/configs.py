"""Global settings (the `configuration` table): the ones whose rules the simulator follows.

Each is read through `setting(sim, name)`; updateConfiguration changes it (a row of kind
"config" per changed setting), so tests and operators can set what a real cloud's admin sets.
"""

# name -> (default, type, category, description), as the ConfigKeys declare them (QueryService,
# ConfigurationManagerImpl, VolumeOrchestrationService, BackupManager, ManagementServer).
SETTINGS = {
    "user.vm.denied.details": (("rootdisksize, cpuOvercommitRatio, memoryOvercommitRatio, "
                                "Message.ReservedCapacityFreed.Flag"), "CSV", "Advanced",
                               "Determines whether users can view certain VM settings."),
    "user.vm.readonly.details": ("dataDiskController, rootDiskController", "CSV", "Advanced",
                                 "List of read-only VM settings/details as comma separated string"),
    "custom.diskoffering.size.min": ("1", "Long", "Advanced",
                                     "Minimum size in GB for custom disk offering."),
    "custom.diskoffering.size.max": ("1024", "Long", "Advanced",
                                     "Maximum size in GB for custom disk offering."),
    "backup.enable.attach.detach.of.volumes": ("false", "Boolean", "Advanced",
                                               "Enable volume attach/detach operations for VMs assigned to backups."),
    "vm.serviceoffering.cpu.cores.max": ("0", "Integer", "Advanced",
                                         "Maximum CPU cores for vm service offering. If 0 - no limitation"),
    "vm.serviceoffering.ram.size.max": ("0", "Integer", "Advanced",
                                        "Maximum RAM size in MB for vm service offering. If 0 - no limitation"),
    "storage.max.volume.size": ("2000", "Long", "Storage", "The maximum size for a volume (in GiB)."),
    "allow.domain.admins.to.create.tagged.offerings": ("false", "Boolean", "Advanced",
                                                       "Allow domain admins to create offerings with tags."),
    "vm.userdata.max.length": ("32768", "Integer", "Advanced",
                               ("Max length of vm userdata after base64 encoding. Default is 32768 and maximum is "
                               "1048576")),
    "allow.admin.vm.on.disabled.resources": ("false", "Boolean", "Advanced",
                                             ("Allow deploying VMs owned by the admin account in disabled Clusters, "
                                             "Pods, and Zones")),
    # BackupManager.BackupFrameworkEnabled: the backup commands exist only when it is true
    "backup.framework.enabled": ("false", "Boolean", "Advanced", "Is backup and recovery framework enabled."),
    # VMSnapshotManager.VMSnapshotMax; UserVmManager.AllowUserExpungeRecoverVm, AllowUserForceStopVm
    "vmsnapshot.max": ("10", "Integer", "Advanced", "Maximum vm snapshots for a single vm"),
    "allow.user.expunge.recover.vm": ("false", "Boolean", "Advanced",
                                      "Determines whether users can expunge or recover their vm"),
    "allow.user.force.stop.vm": ("true", "Boolean", "Advanced",
                                 "Determines whether users are allowed to force stop a vm"),
}
# The default resource limits (Config.java, ResourceLimitService, BackupManager, BucketApiService): an account
# or a non-ROOT domain without its own limit for a type has these; a negative value is unlimited; storage in GiB.
DEFAULT_LIMITS = (  # name suffix, account default, domain default, what
    ("user.vms", 20, 40, "number of user VMs that can be deployed"),
    ("public.ips", 20, 40, "number of public IPs that can be consumed"),
    ("templates", 20, 40, "number of templates that can be deployed"),
    ("snapshots", 20, 40, "number of snapshots that can be created"),
    ("volumes", 20, 40, "number of volumes that can be created"),
    ("networks", 20, 40, "number of networks that can be created"),
    ("vpcs", 20, 40, "number of vpcs that can be created"),
    ("cpus", 40, 80, "number of cpu cores that can be used"),
    ("memory", 40960, 81920, "memory (in MB) that can be used"),
    ("primary.storage", 200, 400, "primary storage space (in GiB) that can be used"),
    ("secondary.storage", 400, 800, "secondary storage space (in GiB) that can be used"),
    ("projects", 10, 50, "number of projects that can be created"),
    ("backups", 20, 40, "number of backups that can be created"),
    ("backup.storage", 400, 800, "backup storage space (in GiB) that can be used"),
    ("buckets", 20, 20, "number of buckets that can be created"),
    ("object.storage", 400, 400, "object storage space (in GiB) that can be used"),
)
for _suffix, _account, _domain, _what in DEFAULT_LIMITS:
    SETTINGS[f"max.account.{_suffix}"] = (str(_account), "Long", "Account Defaults",
                                          f"The default maximum {_what} for an account")
    SETTINGS[f"max.domain.{_suffix}"] = (str(_domain), "Long", "Domain Defaults",
                                         f"The default maximum {_what} for a domain")
BOOLEAN = ("true", "false")
# The scopes a setting may be set at (ConfigKey.Scope); the others are global only.
SCOPES = {"allow.domain.admins.to.create.tagged.offerings": ("Account",)}


def scopes_of(name):
    return SCOPES.get(name, ("Global",))


def setting(sim, name, account=None):
    """A setting's value: the account's own value for an account-scoped setting when it has one, else the global
    one (the `configuration` table), else the default."""
    if account is not None and "Account" in scopes_of(name):
        row = sim.store.first("accountconfig", name=name, accountid=account["id"])
        if row is not None:
            return row["value"]
    row = sim.store.first("config", name=name)
    return row["value"] if row is not None else SETTINGS[name][0]


def int_setting(sim, name):
    return int(setting(sim, name))


def csv_setting(sim, name):
    return [item.strip() for item in setting(sim, name).split(",") if item.strip()]


def config_view(sim, name, account=None):
    default, kind, category, description = SETTINGS[name]
    view = {"name": name, "value": setting(sim, name, account), "defaultvalue": default, "category": category,
            "description": description, "scope": scopes_of(name)[0].lower(), "isdynamic": True, "type": kind,
            "component": "management-server", "group": "Miscellaneous", "subgroup": "Others",
            "displaytext": name.replace(".", " ").title()}
    if account is not None:
        view.update(scope="account", id=account["id"])
    return view
