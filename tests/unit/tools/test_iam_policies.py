# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tools/iam_policies.py: the checker of policies/ against recorded calls, and the rendered template."""

import importlib.util
import json
import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
_SPEC = importlib.util.spec_from_file_location("iam_policies", os.path.join(ROOT, "tools", "iam_policies.py"))
iam = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(iam)

GATEWAY = "111111111111:role/ApiGatewayPlatformDeployer"
PROVIDER = "222222222222:role/ApiGatewayProviderDeployer"
VERIFIER = "222222222222:role/ApiGatewayPathVerifier"
CALLER = "123456789012:caller"


def granted(name):
    return sorted({a for s in iam.load_policy(name)["Statement"] for a in iam._as_list(s["Action"])})


def full_record():
    """A record in which every principal called every action its policies grant (tag scopes held)."""
    calls, tags, named = {}, {}, {}
    for principal, names in (
        (GATEWAY, iam.ROLES["ApiGatewayPlatformDeployer"]),
        (PROVIDER, iam.ROLES["ApiGatewayProviderDeployer"]),
        (VERIFIER, iam.ROLES["ApiGatewayPathVerifier"]),
        (CALLER, iam.CALLER_POLICIES),
    ):
        calls[principal] = {}
        for statement in (s for name in names for s in iam.load_policy(name)["Statement"]):
            if iam._condition_kind(statement) == "create-action":
                continue
            for action in iam._as_list(statement["Action"]):
                if action.startswith("apigateway:"):
                    path = iam._as_list(statement["Resource"])[-1].split("::", 1)[1]
                    key = f"apigateway:{action.split(':')[1]} {path}"
                else:
                    key = action
                calls[principal][key] = 1
                tests = {
                    key_name: iam._as_list(expected)[0].replace("*", "x")
                    for test in (statement.get("Condition") or {}).values()
                    for key_name, expected in test.items()
                }
                if action.split(":")[0] in ("iam", "logs") and statement["Resource"] != "*":
                    # A named resource (IAM role, log group) and the parameters its conditions test.
                    arn = iam._as_list(statement["Resource"])[0].replace("*", "x")
                    named.setdefault(principal, {})[key] = [{"resource": arn, "conditions": tests}]
                elif iam._condition_kind(statement) == "tag":
                    tags.setdefault(principal, {})[key] = {"tagged": 1, "untagged": []}
                elif statement["Resource"] != "*" and not action.startswith("apigateway:"):
                    arns = [arn.replace("::*:", "::123456789012:") for arn in iam._as_list(statement["Resource"])]
                    tags.setdefault(principal, {})[key] = {"tagged": 0, "untagged": arns}
    return {"calls": calls, "resource_tags": tags, "resource_names": named}


def everything_excepted():
    """The exceptions full_record needs: actions a policy grants only as part of a create."""
    exceptions = {}
    for name in (name for name in os.listdir(iam.POLICIES) if name.endswith(".json")):
        statements = iam.load_policy(name)["Statement"]
        for action in granted(name):
            kinds = {iam._condition_kind(s) for s in statements if action in iam._as_list(s["Action"])}
            if kinds == {"create-action"}:
                exceptions.setdefault(name, {})[action] = "tags of a create"
    return exceptions


def test_iam_request_maps_rest_calls_to_method_and_resource_path():
    assert iam.iam_request("ec2:DescribeVpcs") == ("ec2:DescribeVpcs", None)
    assert iam.iam_request("apigateway:PUT /restapis/*/resources/*/methods/*") == (
        "apigateway:PUT",
        "arn:aws:apigateway:us-east-1::/restapis/*/resources/*/methods/*",
    )
    assert iam.iam_request("apigateway:GET /v2/vpclinks") == (
        "apigateway:GET",
        "arn:aws:apigateway:us-east-1::/vpclinks",
    )


def test_a_record_that_uses_every_grant_within_its_scopes_passes():
    findings = iam.check(full_record(), exceptions=everything_excepted())[0]
    assert findings == []


def test_a_call_outside_the_policy_is_named():
    record = full_record()
    record["calls"][PROVIDER]["ec2:DeleteInternetGateway"] = 2
    findings = iam.check(record, exceptions=everything_excepted())[0]
    assert findings == [
        f"{PROVIDER}: 2 x ec2:DeleteInternetGateway not allowed by provider-deployer.json, provider-demo-instances.json"
    ]


def test_an_api_call_outside_the_allowed_paths_is_named():
    record = full_record()
    record["calls"][GATEWAY]["apigateway:POST /clientcertificates"] = 1
    findings = iam.check(record, exceptions=everything_excepted())[0]
    assert findings == [
        f"{GATEWAY}: 1 x apigateway:POST on arn:aws:apigateway:us-east-1::/clientcertificates not allowed by "
        "gateway-deployer.json"
    ]


def test_a_call_on_a_named_resource_outside_the_statement_is_named():
    """The logging role of API Gateway: only roles named *-apigateway-logs, and only its managed policy."""
    record = full_record()
    record["resource_names"][GATEWAY]["iam:CreateRole"] = [
        {"resource": "arn:aws:iam::111111111111:role/Administrator", "conditions": {}}
    ]
    record["resource_names"][GATEWAY]["iam:AttachRolePolicy"] = [
        {
            "resource": "arn:aws:iam::111111111111:role/open-banking-apigateway-logs",
            "conditions": {"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"},
        }
    ]
    findings = iam.check(record, exceptions=everything_excepted())[0]
    assert findings == [
        f"{GATEWAY}: 1 x iam:AttachRolePolicy not allowed by gateway-deployer.json on "
        "arn:aws:iam::111111111111:role/open-banking-apigateway-logs",
        f"{GATEWAY}: 1 x iam:CreateRole not allowed by gateway-deployer.json on arn:aws:iam::111111111111:role/Administrator",
        "gateway-deployer.json: grants iam:AttachRolePolicy, never used (remove it, or explain it in exceptions.yml)",
        "gateway-deployer.json: grants iam:CreateRole, never used (remove it, or explain it in exceptions.yml)",
    ]


def test_a_tag_scoped_call_on_a_resource_without_our_tag_is_named():
    record = full_record()
    record["resource_tags"][PROVIDER]["ec2:DeleteVpc"] = {"tagged": 1, "untagged": ["vpc-0theirs"]}
    findings = iam.check(record, exceptions=everything_excepted())[0]
    assert len(findings) == 1 and "ec2:DeleteVpc" in findings[0] and "vpc-0theirs" in findings[0]


def test_a_tag_scoped_call_without_a_tag_record_cannot_be_proven():
    record = full_record()
    del record["resource_tags"][GATEWAY]["ec2:DeleteVpc"]
    findings = iam.check(record, exceptions=everything_excepted())[0]
    assert findings == [
        f"{GATEWAY}: 1 x ec2:DeleteVpc not allowed by gateway-deployer.json"
        " (allowed only on resources tagged ManagedBy, and no tag record)",
        "gateway-deployer.json: grants ec2:DeleteVpc, never used (remove it, or explain it in exceptions.yml)",
    ]


def test_tagging_allowed_only_as_part_of_a_create_never_allows_a_createtags_call():
    """The gateway may tag only as part of a create, and peering connections (putting the planned tags
    back on a request): a CreateTags call on its VPC is refused."""
    record = full_record()
    record["calls"][GATEWAY]["ec2:CreateTags"] = 1
    record["resource_tags"][GATEWAY]["ec2:CreateTags"] = {"tagged": 0, "untagged": ["vpc-0123456789abcdef0"]}
    findings = iam.check(record, exceptions=everything_excepted())[0]
    assert findings == [
        f"{GATEWAY}: 1 x ec2:CreateTags not allowed by gateway-deployer.json on resources not tagged"
        " ManagedBy=multiaccount.apigateway: vpc-0123456789abcdef0",
        # The refused call does not use the peering-connection statement.
        "gateway-deployer.json: grants ec2:CreateTags, never used (remove it, or explain it in exceptions.yml)",
    ]
    record["resource_tags"][GATEWAY]["ec2:CreateTags"] = {"tagged": 0, "untagged": ["pcx-0123456789abcdef0"]}
    assert iam.check(record, exceptions=everything_excepted())[0] == []


def test_unused_grants_and_stale_exceptions_are_named():
    record = full_record()
    del record["calls"][PROVIDER]["ec2:AcceptVpcPeeringConnection"]
    exceptions = everything_excepted()
    exceptions["path-verifier.json"] = {"elasticloadbalancing:DescribeTags": "stale"}
    findings = iam.check(record, exceptions=exceptions)[0]
    assert sorted(findings) == [
        "path-verifier.json: elasticloadbalancing:DescribeTags is listed in exceptions.yml but was used: remove the exception",
        "provider-deployer.json: grants ec2:AcceptVpcPeeringConnection, never used"
        " (remove it, or explain it in exceptions.yml)",
    ]


def test_a_role_the_run_never_used_is_named_and_other_roles_are_not_checked():
    record = full_record()
    del record["calls"][VERIFIER]
    record["calls"]["222222222222:role/OrganizationAccountAccessRole"] = {"ec2:CreateInternetGateway": 1}
    findings, report = iam.check(record, exceptions=everything_excepted())
    assert "ApiGatewayPathVerifier: no call recorded; the run did not use this role (check the inventory)" in findings
    assert not any("OrganizationAccountAccessRole" in finding for finding in findings)
    assert "222222222222:role/OrganizationAccountAccessRole (1 calls)" in report[-1]


def test_allowed_only_checks_the_calls_of_one_path_and_not_what_it_leaves_unused():
    record = {"calls": {GATEWAY: {"ec2:DescribeVpcs": 1}}, "resource_tags": {}}
    findings, report = iam.check(record, exceptions={}, allowed_only=True)
    assert findings == []
    assert any(line.startswith("gateway-deployer.json") and "1 actions used" in line for line in report)
    # the full proof names every role the run did not use and every grant it left unused
    assert iam.check(record, exceptions={})[0]
    record["calls"][GATEWAY]["ec2:RunInstances"] = 1
    findings = iam.check(record, exceptions={}, allowed_only=True)[0]
    assert len(findings) == 1 and "ec2:RunInstances not allowed" in findings[0]


@pytest.mark.parametrize("action", ["ec2:*", "*", "ec2:Describe*"])
def test_wildcard_actions_are_refused(action):
    findings = iam.structure_findings(
        "x.json",
        {"Version": "2012-10-17", "Statement": [{"Sid": "S", "Effect": "Allow", "Action": [action], "Resource": "*"}]},
    )
    assert findings == [f"x.json: Statement[0] (S): action {action!r} is a wildcard; name each action"]


def test_the_shipped_policies_are_well_formed_and_every_file_is_used():
    files = sorted(name for name in os.listdir(iam.POLICIES) if name.endswith(".json"))
    assert files == sorted({n for names in iam.ROLES.values() for n in names} | set(iam.CALLER_POLICIES))
    for name in files:
        assert iam.structure_findings(name, iam.load_policy(name)) == []
    assert set(iam.load_exceptions()) <= set(files)


def test_the_committed_cloudformation_template_is_the_rendered_one():
    with open(iam.TEMPLATE, encoding="utf-8") as handle:
        text = handle.read()
    assert text == iam.render_template(), "run: python tools/iam_policies.py render"
    template = yaml.safe_load(text)
    for role, names in iam.ROLES.items():
        policies = template["Resources"][role]["Properties"]["Policies"]
        documents = [p["Fn::If"][1] if "Fn::If" in p else p for p in policies]
        assert [d["PolicyDocument"] for d in documents] == [iam.load_policy(n) for n in names]
        assert template["Resources"][role]["Properties"]["RoleName"] == role


def test_the_deployer_identity_assumes_exactly_the_roles_of_the_template():
    (statement,) = iam.load_policy("deployer-identity.json")["Statement"]
    assert statement["Action"] == ["sts:AssumeRole"]
    assert sorted(statement["Resource"]) == sorted(f"arn:aws:iam::*:role/{role}" for role in iam.ROLES)
    assert json.dumps(statement).count("*") == len(iam.ROLES)  # only the account id is a wildcard


def test_the_identity_may_assume_only_the_collections_roles_and_fixture_roles_are_reported():
    record = full_record()
    assumed = record["resource_tags"][CALLER]["sts:AssumeRole"]["untagged"]
    assumed += [
        "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole",
        "arn:aws:iam::222222222222:role/Admin",
    ]
    findings, report = iam.check(record, exceptions=everything_excepted())
    assert findings == [
        f"{CALLER}: 1 x sts:AssumeRole not allowed by deployer-identity.json on resources not tagged"
        " ManagedBy=multiaccount.apigateway: arn:aws:iam::222222222222:role/Admin"
    ]
    assert f"{CALLER} AssumeRole arn:aws:iam::222222222222:role/OrganizationAccountAccessRole" in report[-1]


def test_an_untagged_resource_is_allowed_by_a_statement_on_its_arn_only():
    """The provider tags the peering it accepted (not ours in its account): allowed on pcx- only."""
    record = full_record()
    record["resource_tags"][PROVIDER]["ec2:CreateTags"] = {"tagged": 1, "untagged": ["pcx-0a", "vpc-0theirs"]}
    findings = iam.check(record, exceptions=everything_excepted())[0]
    assert len(findings) == 1 and findings[0].endswith("ManagedBy=multiaccount.apigateway: vpc-0theirs")


@pytest.mark.parametrize("url", ["http://127.0.0.1.example.com:5000", "http://10.0.0.1:5000", "http://localhost:5000"])
def test_the_record_is_read_only_from_a_loopback_address(url):
    with pytest.raises(SystemExit, match="not a loopback emulator"):
        iam.fetch_record(url)
