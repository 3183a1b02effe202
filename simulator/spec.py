"""The API contract, read from CloudStack's own metadata (data/spec.json, data/roles.json).

Everything the simulator answers goes through here: which commands exist, who may call
them, which parameters they take, and which response fields they may carry.
"""

import json
import re
from functools import cached_property
from pathlib import Path

from .errors import PARAM_ERROR, ApiError

DATA = Path(__file__).with_name("data")
ROLES = ("RootAdmin", "DomainAdmin", "User")
# Commands newer than the 4.8 role tables whose @APICommand opens them to every role.
ALL_ROLES_SINCE_4_9 = frozenset({"listAsyncJobs", "queryAsyncJobResult", "listApis", "listUserData", "getUserKeys",
                                 "deleteUserData"})
# Commands a later release opened to more roles than the 4.8 tables give them: CreateDomainCmd's
# authorized = {Admin, DomainAdmin}; listConfigurations/updateConfiguration for domain admins
# (schema-41610to41700.sql).
ROLES_SINCE_4_9 = {"createDomain": ("RootAdmin", "DomainAdmin"), "listConfigurations": ("RootAdmin", "DomainAdmin"),
                   "updateConfiguration": ("RootAdmin", "DomainAdmin")}
# Object keys CloudStack answers where the SDK-derived spec has none or guesses wrong
OBJECT_KEYS = {"getVirtualMachineUserData": "virtualmachineuserdata", "registerSSHKeyPair": "keypair",
               "configureOutOfBandManagement": "outofbandmanagement",
               "issueOutOfBandManagementPowerAction": "outofbandmanagement"}
# Commands the SDK-derived spec takes for object answers that CloudStack answers as a list (AddClusterCmd.execute
# builds a ListResponse): command -> list key.
LIST_ANSWERS = {"addCluster": "cluster", "updateResourceCount": "resourcecount"}  # and UpdateResourceCountCmd
# Response fields CloudStack answers that the SDK-derived spec lacks, with the response class that has them.
FIELD_ADDITIONS = {
    "listResourceDetails": {"fordisplay": {"type": "boolean", "gotype": "bool"}},  # ResourceDetailResponse
}
# The response name of commands whose getCommandName is not <name>response (their s_name).
RESPONSE_NAMES = {"enableStorageMaintenance": "prepareprimarystorageformaintenanceresponse",
                  "cancelStorageMaintenance": "cancelprimarystoragemaintenanceresponse"}
# List commands that take page/pagesize but never use them (they answer everything).
UNPAGED = frozenset({"listVolumesForImport"})
_MAP_KEY = re.compile(r"^([a-z0-9_]+)\[(\d+)\]\.(.+)$")


def _invalid_value(api, name, value):
    return ApiError(
        PARAM_ERROR,
        f"Unable to execute API command {api.lower()} due to invalid value. Invalid parameter "
        f"{name} value={value} due to incorrect long value format, or entity does not exist or "
        "due to incorrect parameter annotation for the field in api cmd class.",
    )


class Command:
    """One API command of the spec."""

    def __init__(self, name, raw, roles, restricted):
        self.name = name
        self.raw = raw
        self.is_async = raw["async"]
        self.params = raw["params"]
        self.required = tuple(
            p for p, meta in raw["params"].items()
            if meta.get("required") and not meta.get("sdk_forced_required")
        ) + (("jobid",) if name == "queryAsyncJobResult" else ())
        self.roles = roles
        self.admin_only_params = restricted
        self.response = raw["response"]
        self.response["fields"].update(FIELD_ADDITIONS.get(name, {}))
        if name in LIST_ANSWERS:
            self.response.update(kind="list", listkey=LIST_ANSWERS[name])

    @property
    def response_name(self):
        return RESPONSE_NAMES.get(self.name, self.name.lower() + "response")

    @property
    def paged(self):
        """A list command whose page/pagesize select a page (BaseListCmd.getStartIndex is read)."""
        return "pagesize" in self.params and self.name not in UNPAGED

    @property
    def is_list(self):
        return self.response["kind"] == "list"

    @property
    def object_key(self):
        r = self.response
        return OBJECT_KEYS.get(self.name) or r.get("objectkey") or r.get("objectkey_guess")

    def parse(self, raw_params):
        """Validated parameters: lower-cased names, typed values, map parameters grouped."""
        out = {}
        for key, value in raw_params.items():
            m = _MAP_KEY.match(key)
            if m:
                name, index, sub = m.group(1), int(m.group(2)), m.group(3)
                out.setdefault(name, {}).setdefault(index, {})[sub] = value
                continue
            meta = self.params.get(key)
            out[key] = self._convert(key, value, meta["type"]) if meta else value
        for name, value in list(out.items()):
            if isinstance(value, dict) and self.params.get(name, {}).get("type") == "map":
                out[name] = [value[i] for i in sorted(value)]
        for name in self.required:
            if out.get(name) in (None, "", []):
                raise ApiError(
                    PARAM_ERROR,
                    f"Unable to execute API command {self.name.lower()} due to missing parameter {name}",
                )
        return out

    def _convert(self, name, value, kind):
        if kind in ("integer", "long"):
            try:
                return int(value)
            except ValueError:
                raise _invalid_value(self.name, name, value) from None
        if kind == "double":
            try:
                return float(value)
            except ValueError:
                raise _invalid_value(self.name, name, value) from None
        if kind == "boolean":
            return value.lower() == "true"  # Java's Boolean.valueOf: anything else is false
        if kind == "list":
            return [v for v in value.split(",") if v != ""]
        return value

    def allowed(self, role):
        return role in self.roles

    def shape_fields(self, obj, fields=None):
        """Keep only the response fields the spec lists for this command (recursively)."""
        return _filter(obj, self.response["fields"] if fields is None else fields)


def _filter(obj, fields):
    out = {}
    for key, value in obj.items():
        meta = fields.get(key)
        if meta is None or value is None:
            continue
        sub = meta.get("fields")
        if sub and isinstance(value, dict):
            value = _filter(value, sub)
        elif sub and isinstance(value, list):
            value = [_filter(v, sub) if isinstance(v, dict) else v for v in value]
        out[key] = value
    return out


class Spec:
    """All commands, indexed case-insensitively as CloudStack resolves them."""

    def __init__(self, spec_path=DATA / "spec.json", roles_path=DATA / "roles.json",
                 admin_params_path=DATA / "admin_params.json"):
        raw = json.loads(Path(spec_path).read_text())["commands"]
        roles = json.loads(Path(roles_path).read_text())
        # Parameters a command's class marks authorized = {RoleType.Admin} (BaseCmd.getParamFields).
        by_source = json.loads(Path(admin_params_path).read_text())["commands"]
        self.commands = {}
        for name, meta in raw.items():
            allowed = ROLES_SINCE_4_9.get(name) or roles["roles"].get(name)
            if allowed is None:
                allowed = list(ROLES) if name in ALL_ROLES_SINCE_4_9 else [roles["default_for_missing"]]
            restricted = roles["param_restrictions"].get(name, {})
            admin_only = set(restricted.get("RootAdmin_only", ())) | set(
                restricted.get("RootAdmin_only_per_source", ())
            ) | set(by_source.get(name, {}).get("RootAdmin_only", ()))
            self.commands[name] = Command(name, meta, frozenset(allowed), frozenset(admin_only))
        self._by_lower = {n.lower(): c for n, c in self.commands.items()}

    def get(self, name):
        return self.commands.get(name) or self._by_lower.get((name or "").lower())

    @cached_property
    def names(self):
        return sorted(self.commands)
