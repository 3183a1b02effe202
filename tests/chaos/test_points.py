"""The harness reads the data's reported point in time of each VM from what the controller printed (driver
module) or from the HTML reports (driver playbook): the RPO invariant depends on it finding them."""

import json

from .harness import reported_points

RESULT = {"changed": True, "vms": [
    {"name": "acme-web-1", "failed": False, "data_as_of": "2026-11-29T23:40:12Z"},
    {"name": "acme-app-1", "failed": True, "data_as_of": "2026-11-29T23:40:13Z"},
    {"name": "acme-db-1", "failed": False, "data_as_of": None}]}
ROW = ("<tr><td>acme-web-1</td><td>acme</td><td>1</td><td>failover</td><td>FailedOver</td><td>3.0</td><td>1h</td>"
       "<td class=\"met\">met</td><td>2026-11-29T23:40:12Z</td><td>4</td><td>-</td><td>-</td><td>0.1</td>"
       "<td></td></tr>")


def test_points_come_from_module_answers_and_report_rows_of_vms_that_finished():
    printed = ("localhost | CHANGED => {\n    \"pools\": []\n}\n"
               f"localhost | CHANGED => {json.dumps(RESULT, indent=4)}\n")
    assert reported_points([printed], []) == {"acme-web-1": 1795995612}
    failed_row = ROW.replace("<tr>", '<tr class="failed">').replace("acme-web-1", "acme-app-1")
    assert reported_points([], [f"<table>{ROW}{failed_row}</table>"]) == {"acme-web-1": 1795995612}
