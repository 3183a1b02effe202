# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""What every cloudstack.dr module shares: options, client, check mode, diff, result, failure.

The one module protocol: a module is a subclass of DrModule that declares its `argument_spec`
(and `module_kwargs`, `output_paths`, `field_names` when needed) and implements `run()`, which
returns the module's result and honours `self.module.check_mode`; its `main()` is
`TheModule().execute()`. `execute()` checks the output files, calls `run()` and exits with its
result, or with CloudStack's or the input's error as one structured failure, so modules never
format errors themselves.

Two kinds of module implement `run()` once for all of their kind:
- ConfigModule (zone_link, dr_offering, storage_map): `run()` asks a configuration class of
  module_utils.config for a plan (an outcome.Outcome, never writing), applies it unless in check
  mode, and returns it with its `--diff`;
- move_module.MoveModule (vm_failover, vm_failback): `run()` moves the selected VMs one way.
"""

from __future__ import annotations

import os
import traceback
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib
from ansible.module_utils.errors import NoLogError

from .client.api import ApiConfigError, Client, CloudStackError, resolve_config
from .errors import InputError

if TYPE_CHECKING:  # annotations only: a module that configures nothing does not load the config code
    from .config.outcome import Outcome

try:
    from cs import CloudStack
except ImportError:  # reported in DrModule.__init__
    CS_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    CS_IMPORT_ERROR = None


def api_argument_spec() -> dict:
    """The connection options (doc fragment cloudstack.dr.cloudstack), with env fallbacks."""

    def env(name: str) -> tuple:
        return (env_fallback, [name])

    return {
        "api_url": {"type": "str", "fallback": env("CLOUDSTACK_ENDPOINT")},
        "api_key": {"type": "str", "fallback": env("CLOUDSTACK_KEY"), "no_log": False},
        "api_secret": {"type": "str", "fallback": env("CLOUDSTACK_SECRET"), "no_log": True},
        "api_timeout": {"type": "int", "fallback": env("CLOUDSTACK_TIMEOUT")},
        "api_http_method": {"type": "str", "choices": ["get", "post"], "fallback": env("CLOUDSTACK_METHOD")},
        "api_verify_ssl_cert": {"type": "str", "fallback": env("CLOUDSTACK_VERIFY")},
        "api_region": {"type": "str", "fallback": env("CLOUDSTACK_REGION")},
    }


class _AnsibleModule(AnsibleModule):
    """AnsibleModule whose argument errors name the option.

    A dict option given a string makes Ansible's no_log scan fail first with a bare "dictionary
    requested, could not parse JSON or key=value", and Ansible reports only that first error; the
    type error after it names the option and the type it wants, so that one is reported.
    """

    def fail_json(self, msg: str, **kwargs: Any) -> None:
        found = getattr(getattr(self, "validation_result", None), "errors", None)
        errors = found.errors if found is not None else []
        if errors and isinstance(errors[0], NoLogError) and msg == errors[0].args[0]:
            msg = next((error.args[0] for error in errors if not isinstance(error, NoLogError)), msg)
        super().fail_json(msg=msg, **kwargs)


def check_writable(option: str, path: str | None) -> None:
    """An InputError naming `option` unless the file `path` can be written (appended to) as it is."""
    if not path:
        return
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    if os.path.exists(path):
        ok = os.path.isfile(path) and os.access(path, os.W_OK)
    else:
        ok = os.path.isdir(folder) and os.access(folder, os.W_OK)
    if not ok:
        raise InputError(option, f"cannot write {path}", "Choose a file in an existing, writable directory")


class DrModule:
    """Base of the modules: subclasses declare `argument_spec` and implement `run()`."""

    argument_spec: ClassVar[dict] = {}
    module_kwargs: ClassVar[dict] = {}
    # Options naming files the module writes: checked before any change.
    output_paths: ClassVar[tuple] = ()
    # The engine's name of an option -> this module's (the engine names its selection `vms[0]`...).
    field_names: ClassVar[dict] = {}

    def __init__(self) -> None:
        spec = {**api_argument_spec(), **self.argument_spec}
        self.module = _AnsibleModule(argument_spec=spec, supports_check_mode=True, **self.module_kwargs)
        if CS_IMPORT_ERROR:
            self.module.fail_json(msg=missing_required_lib("cs"), exception=CS_IMPORT_ERROR)
        self._client: Client | None = None

    @property
    def params(self) -> dict:
        return self.module.params

    @property
    def client(self) -> Client:
        if self._client is None:
            self._client = Client(CloudStack(**resolve_config(self.params)))
        return self._client

    def run(self) -> dict:
        """The module's work and its result; changes nothing in check mode."""
        raise NotImplementedError

    def execute(self) -> None:
        """Exit with what `run()` returns, or with CloudStack's or the input's error as a failure."""
        try:
            for option in self.output_paths:
                check_writable(option, self.params[option])
            result = self.run()
        except CloudStackError as error:
            field = {"field": error.field} if error.field else {}
            self.module.fail_json(msg=str(error), failure={**error.as_dict(), **field})
        except InputError as error:
            if error.field in self.field_names:
                error = error.renamed(self.field_names[error.field])
            self.module.fail_json(msg=str(error), failure={"field": error.field}, **error.result)
        except ApiConfigError as error:
            self.module.fail_json(msg=str(error))
        if not self.module._diff:
            result.pop("diff", None)
        self.module.exit_json(**result)


class Configuration(Protocol):
    """A class of module_utils.config (ZoneLinks, DrOfferings, StorageMaps): plans, then applies the plan."""

    def __init__(self, client: Client) -> None: ...

    def check_caller(self) -> None: ...

    def plan(self, *options: Any, **named: Any) -> Outcome: ...

    def apply(self, outcome: Outcome) -> None: ...


class ConfigModule(DrModule):
    """A configuration module: `config` (a class of module_utils.config) plans and applies.

    `represent` names the result key of the configured object; `plan_options` are the options
    passed, in order, to `config.plan`.
    """

    represent: ClassVar[str] = ""
    config: ClassVar[type[Configuration]]
    plan_options: ClassVar[tuple] = ()

    def run(self) -> dict:
        config = self.config(self.client)
        config.check_caller()
        outcome = config.plan(*(self.params[name] for name in self.plan_options))
        if outcome.changed and not self.module.check_mode:
            config.apply(outcome)
        result = {"changed": outcome.changed, self.represent: outcome.value, "actions": outcome.actions()}
        if self.module._diff:
            result["diff"] = {"before": outcome.before, "after": outcome.after}
        return result
