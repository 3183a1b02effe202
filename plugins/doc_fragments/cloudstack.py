# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations


class ModuleDocFragment:
    """Connection options shared by every cloudstack.dr module."""

    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - URL of the CloudStack API, for example V(https://cloud.example.com/client/api).
      - If not set, the E(CLOUDSTACK_ENDPOINT) environment variable is used, then the C(endpoint) of
        the O(api_region) section of C(cloudstack.ini).
    type: str
  api_key:
    description:
      - API key of a CloudStack user. Writing DR metadata needs a root admin's key.
      - If not set, E(CLOUDSTACK_KEY) is used, then the C(key) of the O(api_region) section of C(cloudstack.ini).
    type: str
  api_secret:
    description:
      - Secret key matching O(api_key). It is never logged or returned.
      - If not set, E(CLOUDSTACK_SECRET) is used, then the C(secret) of the O(api_region) section of
        C(cloudstack.ini).
    type: str
  api_timeout:
    description:
      - HTTP timeout of one API call, in seconds.
      - If not set, E(CLOUDSTACK_TIMEOUT) is used, then C(cloudstack.ini), then V(10).
    type: int
  api_http_method:
    description:
      - HTTP method of API calls.
      - If not set, E(CLOUDSTACK_METHOD) is used, then C(cloudstack.ini), then V(get).
    type: str
    choices: [get, post]
  api_verify_ssl_cert:
    description:
      - CA bundle file used to verify the API's TLS certificate.
      - If not set, E(CLOUDSTACK_VERIFY) is used, then C(cloudstack.ini).
    type: str
  api_region:
    description:
      - Section of C(cloudstack.ini) to read the options above from, when they are not set otherwise.
      - If not set, E(CLOUDSTACK_REGION) is used, then V(cloudstack).
    type: str
notes:
  - Credentials are resolved as by C(ngine_io.cloudstack) and the C(cs) library, so existing set-ups work
    unchanged. Module options win, then the E(CLOUDSTACK_*) environment variables, then the O(api_region)
    section of the first C(cloudstack.ini) found through E(CLOUDSTACK_CONFIG), C(./cloudstack.ini) or
    C(~/.cloudstack.ini).
  - The module runs on the controller, in a play against localhost or with C(delegate_to=localhost).
requirements:
  - cs >= 3.0
"""

    # Inventory plugins read options through Ansible's config system, not AnsibleModule, so the
    # CLOUDSTACK_* fallbacks are declared here; Ansible merges these entries into the options above.
    INVENTORY = r"""
options:
  api_url:
    env: [{name: CLOUDSTACK_ENDPOINT}]
  api_key:
    env: [{name: CLOUDSTACK_KEY}]
  api_secret:
    env: [{name: CLOUDSTACK_SECRET}]
  api_timeout:
    env: [{name: CLOUDSTACK_TIMEOUT}]
  api_http_method:
    env: [{name: CLOUDSTACK_METHOD}]
  api_verify_ssl_cert:
    env: [{name: CLOUDSTACK_VERIFY}]
  api_region:
    env: [{name: CLOUDSTACK_REGION}]
"""

    RETURN = r"""
failure:
  description:
    - Why the module failed. For a CloudStack error, the command, the object, and CloudStack's
      C(errorcode), C(cserrorcode), C(errortext) and C(jobid); for bad input, the option to fix in C(field).
    - Modules that work on many VMs report a VM's own failure in its result entry instead, and fail as a
      whole only when the input, the credentials or CloudStack fail for all of them.
  returned: failure
  type: dict
  sample: {"command": "addResourceDetail", "target": "zone zone-a", "errorcode": 432, "cserrorcode": 9999,
           "errortext": "The given command does not exist or it is not available for the user", "jobid": null}
"""
