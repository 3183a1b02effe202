"""playbooks/cleanup.yml through Ansible after a planned cycle (issue 13): it lists first (also with --check
--diff) and changes nothing until the confirmation names the zone; a confirmation naming another zone is
refused before any call; confirmed, it removes what can go and a re-run has nothing left."""

import pytest

from .conftest import ROOT, playbook
from .engine.conftest import protected_cloud
from .engine.test_cleanup import cloud_objects, planned_cycle


@pytest.fixture(scope="module")
def cycled(tmp_path_factory):
    with protected_cloud(tmp_path_factory.mktemp("cleanup")) as (server, api, zones):
        planned_cycle(api, zones)
        yield server, api


def run(server, *extra):
    env = {"CLOUDSTACK_CONFIG": str(server.ini), "PATH": "/usr/bin:/bin"}
    return playbook(ROOT / "playbooks" / "cleanup.yml", env, "-e", "cleanup_zone=zone-a", *extra)


def test_without_confirmation_it_lists_and_changes_nothing(cycled):
    server, api = cycled
    before = cloud_objects(api)
    listed = run(server)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "would unmanage volume ROOT-" in listed.stdout and "would delete pool pool-a1-replica" in listed.stdout
    assert "run again with -e cleanup_confirm=zone-a" in listed.stdout
    checked = run(server, "-e", "cleanup_confirm=zone-a", "--check", "--diff")
    assert checked.returncode == 0 and "changed=1" in checked.stdout, checked.stdout + checked.stderr
    assert '-        "pool-a1-replica (zone-b)",' in checked.stdout
    assert "nothing was removed (check mode)" in checked.stdout
    assert cloud_objects(api) == before


def test_a_confirmation_naming_another_zone_is_refused_before_any_call(cycled):
    server, api = cycled
    before = cloud_objects(api)
    refused = run(server, "-e", "cleanup_confirm=zone-b")
    assert refused.returncode != 0 and "must name the same zone" in refused.stdout, refused.stdout
    assert cloud_objects(api) == before


def test_confirmed_it_removes_what_can_go_and_a_rerun_has_nothing_left(cycled):
    server, _ = cycled
    done = run(server, "-e", "cleanup_confirm=zone-a")
    assert done.returncode == 0 and "changed=1" in done.stdout, done.stdout + done.stderr
    assert "unmanaged volume ROOT-" in done.stdout and "deleted pool pool-a1-replica" in done.stdout
    again = run(server, "-e", "cleanup_confirm=zone-a")
    assert again.returncode == 0 and "changed=0" in again.stdout and "would " not in again.stdout, again.stdout
