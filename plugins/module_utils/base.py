# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""What every cloudstack.dr module shares: options, client, check mode, diff, result, failure.

A module subclasses DrModule, names what its result describes (`represent`), adds its own
options and implements `plan()` (validate, read, compute an outcome.Outcome; never write) and
`apply(outcome)`. Check mode, `--diff` and the result are handled here, once; CloudStack and
input errors become one structured failure here, so modules never format errors themselves.
"""

from __future__ import annotations

import traceback
from typing import ClassVar

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from .api import ApiConfigError, Client, CloudStackError, resolve_config
from .errors import InputError

try:
    from cs import CloudStack
except ImportError:  # reported in DrModule.__init__
    CS_IMPORT_ERROR = traceback.format_exc()
else:
    CS_IMPORT_ERROR = None


def api_argument_spec() -> dict:
    """The connection options (doc fragment cloudstack.dr.cloudstack), with env fallbacks."""

    def env(name):
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


class DrModule:
    """Base of the modules: subclasses set `represent` and `argument_spec` and implement `run`."""

    represent: ClassVar[str] = ""
    argument_spec: ClassVar[dict] = {}
    module_kwargs: ClassVar[dict] = {}

    def __init__(self):
        spec = {**api_argument_spec(), **self.argument_spec}
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **self.module_kwargs)
        if CS_IMPORT_ERROR:
            self.module.fail_json(msg=missing_required_lib("cs"), exception=CS_IMPORT_ERROR)
        self._client = None

    @property
    def params(self) -> dict:
        return self.module.params

    @property
    def client(self) -> Client:
        if self._client is None:
            self._client = Client(CloudStack(**resolve_config(self.params)))
        return self._client

    def plan(self):
        """Validate the options, read the current state, return an Outcome. No writes."""
        raise NotImplementedError

    def apply(self, outcome) -> None:
        """Make the outcome's changes."""
        raise NotImplementedError

    def execute(self) -> None:
        """Plan, apply unless in check mode, and exit with the result or a structured failure."""
        self.exit_with(self._plan_and_apply)

    def _plan_and_apply(self) -> dict:
        outcome = self.plan()
        if outcome.changed and not self.module.check_mode:
            self.apply(outcome)
        return self.result(outcome)

    def exit_with(self, work) -> None:
        """Exit with what `work()` returns, or with CloudStack's or the input's error as a failure.

        Engine modules (batches of VMs) call this with their own work instead of plan/apply.
        """
        try:
            result = work()
        except CloudStackError as error:
            self.module.fail_json(msg=str(error), failure=error.as_dict())
        except InputError as error:
            self.module.fail_json(msg=str(error), failure={"field": error.field})
        except ApiConfigError as error:
            self.module.fail_json(msg=str(error))
        if not self.module._diff:
            result.pop("diff", None)
        self.module.exit_json(**result)

    def result(self, outcome) -> dict:
        result = {"changed": outcome.changed, self.represent: outcome.value, "actions": outcome.actions()}
        if self.module._diff:
            result["diff"] = {"before": outcome.before, "after": outcome.after}
        return result
