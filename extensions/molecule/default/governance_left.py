# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Print, as JSON, the gateway's policy resources tagged ManagedBy=multiaccount.apigateway that remain.

API keys, usage plans, custom domains, REGIONAL web ACLs, log groups and IAM roles. Credentials,
region and endpoint come from the environment (boto3 reads AWS_ENDPOINT_URL itself); no key value is
read (includeValues is never asked).
"""

import json

import boto3

OURS = ("ManagedBy", "multiaccount.apigateway")


def ours(tags):
    return (tags or {}).get(OURS[0]) == OURS[1]


def main():
    apigw = boto3.client("apigateway")
    wafv2 = boto3.client("wafv2")
    logs = boto3.client("logs")
    iam = boto3.client("iam")
    left = {
        "api_keys": [key["name"] for key in apigw.get_api_keys()["items"] if ours(key.get("tags"))],
        "usage_plans": [plan["name"] for plan in apigw.get_usage_plans()["items"] if ours(plan.get("tags"))],
        "domains": [item["domainName"] for item in apigw.get_domain_names()["items"] if ours(item.get("tags"))],
        "web_acls": [],
        "log_groups": [],
        "roles": [],
    }
    for acl in wafv2.list_web_acls(Scope="REGIONAL")["WebACLs"]:
        tags = wafv2.list_tags_for_resource(ResourceARN=acl["ARN"])["TagInfoForResource"].get("TagList", [])
        if ours({tag["Key"]: tag["Value"] for tag in tags}):
            left["web_acls"].append(acl["Name"])
    for group in logs.describe_log_groups()["logGroups"]:
        if ours(logs.list_tags_log_group(logGroupName=group["logGroupName"]).get("tags")):
            left["log_groups"].append(group["logGroupName"])
    for role in iam.list_roles()["Roles"]:
        tags = iam.list_role_tags(RoleName=role["RoleName"])["Tags"]
        if ours({tag["Key"]: tag["Value"] for tag in tags}):
            left["roles"].append(role["RoleName"])
    print(json.dumps(left, sort_keys=True))


if __name__ == "__main__":
    main()
