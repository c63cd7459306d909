"""The emulator's API-call counter (used by benchmarks/scale.py), not a fidelity patch."""

import urllib.error

import pytest
from emulator_support import http


def test_calls_are_counted_by_service_and_action_and_reset(emulator, aws):
    http(emulator.url + "/moto-api/emulator/calls", "DELETE")
    ec2 = aws.client("ec2")
    ec2.describe_vpcs()
    ec2.describe_vpcs()
    api = aws.client("apigateway").create_rest_api(name="counted")
    aws.client("apigateway").get_resources(restApiId=api["id"])
    aws.client("elbv2").describe_load_balancers()

    counts = http(emulator.url + "/moto-api/emulator/calls")

    assert counts["calls"] == {
        "apigateway:GET /restapis/*/resources": 1,
        "apigateway:POST /restapis": 1,
        "ec2:DescribeVpcs": 2,
        "elasticloadbalancing:DescribeLoadBalancers": 1,
    }
    assert counts["total"] == 5
    assert http(emulator.url + "/moto-api/emulator/calls", "DELETE")["total"] == 0


def test_control_endpoint_rejects_bad_values_and_changes_nothing(emulator):
    before = http(emulator.url + "/moto-api/emulator")
    for body in ({"vpc_link_pending_seconds": 5, "hold_seconds": -1}, {"nope": 1}, {"target_initial_seconds": "x"}):
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            http(emulator.url + "/moto-api/emulator", "POST", body)
        assert excinfo.value.code == 400, body
    after = http(emulator.url + "/moto-api/emulator")
    assert after["knobs"] == before["knobs"] and after["hold_seconds_left"] == 0
