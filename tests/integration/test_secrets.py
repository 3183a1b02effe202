"""The API secret never shows: every playbook of playbooks/ runs at -vvvv through the whole DR cycle on a
simulator of this module's own (configure, prepare, status, failover of a lost zone-a, failback), with
credentials from CLOUDSTACK_* variables or from a cloudstack.ini, and then with a wrong key. No secret
may appear on stdout or stderr, in the ANSIBLE_LOG_PATH log, or in the report and progress files the
playbooks write. Each run also shows what it must (the API key, the VM names), so the check can fail."""

import configparser
import os
import re

import pytest
from simhost import running

from .conftest import DEMO_CONFIG, ROOT, playbook

INVENTORY = str(ROOT / "inventory" / "demo.cloudstack.dr.vms.yml")
WRONG_SECRET = "wrong-" + "y" * 80
# Ansible prints a no_log value it finds in its output as ********; task banners end their line with stars.
MASK = re.compile(r"(?<!\*)\*{8}(?!\*)(?!$)", re.MULTILINE)
VMS = ("acme-web-1", "acme-app-1", "globex-db-1")


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("secrets")
    with running(tmp / "sim", seed="demo") as server:
        yield server, tmp


def secrets_of(server) -> list:
    """Every secret of the simulator's cloudstack.ini (root admin, tenants, domain admin), and the wrong one."""
    ini = configparser.ConfigParser()
    ini.read(server.ini)
    return [ini[section]["secret"] for section in ini.sections()] + [WRONG_SECRET]


def variables(server, **override) -> dict:
    """Credentials as CLOUDSTACK_* variables only (no cloudstack.ini anywhere it could be read)."""
    root = server.section()
    return {"CLOUDSTACK_ENDPOINT": root["endpoint"], "CLOUDSTACK_KEY": root["key"],
            "CLOUDSTACK_SECRET": root["secret"], **override}


def ini_file(server) -> dict:
    return {"CLOUDSTACK_CONFIG": str(server.ini)}


def run(cloud, name, creds, *extra):
    """ansible-playbook -vvvv playbooks/<name>; the process and what ANSIBLE_LOG_PATH logged."""
    tmp = cloud[1]
    log = tmp / f"{name}-{len(list(tmp.glob('*.log')))}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDSTACK_")}
    env.update(creds, ANSIBLE_LOG_PATH=str(log), HOME=str(tmp))  # HOME: no ~/.cloudstack.ini of the machine's
    proc = playbook(ROOT / "playbooks" / name, env, "-vvvv", *extra)
    return proc, log.read_text() if log.exists() else ""


def assert_secret_free(server, proc, log, *files):
    """No secret in the run's stdout, stderr, log file or `files`; the log has the whole run."""
    assert "PLAY RECAP" in log, "the log file has the run"
    texts = {"stdout": proc.stdout, "stderr": proc.stderr, "log": log}
    check_texts(secrets_of(server), {**texts, **{str(path): path.read_text() for path in files}})


def check_texts(secrets, texts: dict):
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"a secret is in {where}"
        # Ansible masks a no_log value it finds in what it prints: a mask means a secret got there.
        assert not MASK.search(text), f"Ansible masked a secret in {where}"


def test_the_check_finds_a_secret_and_a_mask(cloud):
    server = cloud[0]
    secret = server.section("acme")["secret"]
    with pytest.raises(AssertionError, match="a secret is in stdout"):
        check_texts(secrets_of(server), {"stdout": f"ok: [localhost] => {{'secret': '{secret}'}}"})
    with pytest.raises(AssertionError, match="masked a secret in log"):
        check_texts(secrets_of(server), {"log": '"msg": "signature ******** refused"'})
    check_texts(secrets_of(server), {"log": "TASK [Link the zones] ********\nTASK [Register] " + "*" * 40})


def test_configure_with_variables(cloud):
    server = cloud[0]
    proc, log = run(cloud, "configure.yml", variables(server), "-e", f"dr_config={DEMO_CONFIG}")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    # -vvvv shows each module's whole result (the secret would be in it, if anywhere): here the details set.
    assert proc.stdout.count('"dr.recovery_zone"') == 2 and log.count('"dr.recovery_zone"') == 2
    assert "AnsiballZ_zone_link.py" in log
    assert_secret_free(server, proc, log)


def test_prepare_with_a_cloudstack_ini(cloud):
    server = cloud[0]
    proc, log = run(cloud, "prepare.yml", ini_file(server), "-i", INVENTORY)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert "3 VMs: 3 prepared" in proc.stdout and all(vm in log for vm in VMS)
    assert_secret_free(server, proc, log)


def test_status_with_variables(cloud):
    server = cloud[0]
    proc, log = run(cloud, "status.yml", variables(server), "-e", "dr_status_drift=true")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert '"drift": []' in proc.stdout and "Prepared" in log
    assert_secret_free(server, proc, log)


def move(cloud, op, creds):
    """playbooks/<op>.yml of zone-a with its report and progress log; both checked too."""
    server, tmp = cloud
    report, progress = tmp / f"{op}.html", tmp / f"{op}-progress.txt"
    proc, log = run(cloud, f"{op}.yml", creds, "-i", INVENTORY, "-e", "move_zone=zone-a", "-e", f"move_report={report}",
                    "-e", f"move_progress_log={progress}")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert all(vm in report.read_text() for vm in VMS) and f"{op} tier 1" in progress.read_text()
    assert_secret_free(server, proc, log, report, progress)


def test_failover_with_variables(cloud):
    cloud[0].ctl("fail-zone", zone="zone-a")
    move(cloud, "failover", variables(cloud[0]))


def test_failback_with_a_cloudstack_ini(cloud):
    cloud[0].ctl("recover-zone", zone="zone-a")
    move(cloud, "failback", ini_file(cloud[0]))


def test_a_wrong_secret_fails_without_showing_either_secret(cloud):
    server = cloud[0]
    proc, log = run(cloud, "status.yml", variables(server, CLOUDSTACK_SECRET=WRONG_SECRET))
    assert proc.returncode != 0 and "Check api_key and api_secret" in proc.stdout
    assert "Check api_key and api_secret" in log
    assert_secret_free(server, proc, log)


@pytest.fixture
def wrong_ini(cloud):
    """The simulator's cloudstack.ini with a wrong root secret."""
    server, tmp = cloud
    ini = configparser.ConfigParser()
    ini.read(server.ini)
    ini["cloudstack"]["secret"] = WRONG_SECRET
    path = tmp / "wrong.ini"
    with path.open("w") as fh:
        ini.write(fh)
    return {"CLOUDSTACK_CONFIG": str(path)}


def test_a_wrong_secret_in_a_cloudstack_ini_fails_without_showing_it(cloud, wrong_ini):
    proc, log = run(cloud, "configure.yml", wrong_ini, "-e", f"dr_config={DEMO_CONFIG}")
    assert proc.returncode != 0 and "Check api_key and api_secret" in proc.stdout
    assert_secret_free(cloud[0], proc, log)


def test_the_inventory_with_a_wrong_secret_fails_without_showing_it(cloud, wrong_ini):
    # Ansible only warns about an inventory source it cannot parse (the play then has no host): the
    # plugin's error is printed, with the fix, and must carry no secret either.
    proc, log = run(cloud, "prepare.yml", wrong_ini, "-i", INVENTORY)
    assert "Check api_key and api_secret" in proc.stdout + proc.stderr, proc.stdout[-3000:] + proc.stderr
    assert proc.returncode != 0 and "The inventory has no DR-protected VM" in proc.stdout
    assert_secret_free(cloud[0], proc, log)
