# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The per-account preflight's judgement of Availability Zones and adopted VPCs."""

from ansible_collections.multiaccount.apigateway.plugins.module_utils import account_checks as checks

NAMES = ["us-east-1a", "us-east-1b", "us-east-1c"]
IDS = ["use1-az1", "use1-az2", "use1-az4"]


def vpc(vpc_id="vpc-1", cidr="10.0.0.0/16", secondary=()):
    associations = [{"CidrBlock": cidr, "CidrBlockState": {"State": "associated"}}]
    associations += [{"CidrBlock": block, "CidrBlockState": {"State": "associated"}} for block in secondary]
    associations.append({"CidrBlock": "10.9.0.0/16", "CidrBlockState": {"State": "disassociated"}})
    return {"VpcId": vpc_id, "CidrBlock": cidr, "CidrBlockAssociationSet": associations}


def adopt(**extra):
    check = {
        "filters": {"vpc-id": "vpc-1"},
        "field": "provider_vpc_id",
        "cidr": None,
        "targets": ["10.0.1.25"],
        "gateway_vpc_cidr": "10.100.0.0/16",
    }
    check.update(extra)
    return check


def test_zones_that_exist_by_name_or_id_pass():
    zones = [{"az": "us-east-1a", "field": "f[0].az"}, {"az": "use1-az4", "field": "f[1].az"}]
    assert checks.judge_zones(zones, NAMES, IDS, "us-east-1") == []


def test_a_zone_that_does_not_exist_names_its_field_and_the_zones_there_are():
    problems = checks.judge_zones(
        [{"az": "us-east-1z", "field": "shared_gateway_subnets[1].az"}], NAMES, IDS, "us-east-1"
    )
    # us-east-1a, b and c are equally close: no guess.
    assert problems == [
        {
            "field": "shared_gateway_subnets[1].az",
            "message": (
                "Availability Zone us-east-1z does not exist in us-east-1 for this account; "
                "its zones are us-east-1a, us-east-1b, us-east-1c"
            ),
        }
    ]


def test_a_zone_of_another_region_gets_a_did_you_mean():
    problems = checks.judge_zones(
        [{"az": "us-east-2a", "field": "provider_vpc_subnets[0].az"}], NAMES, IDS, "us-east-1"
    )
    assert "did you mean us-east-1a? its zones are" in problems[0]["message"]


def test_the_adopted_vpc_that_holds_the_targets_passes():
    problems, found = checks.judge_vpc(adopt(cidr="10.0.0.0/16"), [vpc()], "us-east-1")
    assert problems == [] and found == {"id": "vpc-1", "cidrs": ["10.0.0.0/16"]}


def test_a_secondary_cidr_counts_a_disassociated_one_does_not():
    found = checks.judge_vpc(adopt(targets=["10.5.0.9"]), [vpc(secondary=["10.5.0.0/16"])], "us-east-1")
    assert found == ([], {"id": "vpc-1", "cidrs": ["10.0.0.0/16", "10.5.0.0/16"]})
    problems = checks.judge_vpc(adopt(targets=["10.9.0.9"]), [vpc()], "us-east-1")[0]
    assert problems[0]["field"] == "provider_vpc_services[].targets"


def test_a_missing_vpc_names_the_id_and_how_to_let_the_collection_create_one():
    problems, found = checks.judge_vpc(adopt(), [], "eu-west-1")
    assert found is None
    assert problems == [
        {
            "field": "provider_vpc_id",
            "message": (
                "no VPC vpc-1 in this account in eu-west-1; check the id (or tags), the account and aws_region, "
                "or leave provider_vpc_id and provider_vpc_tags out to let the collection create the VPC"
            ),
        }
    ]


def test_tags_must_name_exactly_one_vpc():
    check = adopt(filters={"tag:Name": "core"}, field="provider_vpc_tags")
    problems, found = checks.judge_vpc(check, [vpc("vpc-2"), vpc("vpc-1")], "us-east-1")
    assert found is None
    assert problems[0]["field"] == "provider_vpc_tags"
    assert "2 VPCs match (vpc-1, vpc-2)" in problems[0]["message"]
    problems = checks.judge_vpc(check, [], "us-east-1")[0]
    assert "no VPC tag:Name=core in this account" in problems[0]["message"]


def test_another_cidr_targets_outside_and_an_overlap_with_the_gateway_are_all_reported():
    check = adopt(cidr="10.1.0.0/16", targets=["10.0.1.25", "192.168.1.1", "172.16.0.1"], gateway_vpc_cidr="10.0.0.0/8")
    problems, found = checks.judge_vpc(check, [vpc()], "us-east-1")
    assert found["id"] == "vpc-1"
    assert [problem["field"] for problem in problems] == [
        "provider_vpc_cidr",
        "provider_vpc_services[].targets",
        "provider_vpc_id",
    ]
    assert "10.1.0.0/16 is not a CIDR of vpc-1 (10.0.0.0/16)" in problems[0]["message"]
    assert "192.168.1.1, 172.16.0.1 are outside vpc-1" in problems[1]["message"]
    assert "overlaps the gateway VPC 10.0.0.0/8" in problems[2]["message"]


def test_ec2_filters():
    assert checks.ec2_filters({"vpc-id": "vpc-1", "tag:Env": 1}) == [
        {"Name": "tag:Env", "Values": ["1"]},
        {"Name": "vpc-id", "Values": ["vpc-1"]},
    ]


def test_options_that_are_not_ips_or_cidrs_are_named_before_any_call():
    assert checks.option_problems({"vpc": {"targets": ["10.0.1.25", "not-an-ip"], "cidr": "10.0.0.0/33"}}) == [
        "checks.vpc.targets[1]: 'not-an-ip' is not an IP address (e.g. 10.0.1.25)",
        "checks.vpc.cidr: '10.0.0.0/33' is not a CIDR (e.g. 10.0.0.0/16)",
    ]
    assert checks.option_problems({"vpc": {"targets": ["10.0.1.25"], "gateway_vpc_cidr": "10.100.0.0/16"}}) == []
    assert checks.option_problems({"vpc": None}) == []
