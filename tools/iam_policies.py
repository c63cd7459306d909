# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The least-privilege IAM policies of policies/: prove them against a run, render their roles.

    python tools/iam_policies.py check --record-from http://127.0.0.1:5021 [--save calls.json]
    python tools/iam_policies.py check --record calls.json
    python tools/iam_policies.py render [--check]

check: the emulator records every AWS call by who made it (GET /moto-api/emulator/calls?by=principal:
"<account>:role/<name>" for an assumed role, "<account>:caller" for the identity that runs
ansible-playbook). Each of the collection's roles (ROLES) and the caller must have made only calls its
policies allow, and each action a policy grants must have been called by one of its principals, but
for the explained exceptions of policies/exceptions.yml (an exception that is used after all is an
error too, so the list stays short). Statement conditions are proven, not assumed:
``aws:ResourceTag/ManagedBy`` by the emulator's record of the tags each tag-scoped call's resource
carried before the call (0 untagged), and a statement conditioned on ``ec2:CreateAction`` /
``elasticloadbalancing:CreateAction`` (tagging as part of a create) never allows a call of its own.
Calls of other roles (test fixtures: a provider team's own administrator) are listed, not checked.
Also: no ``*`` or ``service:*`` action, every statement an Allow with explicit actions.

render: writes policies/account-roles.cfn.yaml, the CloudFormation template (StackSet-ready) that
creates the roles with these policies; --check fails when the committed file differs.
"""

import argparse
import fnmatch
import ipaddress
import json
import os
import sys
import urllib.parse
import urllib.request

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POLICIES = os.path.join(ROOT, "policies")
TEMPLATE = os.path.join(POLICIES, "account-roles.cfn.yaml")
MANAGED_TAG = ("ManagedBy", "multiaccount.apigateway")

# Role name -> the policy documents it carries (policies/<file>). The CloudFormation template creates
# these roles; inventories/local assumes them, so the emulator records their calls under these names.
ROLES = {
    "ApiGatewayPlatformDeployer": ["gateway-deployer.json"],
    "ApiGatewayProviderDeployer": ["provider-deployer.json", "provider-demo-instances.json"],
    "ApiGatewayPathVerifier": ["path-verifier.json"],
}
# The identity that runs ansible-playbook (environment keys, a profile, an instance role): it only
# assumes the roles above.
CALLER_POLICIES = ["deployer-identity.json"]
# Actions AWS authorizes without any policy.
FREE_ACTIONS = {"sts:GetCallerIdentity"}
# Roles the test fixtures assume with the same identity (a provider team's own administrator, an
# independent inspector): the identity's AssumeRole of these is reported, not checked.
FIXTURE_ROLES = {"OrganizationAccountAccessRole"}
CREATE_ACTION_KEYS = {"ec2:CreateAction", "elasticloadbalancing:CreateAction"}
TAG_CONDITION = {"StringEquals": {f"aws:ResourceTag/{MANAGED_TAG[0]}": MANAGED_TAG[1]}}


def load_policy(name):
    with open(os.path.join(POLICIES, name), encoding="utf-8") as handle:
        return json.load(handle)


def load_exceptions():
    """{policy file: {action: reason}} from policies/exceptions.yml."""
    with open(os.path.join(POLICIES, "exceptions.yml"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return {policy: {entry["action"]: entry["reason"] for entry in entries} for policy, entries in data.items()}


def iam_request(call):
    """(IAM action, resource or None) of a recorded call "service:Action" or "apigateway:METHOD /path".

    API Gateway is authorized by HTTP method on the resource path (arn:aws:apigateway:<region>::/path,
    the same for its v2 API without the /v2 prefix); the recorded path has "*" for every id.
    """
    service, action = call.split(":", 1)
    if service == "apigateway" and " " in action:
        method, path = action.split(" ", 1)
        if path.startswith("/v2/"):
            path = path[3:]
        return f"apigateway:{method}", f"arn:aws:apigateway:us-east-1::{path}"
    return f"{service}:{action}", None


def _as_list(value):
    return value if isinstance(value, list) else [value]


def structure_findings(name, policy):
    """What makes a document not least-privilege by construction (wildcard actions, Deny-less tricks)."""
    findings = []
    if policy.get("Version") != "2012-10-17":
        findings.append(f"{name}: Version must be 2012-10-17")
    for index, statement in enumerate(policy.get("Statement", [])):
        where = f"{name}: Statement[{index}] ({statement.get('Sid', 'no Sid')})"
        if statement.get("Effect") != "Allow" or "NotAction" in statement or "NotResource" in statement:
            findings.append(f"{where}: only Allow statements with Action and Resource")
        for action in _as_list(statement.get("Action", [])):
            if "*" in action or ":" not in action:
                findings.append(f"{where}: action {action!r} is a wildcard; name each action")
        if not statement.get("Resource"):
            findings.append(f"{where}: no Resource")
        for key in (statement.get("Condition") or {}).get("StringEquals", {}):
            if key.startswith("aws:ResourceTag/") and statement["Condition"] != TAG_CONDITION:
                findings.append(f"{where}: the only resource tag condition is {json.dumps(TAG_CONDITION)}")
    return findings


def _condition_kind(statement):
    condition = statement.get("Condition")
    if not condition:
        return None
    if condition == TAG_CONDITION:
        return "tag"
    keys = {key for test in condition.values() for key in test}
    if keys and keys <= CREATE_ACTION_KEYS:
        return "create-action"
    return "unsupported"


# EC2 resource ARN types by id prefix: the tag record names resources by id.
EC2_TYPES = {
    "vpc-": "vpc",
    "subnet-": "subnet",
    "rtb-": "route-table",
    "sg-": "security-group",
    "pcx-": "vpc-peering-connection",
    "i-": "instance",
    "eni-": "network-interface",
}


def resource_arn(action, resource_id):
    """The ARN of a resource of the tag record (an EC2 id, or already an ARN for ELB)."""
    if resource_id.startswith("arn:"):
        return resource_id
    kind = next((kind for prefix, kind in EC2_TYPES.items() if resource_id.startswith(prefix)), "unknown")
    return f"arn:aws:{action.split(':', 1)[0]}:us-east-1:000000000000:{kind}/{resource_id}"


def allows(policies, action, resource):
    """The statements of these policies that allow this action on this resource (conditions aside).

    A call recorded without its resource (None: EC2, ELB) matches only statements on "*"; statements
    on given ARNs count for the resources the tag record names (see _verdict).
    """
    matches = []
    for statement in (statement for policy in policies for statement in policy["Statement"]):
        if action not in _as_list(statement["Action"]):
            continue
        resources = _as_list(statement["Resource"])
        if "*" in resources or (resource and any(fnmatch.fnmatchcase(resource, pattern) for pattern in resources)):
            matches.append(statement)
    return matches


def _verdict(policies, action, resource, record_of_tags):
    """(allowed, why not, statements that allowed it) for one recorded call.

    Without a tag record: an unconditioned statement must match. With one (the resources of the call
    and whether each carried ManagedBy): a tagged resource needs an unconditioned or a tag-conditioned
    statement, an untagged one an unconditioned statement on "*" or on its ARN.
    """
    statements = allows(policies, action, resource)
    free = [statement for statement in statements if _condition_kind(statement) is None]
    scoped = [statement for statement in statements if _condition_kind(statement) == "tag"]
    if record_of_tags is None:
        if free:
            return True, "", free
        why = f" (allowed only on resources tagged {MANAGED_TAG[0]}, and no tag record)" if scoped else ""
        return False, why, []
    used = list(free)
    if record_of_tags["tagged"] and not free:
        if not scoped:
            return False, f" on resources tagged {MANAGED_TAG[0]}", []
        used += scoped
    refused = []
    for resource_id in record_of_tags["untagged"]:
        by_arn = [s for s in allows(policies, action, resource_arn(action, resource_id)) if _condition_kind(s) is None]
        if by_arn:
            used += by_arn
        else:
            refused.append(resource_id)
    if refused:
        return False, f" on resources not tagged {'='.join(MANAGED_TAG)}: {', '.join(refused)}", used
    return True, "", used


# Conditions on request parameters the emulator records for the calls of NAMED_PARAMS (patches.py).
PARAMETER_TESTS = {"ArnLike": fnmatch.fnmatchcase, "StringEquals": lambda value, expected: value == expected}


def _parameters_satisfy(statement, recorded):
    """Whether a statement's conditions hold for the recorded parameters (None: it has other conditions)."""
    for test, keys in (statement.get("Condition") or {}).items():
        if test not in PARAMETER_TESTS:
            return None
        for key, expected in keys.items():
            if key not in recorded:
                return None
            if not any(PARAMETER_TESTS[test](str(recorded[key]), pattern) for pattern in _as_list(expected)):
                return False
    return True


def _named_verdict(policies, action, entries):
    """(allowed, why not, statements that allowed it) for a call on named resources with tested parameters."""
    used, refused = [], []
    for entry in entries:
        matching = [
            statement
            for statement in allows(policies, action, entry.get("resource"))
            if _parameters_satisfy(statement, entry.get("conditions") or {})
        ]
        if matching:
            used += matching
        else:
            refused.append(entry.get("resource") or "?")
    if refused:
        return False, f" on {', '.join(sorted(set(refused)))}", used
    return True, "", used


def check(record, exceptions=None, allowed_only=False):
    """(findings, report lines) of a record {"calls": {principal: {call: n}}, "resource_tags": {...}}.

    ``exceptions`` ({policy file: {action: reason}}) defaults to policies/exceptions.yml. With
    ``allowed_only``, only that every call was allowed (a run that exercises one path, such as the
    private_integration scenario; the full record of molecule "default" also proves nothing is unused).
    """
    policy_files = sorted({name for names in ROLES.values() for name in names} | set(CALLER_POLICIES))
    docs = {name: load_policy(name) for name in policy_files}
    exceptions = load_exceptions() if exceptions is None else exceptions
    findings, report = [], []
    for name, doc in docs.items():
        findings += structure_findings(name, doc)
    used = {name: set() for name in docs}
    exercised = set()
    skipped = []
    tags = record.get("resource_tags", {})
    named = record.get("resource_names", {})
    for principal, calls in sorted(record["calls"].items()):
        role = principal.split(":role/", 1)[1] if ":role/" in principal else None
        names = CALLER_POLICIES if principal.endswith(":caller") else ROLES.get(role)
        if names is None:
            skipped.append(f"{principal} ({sum(calls.values())} calls)")
            continue
        exercised.add(role or "caller")
        for call, count in sorted(calls.items()):
            action, resource = iam_request(call)
            if action in FREE_ACTIONS:
                continue
            policies = [docs[name] for name in names]
            record_of_tags = tags.get(principal, {}).get(call)
            if action == "sts:AssumeRole" and record_of_tags:
                fixtures = [arn for arn in record_of_tags["untagged"] if arn.rsplit("/", 1)[-1] in FIXTURE_ROLES]
                skipped += [f"{principal} AssumeRole {arn}" for arn in sorted(set(fixtures))]
                record_of_tags = dict(
                    record_of_tags, untagged=[a for a in record_of_tags["untagged"] if a not in fixtures]
                )
                if not record_of_tags["untagged"] and not record_of_tags["tagged"]:
                    continue
            entries = named.get(principal, {}).get(call)
            if entries:
                allowed, why, statements = _named_verdict(policies, action, entries)
            else:
                allowed, why, statements = _verdict(policies, action, resource, record_of_tags)
                if any(_condition_kind(s) == "unsupported" for s in allows(policies, action, None)):
                    findings.append(f"{principal}: {action}: a condition this check cannot prove")
            if not allowed:
                where = f" on {resource}" if resource else ""
                findings.append(f"{principal}: {count} x {action}{where} not allowed by {', '.join(names)}{why}")
            for name in names:  # a policy is used by the statements that allowed the call
                if any(statement in docs[name]["Statement"] for statement in statements):
                    used[name].add(action)
    for role in [] if allowed_only else list(ROLES) + ["caller"]:
        if role not in exercised:
            findings.append(f"{role}: no call recorded; the run did not use this role (check the inventory)")
    for name, doc in docs.items():
        granted = {action for statement in doc["Statement"] for action in _as_list(statement["Action"])}
        excused = exceptions.get(name, {})
        if allowed_only:
            report.append(f"{name:32} {len(used[name]):3} actions used, all allowed unless said below")
            continue
        for action in sorted(granted - used[name] - set(excused)):
            findings.append(f"{name}: grants {action}, never used (remove it, or explain it in exceptions.yml)")
        for action in sorted(set(excused) & used[name]):
            findings.append(f"{name}: {action} is listed in exceptions.yml but was used: remove the exception")
        for action in sorted(set(excused) - granted):
            findings.append(f"{name}: exceptions.yml lists {action}, which the policy does not grant")
        report.append(
            f"{name:32} {len(granted):3} actions granted, {len(used[name]):3} used, "
            f"{len(set(excused) & granted):2} excepted"
        )
    checked = sum(sum(calls.values()) for principal, calls in record["calls"].items())
    report.append(f"{checked} calls recorded; not checked (not the collection's roles): {', '.join(skipped) or 'none'}")
    return findings, report


def fetch_record(url):
    try:
        loopback = ipaddress.ip_address(urllib.parse.urlsplit(url).hostname or "").is_loopback
    except ValueError:  # a name, not an address
        loopback = False
    if not loopback:
        raise SystemExit(f"iam_policies: {url} is not a loopback emulator (127.0.0.0/8); refusing to ask it")
    with urllib.request.urlopen(url.rstrip("/") + "/moto-api/emulator/calls?by=principal", timeout=30) as answer:
        return json.load(answer)


# ---------------------------------------------------------------------------------------------
# The CloudFormation template
# ---------------------------------------------------------------------------------------------
ROLE_CONDITIONS = {
    "ApiGatewayPlatformDeployer": "GatewayAccount",
    "ApiGatewayProviderDeployer": "ProviderAccount",
    "ApiGatewayPathVerifier": None,
}
OPTIONAL_POLICIES = {"provider-demo-instances.json": "DemoInstancesOn"}
INLINE_POLICY_LIMIT = 10240  # characters of all inline policies of a role, whitespace aside


def template():
    """The CloudFormation template (a dict) that creates the roles with their policies."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": {"Ref": "DeployerPrincipalArn"}},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "Fn::If": [
                        "HasExternalId",
                        {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}},
                        {"Ref": "AWS::NoValue"},
                    ]
                },
            }
        ],
    }
    resources, outputs = {}, {}
    for role, names in ROLES.items():
        policies = []
        for name in names:
            entry = {"PolicyName": name[: -len(".json")], "PolicyDocument": load_policy(name)}
            if name in OPTIONAL_POLICIES:
                entry = {"Fn::If": [OPTIONAL_POLICIES[name], entry, {"Ref": "AWS::NoValue"}]}
            policies.append(entry)
        size = sum(len(json.dumps(load_policy(name), separators=(",", ":"))) for name in names)
        if size > INLINE_POLICY_LIMIT:
            raise SystemExit(
                f"iam_policies: {role}: {size} characters of inline policies, AWS allows {INLINE_POLICY_LIMIT}"
            )
        resource = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": role,
                "Description": f"multiaccount.apigateway: {', '.join(names)}",
                "MaxSessionDuration": 3600,
                "AssumeRolePolicyDocument": trust,
                "Policies": policies,
                "Tags": [{"Key": MANAGED_TAG[0], "Value": MANAGED_TAG[1]}],
            },
        }
        if ROLE_CONDITIONS[role]:
            resource["Condition"] = ROLE_CONDITIONS[role]
        resources[role] = resource
        output = {"Value": {"Fn::GetAtt": [role, "Arn"]}, "Description": f"ARN of {role}"}
        if ROLE_CONDITIONS[role]:
            output["Condition"] = ROLE_CONDITIONS[role]
        outputs[f"{role}Arn"] = output
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": (
            "multiaccount.apigateway: the least-privilege roles of one account (generated by "
            "tools/iam_policies.py render from policies/*.json; do not edit). Deploy it as a StackSet "
            "to the gateway account (AccountKind gateway) and the provider accounts (provider), with "
            "CAPABILITY_NAMED_IAM."
        ),
        "Parameters": {
            "DeployerPrincipalArn": {
                "Type": "String",
                "Description": "ARN of the identity that runs ansible-playbook (a role or user of the deployer account)",
                "AllowedPattern": "^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/.+$",
            },
            "AccountKind": {
                "Type": "String",
                "AllowedValues": ["gateway", "provider", "both"],
                "Description": "gateway: ApiGatewayPlatformDeployer; provider: ApiGatewayProviderDeployer; both: both",
            },
            "ExternalId": {
                "Type": "String",
                "Default": "",
                "Description": "sts:ExternalId the trust policy requires (account_credentials_external_id); empty: none",
            },
            "DemoInstances": {
                "Type": "String",
                "AllowedValues": ["false", "true"],
                "Default": "false",
                "Description": "true: providers may launch demo instances (provider_vpc_demo_instances)",
            },
        },
        "Conditions": {
            "GatewayAccount": {
                "Fn::Or": [
                    {"Fn::Equals": [{"Ref": "AccountKind"}, "gateway"]},
                    {"Fn::Equals": [{"Ref": "AccountKind"}, "both"]},
                ]
            },
            "ProviderAccount": {
                "Fn::Or": [
                    {"Fn::Equals": [{"Ref": "AccountKind"}, "provider"]},
                    {"Fn::Equals": [{"Ref": "AccountKind"}, "both"]},
                ]
            },
            "HasExternalId": {"Fn::Not": [{"Fn::Equals": [{"Ref": "ExternalId"}, ""]}]},
            "DemoInstancesOn": {"Fn::Equals": [{"Ref": "DemoInstances"}, "true"]},
        },
        "Resources": resources,
        "Outputs": outputs,
    }


class _IndentedDumper(yaml.SafeDumper):  # pylint: disable=too-many-ancestors
    """Sequences indented under their key, as yamllint (and ansible-lint) expect."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data):
        return True  # CloudFormation rejects YAML aliases (the trust policy is the same in each role)


def render_template():
    header = "# Generated by tools/iam_policies.py render from policies/*.json: do not edit.\n"
    body = yaml.dump(template(), Dumper=_IndentedDumper, sort_keys=False, width=120, explicit_start=True)
    return header + body


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check_parser = commands.add_parser("check", help="check the policies against recorded calls")
    source = check_parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--record", help="a saved record (JSON of /moto-api/emulator/calls?by=principal)")
    source.add_argument("--record-from", help="the emulator URL (loopback) to read the record from")
    check_parser.add_argument("--save", help="also save the record there")
    check_parser.add_argument(
        "--allowed-only",
        action="store_true",
        help="only check that every recorded call was allowed (a run of one path, not the full proof)",
    )
    render_parser = commands.add_parser("render", help="write the CloudFormation template")
    render_parser.add_argument("--check", action="store_true", help="fail if the committed template differs")
    args = parser.parse_args(argv)

    if args.command == "render":
        text = render_template()
        if args.check:
            with open(TEMPLATE, encoding="utf-8") as handle:
                if handle.read() != text:
                    print(f"iam_policies: {TEMPLATE} is stale: run tools/iam_policies.py render", file=sys.stderr)
                    return 1
            print(f"iam_policies: {os.path.relpath(TEMPLATE, ROOT)} matches policies/*.json")
            return 0
        with open(TEMPLATE, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"iam_policies: wrote {os.path.relpath(TEMPLATE, ROOT)}")
        return 0

    if args.record:
        with open(args.record, encoding="utf-8") as handle:
            record = json.load(handle)
    else:
        record = fetch_record(args.record_from)
    if args.save:
        os.makedirs(os.path.dirname(os.path.abspath(args.save)), exist_ok=True)
        with open(args.save, "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=1, sort_keys=True)
    findings, report = check(record, allowed_only=args.allowed_only)
    for line in report:
        print(f"iam_policies: {line}")
    for finding in findings:
        print(f"iam_policies: FAIL: {finding}")
    print(f"iam_policies: {'FAILED' if findings else 'passed'}: {len(findings)} problems")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
