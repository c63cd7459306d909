# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test fixture for the vpc_link target: an API whose integration uses a VPC link.

The collection's own REST API module is tested elsewhere; this keeps the vpc_link target
independent of it. Credentials, region and endpoint come from the environment (boto3 reads
AWS_ENDPOINT_URL itself).

    python api_fixture.py rest-create <name> <vpc_link_id> <backend_url>   -> {"api_id": ...}
    python api_fixture.py http-create <name> <vpc_link_id> <listener_arn>  -> {"api_id": ...}
    python api_fixture.py rest-delete <api_id> | http-delete <api_id>       -> {"deleted": true|false}
"""

import json
import sys

import boto3
import botocore


def rest_create(name, vpc_link_id, backend_url):
    client = boto3.client("apigateway")
    api_id = client.create_rest_api(name=name, endpointConfiguration={"types": ["REGIONAL"]})["id"]
    root = next(item["id"] for item in client.get_resources(restApiId=api_id)["items"] if item["path"] == "/")
    resource = client.create_resource(restApiId=api_id, parentId=root, pathPart="payments")["id"]
    client.put_method(restApiId=api_id, resourceId=resource, httpMethod="GET", authorizationType="NONE")
    client.put_integration(
        restApiId=api_id,
        resourceId=resource,
        httpMethod="GET",
        type="HTTP_PROXY",
        integrationHttpMethod="GET",
        uri=backend_url,
        connectionType="VPC_LINK",
        connectionId=vpc_link_id,
    )
    return {"api_id": api_id, "path": "/payments", "method": "GET"}


def http_create(name, vpc_link_id, listener_arn):
    client = boto3.client("apigatewayv2")
    api_id = client.create_api(Name=name, ProtocolType="HTTP")["ApiId"]
    integration = client.create_integration(
        ApiId=api_id,
        IntegrationType="HTTP_PROXY",
        IntegrationMethod="ANY",
        IntegrationUri=listener_arn,
        ConnectionType="VPC_LINK",
        ConnectionId=vpc_link_id,
        PayloadFormatVersion="1.0",
    )
    client.create_route(ApiId=api_id, RouteKey="ANY /orders", Target=f"integrations/{integration['IntegrationId']}")
    return {"api_id": api_id, "path": "/orders", "method": "ANY"}


def delete(service, api_id):
    client = boto3.client(service)
    try:
        if service == "apigateway":
            client.delete_rest_api(restApiId=api_id)
        else:
            client.delete_api(ApiId=api_id)
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] != "NotFoundException":
            raise
        return {"deleted": False}
    return {"deleted": True}


def main(argv):
    command, args = argv[0], argv[1:]
    if command == "rest-create":
        result = rest_create(*args)
    elif command == "http-create":
        result = http_create(*args)
    elif command == "rest-delete":
        result = delete("apigateway", *args)
    elif command == "http-delete":
        result = delete("apigatewayv2", *args)
    else:
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
