"""Checks an answer against the spec independently of the simulator's own filtering."""

from simulator.spec import Spec

SPEC = Spec()
ERROR_FIELDS = {"uuidList", "errorcode", "cserrorcode", "errortext"}
ASYNC_SUBMIT_FIELDS = {"jobid", "id"}


def _check_fields(value, fields, where, problems):
    if not isinstance(value, dict):
        return
    for key, sub in value.items():
        meta = fields.get(key)
        if meta is None:
            problems.append(f"{where}.{key} is not a response field of the spec")
            continue
        nested = meta.get("fields")
        if nested and isinstance(sub, dict):
            _check_fields(sub, nested, f"{where}.{key}", problems)
        elif nested and isinstance(sub, list):
            for i, item in enumerate(sub):
                _check_fields(item, nested, f"{where}.{key}[{i}]", problems)


def check_answer(command_name, payload, status):
    """Problems with one /client/api answer (an empty list means it conforms)."""
    problems = []
    command = SPEC.get(command_name)
    if not isinstance(payload, dict) or len(payload) != 1:
        return [f"{command_name}: answer must have exactly one top-level key, got {list(payload)}"]
    [(key, body)] = payload.items()
    if status != 200:
        expected = "errorresponse" if status == 432 or command is None else command.response_name
        if key != expected:
            problems.append(f"{command_name}: error key {key}, expected {expected}")
        if set(body) - ERROR_FIELDS or body.get("errorcode") != status:
            problems.append(f"{command_name}: bad error body {body}")
        return problems
    if key != command.response_name:
        problems.append(f"{command_name}: key {key}, expected {command.response_name}")
    response = command.response
    if command.is_async:
        if set(body) - ASYNC_SUBMIT_FIELDS or "jobid" not in body:
            problems.append(f"{command_name}: async answer must carry jobid (and id), got {sorted(body)}")
    elif response["kind"] == "list":
        if body and (set(body) != {"count", response["listkey"]} or not isinstance(body["count"], int)):
            problems.append(f"{command_name}: list answer keys {sorted(body)}, expected count+{response['listkey']}")
        for i, item in enumerate(body.get(response["listkey"], [])):
            _check_fields(item, response["fields"], f"{command_name}[{i}]", problems)
    elif response.get("success_only"):
        if body.get("success") not in ("true", True):
            problems.append(f"{command_name}: success answer expected, got {body}")
    elif response.get("flat") or response.get("fields_include_wrapper"):
        _check_fields(body, response["fields"], command_name, problems)
    else:
        key = command.object_key
        if set(body) != {key}:
            problems.append(f"{command_name}: object answer keys {sorted(body)}, expected {key}")
        _check_fields(body.get(key), response["fields"], f"{command_name}.{key}", problems)
    if command_name.lower() == "queryasyncjobresult" and body.get("jobstatus") == 1:
        problems.extend(check_job_result(body))
    return problems


def check_job_result(job):
    command = SPEC.get(job["cmd"])
    result = job.get("jobresult")
    if command is None or result is None:
        return [f"job {job.get('jobid')}: finished without cmd or jobresult"]
    if command.response.get("success_only"):
        return [] if result.get("success") is True else [f"{job['cmd']}: job result {result} is not success"]
    problems = []
    if len(result) != 1:
        return [f"{job['cmd']}: job result must have one key, got {sorted(result)}"]
    [(_, obj)] = result.items()
    _check_fields(obj, command.response["fields"], f"{job['cmd']} jobresult", problems)
    return problems
