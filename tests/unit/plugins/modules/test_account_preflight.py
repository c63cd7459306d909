# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""account_preflight against moto in-process: reads only, every problem named with its field."""

import boto3
from ansible_collections.multiaccount.apigateway.plugins.modules import account_preflight as module_under_test

from .moto_harness import REGION, mocked_aws, record_api_calls, run_module, writes


def checks(zones=(), vpc=None):
    return {
        "needed": bool(zones or vpc),
        "availability_zones": [{"az": az, "field": f"shared_gateway_subnets[{i}].az"} for i, az in enumerate(zones)],
        "vpc": vpc,
    }


def test_nothing_needed_makes_no_call(monkeypatch, capsys):
    with mocked_aws(monkeypatch):
        calls = record_api_calls(monkeypatch)
        result = run_module(module_under_test.main, {"host": "payments", "checks": checks()}, capsys)
    assert result["changed"] is False and calls == []


def test_existing_zones_and_vpc_pass_with_two_reads(monkeypatch, capsys):
    with mocked_aws(monkeypatch):
        vpc_id = boto3.client("ec2", region_name=REGION).create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        calls = record_api_calls(monkeypatch)
        vpc = {
            "filters": {"vpc-id": vpc_id},
            "field": "provider_vpc_id",
            "cidr": "10.0.0.0/16",
            "targets": ["10.0.1.25"],
        }
        result = run_module(
            module_under_test.main, {"host": "payments", "checks": checks(["us-east-1a", "us-east-1b"], vpc)}, capsys
        )
    assert not result.get("failed"), result
    assert "us-east-1a" in result["availability_zones"]
    assert result["vpc"] == {"id": vpc_id, "cidrs": ["10.0.0.0/16"]}
    assert calls == ["DescribeAvailabilityZones", "DescribeVpcs"] and writes(calls) == []


def test_a_missing_zone_and_a_missing_vpc_fail_together_naming_host_and_fields(monkeypatch, capsys):
    with mocked_aws(monkeypatch):
        vpc = {"filters": {"vpc-id": "vpc-0123456789abcdef0"}, "field": "provider_vpc_id", "targets": []}
        result = run_module(
            module_under_test.main,
            {"host": "shared-services", "checks": checks(["us-east-1a", "us-east-1z"], vpc)},
            capsys,
            check_mode=True,
        )
    assert result["failed"]
    assert result["msg"].startswith(
        "shared-services: shared_gateway_subnets[1].az: Availability Zone us-east-1z does not exist"
    )
    assert "provider_vpc_id: no VPC vpc-0123456789abcdef0 in this account in us-east-1" in result["msg"]
    assert [problem["field"] for problem in result["problems"]] == ["shared_gateway_subnets[1].az", "provider_vpc_id"]
