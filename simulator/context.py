"""Who is calling and what they asked: the ``Caller`` and the ``Context`` every handler receives.

The context answers the questions every handler asks: typed parameters, the object a uuid
parameter names, CloudStack's visibility rules, the account a create acts for, events.
"""

from dataclasses import dataclass, field

from . import errors
from .errors import ApiError


@dataclass
class Caller:
    user: dict
    account: dict
    domain: dict
    role: str

    @property
    def is_root(self):
        return self.role == "RootAdmin"

    @property
    def is_admin(self):
        return self.role in ("RootAdmin", "DomainAdmin")


# Parameters and fields that hide an object from its owner (Displayable): an event about such an object,
# or of a command that creates one hidden, is not shown to end users (BaseCmd.isDisplay, the commands'
# isDisplay overrides, QueryManagerImpl.searchForEvents).
DISPLAY_FLAGS = ("displayvm", "displaynetwork", "displayvolume", "fordisplay")


@dataclass
class Context:
    sim: object  # the Simulator (core.py)
    caller: Caller
    command: object
    p: dict = field(default_factory=dict)
    entities: list = field(default_factory=list)  # the objects the command's uuid parameters named

    @property
    def event_display(self):
        """Whether the call's events are shown to end users: not when it asks for a hidden object, nor when
        an object it names is hidden (CallContext.isEventDisplayEnabled)."""
        if any(self.p.get(name) is False for name in DISPLAY_FLAGS):
            return False
        return all(obj.get(flag, True) is not False for obj in self.entities for flag in DISPLAY_FLAGS)

    @property
    def store(self):
        return self.sim.store

    # -- parameters -------------------------------------------------------------------------
    def get(self, name, default=None):
        value = self.p.get(name)
        return default if value in (None, "") else value

    def has(self, name):
        return self.p.get(name) not in (None, "", [])

    def details_map(self, name="details"):
        """CloudStack map parameters: details[0].key=k&details[0].value=v or details[0].k=v."""
        out = {}
        for entry in self.p.get(name) or []:
            if "key" in entry and set(entry) <= {"key", "value"}:
                out[entry["key"]] = entry.get("value", "")
            else:
                out.update(entry)
        return out

    def invalid_value(self, name, value):
        return ApiError(
            errors.PARAM_ERROR,
            f"Unable to execute API command {self.command.name.lower()} due to invalid value. Invalid "
            f"parameter {name} value={value} due to incorrect long value format, or entity does not "
            "exist or due to incorrect parameter annotation for the field in api cmd class.",
        )

    def lookup(self, kind, name, required=True, value=None):
        """The object a uuid parameter names; CloudStack's 431 when it names nothing."""
        value = self.p.get(name) if value is None else value
        if value in (None, ""):
            if required:
                raise ApiError(
                    errors.PARAM_ERROR,
                    f"Unable to execute API command {self.command.name.lower()} due to missing parameter {name}",
                )
            return None
        obj = self.store.get(kind, value)
        if obj is None or obj.get("removed"):
            raise self.invalid_value(name, value)
        self.check_access(obj)
        self.entities.append(obj)
        return obj

    # -- access -----------------------------------------------------------------------------
    def can_see(self, obj):
        owner = obj.get("accountid")
        if self.caller.is_root or owner is None or obj.get("ispublic"):
            return True  # public templates and offerings are everybody's
        if self.caller.role == "DomainAdmin":
            return self.sim.in_domain(obj.get("domainid"), self.caller.domain["id"])
        return owner == self.caller.account["id"]

    def check_access(self, obj):
        if not self.can_see(obj):
            raise errors.denied("Caller does not have permission to operate with provided resource.")

    def owner(self):
        """The account a create acts for: the caller, or account+domainid given by an admin."""
        name = self.get("account")
        if name is None or not self.caller.is_admin:
            return self.caller.account
        domain = self.lookup("domain", "domainid") if self.has("domainid") else self.caller.domain
        acct = self.store.first("account", name=name, domainid=domain["id"], removed=None)
        if acct is None:
            raise errors.invalid(f"Unable to find account {name} in domain {domain['id']}")
        self.check_access(acct)
        return acct

    def owned(self, obj, account):
        """Stamp ownership fields on a new object."""
        domain = self.store.get("domain", account["domainid"])
        obj.update(accountid=account["id"], account=account["name"], domainid=domain["id"], domain=domain["name"],
                   domainpath=domain["path"])
        return obj

    def mine(self, items):
        """The items the caller may see, narrowed by the usual account/domainid/listall params."""
        out = [o for o in items if self.can_see(o)]
        if self.has("account") and self.caller.is_admin:
            out = [o for o in out if o.get("account") == self.p["account"]]
        if self.has("domainid") and self.caller.is_admin:
            want = self.p["domainid"]
            if self.p.get("isrecursive"):
                out = [o for o in out if self.sim.in_domain(o.get("domainid"), want)]
            else:
                out = [o for o in out if o.get("domainid") == want]
        elif self.caller.is_admin and not self.p.get("listall") and not self.has("account"):
            # CloudStack lists only the caller's own resources unless listall=true
            out = [o for o in out if o.get("accountid") in (None, self.caller.account["id"])]
        return out

    # -- events and alerts ------------------------------------------------------------------
    def event(self, etype, description, account=None):
        self.sim.event(etype, description, account or self.caller.account, self.caller.user)
