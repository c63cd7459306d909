#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: rest_api
version_added: 0.1.0
short_description: Publish services through one API Gateway REST API over VPC links
description:
  - Creates, updates or deletes an Amazon API Gateway REST API (v1) and reconciles its resources,
    methods and integrations with a list of O(routes), typically one per service published over a
    VPC link to an internal Network Load Balancer.
  - For each route the module manages the resource V(/<path>) (creating the intermediate resources
    of nested paths such as V(cards/limits)) with the method O(routes[].http_method)
    (with the authorization of the route, V(NONE) by default) and an V(HTTP_PROXY) integration to
    V(<target_url><backend_path>); with O(routes[].proxy=true) also the child resource
    V(/<path>/{proxy+}) with method V(ANY) and an integration to V(<target_url><backend_path>/{proxy})
    that passes the greedy path through.
  - The API is read in one paginated C(GetResources) call and compared with the routes; only the
    differences are written (missing resources, methods and integrations are created, drifted
    integrations are patched with C(UpdateIntegration), or deleted and put again when the change
    cannot be patched). Unlike M(community.aws.api_gateway), an existing API is updated in place and a
    run that changes nothing reports RV(ignore:changed=false).
  - The resources a run creates (on a new API, all of them) come with their methods and integrations in
    one OpenAPI import (C(PutRestApi) in V(merge) mode, which leaves the rest of the API as it is)
    instead of three calls per resource; the API is then read back with C(GetResources) and compared
    with the routes again. The import holds the methods AWS documents for it, those open to anyone
    (authorization V(NONE), no API key) and integrated over the internet or a VPC link V1. Changes to
    existing resources, deletions, the other methods (authorizers, API keys, VPC links V2 with
    O(routes[].integration_target)) and anything the import did not make as planned are made
    resource by resource.
  - With O(stage_name), at most one deployment is created per run, and only when something changed
    in this run, when the stage is missing, or when the stage's current deployment was not made from
    the current configuration. The deployment description carries a fingerprint of the configuration
    (V(multiaccount.apigateway config sha256:<hex>)), so a run that changed the API but failed before
    deploying deploys on the next run, and a run with nothing to do deploys nothing.
  - After a deployment the stage gets the tag V(multiaccount:deployed-config=<deployment id> <sha256 hex>).
    While the stage still serves that deployment, the next run reads the deployed fingerprint from
    C(GetStage) alone; otherwise (no tag, or the stage was deployed since by someone else) it reads
    the deployment's description with C(GetDeployment).
  - An API created by this module carries the tag V(ManagedBy=multiaccount.apigateway); lookup by
    O(name) only matches APIs with that tag.
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  state:
    description:
      - V(present) creates or updates the API, V(absent) deletes it (with its stages and deployments).
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - Name of the REST API.
      - Without O(rest_api_id), the API is found by this name among the APIs that carry the tag
        V(ManagedBy=multiaccount.apigateway); when several match, the module fails listing their ids.
      - With O(rest_api_id) and O(state=present), an API with another name is renamed. With
        O(state=absent), the module refuses to delete an API whose name differs.
    type: str
    required: true
  rest_api_id:
    description:
      - Id of an existing REST API to manage (for example one created outside this collection).
      - With O(state=present), the module fails when no API has this id.
    type: str
    aliases: [id]
  description:
    description:
      - Description of the REST API. Left alone when not given.
    type: str
  endpoint_type:
    description:
      - Endpoint type of the API. An existing API of another type is converted.
      - V(PRIVATE) APIs need a resource policy (O(policy)) before they can be deployed.
    type: str
    choices: [REGIONAL, EDGE, PRIVATE]
    default: REGIONAL
  routes:
    description:
      - Services to publish. When omitted, the API's resources are left alone.
      - Every problem in the list is reported before any AWS call, naming the field, for example
        C(routes[1].path) or C(routes[0].connection_id).
    type: list
    elements: dict
    suboptions:
      path:
        description:
          - Resource path of the route, such as V(payments) or V(cards/limits), without or with
            leading and trailing slashes. Must be given and unique across the routes.
          - Path parts may use letters, digits and V(.), V(_), V(-), V(~).
        type: str
      target_url:
        description:
          - Backend base URL, V(http://host[:port]) or V(https://host[:port]) with no path or query,
            for example V(http://internal-shared-nlb-0123.elb.us-east-1.amazonaws.com:8080).
          - Must be given.
        type: str
      connection_type:
        description:
          - V(VPC_LINK) reaches the backend through the VPC link O(routes[].connection_id);
            V(INTERNET) reaches a public backend.
        type: str
        choices: [VPC_LINK, INTERNET]
        default: VPC_LINK
      connection_id:
        description:
          - Id of the VPC link (v1, or v2 for an ALB). Required when O(routes[].connection_type=VPC_LINK),
            must be omitted for V(INTERNET).
        type: str
      integration_target:
        description:
          - ARN of the Application or Network Load Balancer that the VPC link v2 O(routes[].connection_id)
            reaches (C(integrationTarget)). AWS requires it for a VPC link v2 and it has no meaning for a
            VPC link v1, so give it exactly when O(routes[].connection_id) is a v2 link.
          - Must be omitted for V(INTERNET).
          - Moving a route between a v1 and a v2 link (or to another load balancer) replaces the
            integration (C(DeleteIntegration) then C(PutIntegration)); the deployed stage keeps serving
            the old integration until the deployment of this run.
        type: str
        version_added: 0.3.0
      http_method:
        description:
          - Method of the route's own resource. The V({proxy+}) child always uses V(ANY).
        type: str
        choices: [ANY, DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT]
        default: ANY
      proxy:
        description:
          - Also publish V(/<path>/{proxy+}) (method V(ANY)) mapped to V(<target_url><backend_path>/{proxy}),
            so every sub-path of the route reaches the service.
        type: bool
        default: true
      backend_path:
        description:
          - Path on the backend that V(/<path>) maps to. Must start with V(/).
          - V(/<path>/{proxy+}) maps below it (V(/api) gives V(<target_url>/api/{proxy})).
        type: str
        default: /
      timeout_in_millis:
        description:
          - Integration timeout in milliseconds, V(50) to V(29000).
          - V(29000) is API Gateway's default maximum. AWS can raise it for regional and private APIs
            through a Service Quotas increase; this module still enforces V(29000).
        type: int
        default: 29000
      authorization_type:
        description:
          - Who may call the route's methods (V(/<path>) and V(/<path>/{proxy+})).
          - V(NONE) anyone; V(AWS_IAM) requests signed by IAM principals the caller's policies allow;
            V(CUSTOM) requests a Lambda authorizer (C(TOKEN) or C(REQUEST)) accepts;
            V(COGNITO_USER_POOLS) requests with a token of a user pool of a Cognito authorizer.
        type: str
        choices: [NONE, AWS_IAM, COGNITO_USER_POOLS, CUSTOM]
        default: NONE
        version_added: 0.3.0
      authorizer:
        description:
          - Name of the authorizer, required with O(routes[].authorization_type=CUSTOM) (a C(TOKEN) or
            C(REQUEST) authorizer) or V(COGNITO_USER_POOLS) (a C(COGNITO_USER_POOLS) authorizer), and
            refused otherwise. Declared in O(authorizers), or already on the API when O(authorizers) is omitted.
        type: str
        version_added: 0.3.0
      authorization_scopes:
        description:
          - OAuth scopes one of which the Cognito access token must carry; only with
            O(routes[].authorization_type=COGNITO_USER_POOLS).
        type: list
        elements: str
        version_added: 0.3.0
      api_key_required:
        description:
          - The route's methods need an API key (header C(x-api-key)) of a usage plan bound to the stage.
        type: bool
        default: false
        version_added: 0.3.0
  authorizers:
    description:
      - The API's authorizers, reconciled by name. Omitted, the API's authorizers are left alone.
      - They are created and updated before the methods that name them, and deleted (with
        O(purge_authorizers)) after no method names them any more.
      - A change of an authorizer counts as a change of the API's configuration, so the stage is deployed again.
    type: list
    elements: dict
    version_added: 0.3.0
    suboptions:
      name:
        description: Name of the authorizer, unique in the list.
        type: str
        required: true
      type:
        description:
          - V(TOKEN) (a Lambda function gets the bearer token of one header), V(REQUEST) (a Lambda function
            gets the identity sources) or V(COGNITO_USER_POOLS).
        type: str
        required: true
        choices: [TOKEN, REQUEST, COGNITO_USER_POOLS]
      function_arn:
        description:
          - ARN of the Lambda function of a V(TOKEN) or V(REQUEST) authorizer.
          - API Gateway needs the permission to invoke it, either a statement of the function's resource policy
            for the principal C(apigateway.amazonaws.com), or O(authorizers[].credentials_role_arn).
        type: str
      user_pool_arns:
        description: ARNs of the Cognito user pools of a V(COGNITO_USER_POOLS) authorizer (at least one).
        type: list
        elements: str
      identity_source:
        description:
          - Where the identity is read. V(TOKEN) and V(COGNITO_USER_POOLS) take one header,
            V(method.request.header.Authorization) by default; V(REQUEST) needs a comma-separated list.
        type: str
      result_ttl:
        description: Seconds API Gateway caches the authorizer's answer, V(0) (no cache) to V(3600).
        type: int
        default: 300
      identity_validation_expression:
        description: Regular expression a V(TOKEN) authorizer's token must match before the function is called.
        type: str
      credentials_role_arn:
        description: IAM role API Gateway assumes to invoke the function of a V(TOKEN) or V(REQUEST) authorizer.
        type: str
  purge_authorizers:
    description: Delete the API's authorizers that O(authorizers) does not declare (only when O(authorizers) is given).
    type: bool
    default: true
    version_added: 0.3.0
  policy:
    description:
      - The API's resource policy, an IAM policy document (a dict or its JSON text). C({}) removes it;
        omitted, the policy is left alone.
      - Resources may be written V(execute-api:/*); API Gateway gives them back as the API's ARN, and the
        module compares the two as equal.
      - A change of the policy counts as a change of the API's configuration, so the stage is deployed again
        (API Gateway applies a resource policy with the next deployment).
    type: raw
    version_added: 0.3.0
  purge_routes:
    description:
      - Delete the methods and resources of the API that no route needs, including methods on
        intermediate resources and on the root. The root resource itself is never deleted.
      - With V(false), only missing or drifted routes are fixed and nothing is deleted.
    type: bool
    default: true
  stage_name:
    description:
      - Stage to deploy to. Letters, digits, V(-) and V(_), up to 128 characters.
      - Without it, the API is configured but never deployed.
    type: str
  deployment_description:
    description:
      - Text put before the configuration fingerprint in the description of a new deployment.
    type: str
notes:
  - Check mode makes no write call at all and returns the would-be changes in RV(changes) and in the diff.
  - API Gateway rate-limits C(CreateDeployment) to about one call every 5 seconds per account and
    C(DeleteRestApi) to about one every 30 seconds; throttled calls (C(TooManyRequestsException)) are
    retried with jittered backoff.
  - The current tags are read from the API itself; tags are changed with C(TagResource) and
    C(UntagResource) on V(arn:aws:apigateway:<region>::/restapis/<id>). The tag
    V(ManagedBy=multiaccount.apigateway) is never removed by O(purge_tags).
  - A change of an integration's type, integration HTTP method, connection type or integration target
    cannot be patched; the integration is deleted and put again (the deployed stage keeps serving
    until the next deployment).
seealso:
  - module: community.aws.api_gateway
  - name: Set up API Gateway private integrations
    description: VPC links and NLBs for REST APIs.
    link: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-private-integration.html
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    details:
      - Reads the API and makes no write call; RV(changes), the result and the diff say what a real run
        would do (a new API has a null id, a deployment it would make a null id).
  diff_mode:
    support: full
    details:
      - The API (name, description, endpoint type, tags), its resource policy and authorizers (when
        given), its routes keyed by path then HTTP method (the integration URI, the VPC link id, the
        integration target of a VPC link v2, the timeout and, when not V(NONE), the authorization and API
        key requirement) and, with O(stage_name), the stage with the
        deployment it serves; a deployment the run makes says why (for example C(new deployment (routes
        changed))). With O(state=absent), what is deleted.
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Publish two services of provider accounts through the shared gateway
  multiaccount.apigateway.rest_api:
    name: open-banking
    description: Central gateway for the provider accounts
    stage_name: v1
    routes:
      - path: payments
        target_url: "http://{{ nlb_dns_name }}:8080"
        connection_id: "{{ vpc_link_id }}"
      - path: cards/limits
        target_url: "http://{{ nlb_dns_name }}:8081"
        connection_id: "{{ vpc_link_id }}"
        timeout_in_millis: 10000
    tags:
      CostCenter: platform
  register: gateway

- name: Show the invoke URL of every service
  ansible.builtin.debug:
    msg: "{{ gateway.routes | map(attribute='invoke_url') | list }}"

- name: Cross-account - publish from the shared-services account with an assumed role
  block:
    - name: Assume the deployment role of the shared-services account
      amazon.aws.sts_assume_role:
        role_arn: arn:aws:iam::111111111111:role/platform-deployer
        role_session_name: api-publish
      register: shared_services

    - name: Reconcile the gateway in that account
      multiaccount.apigateway.rest_api:
        access_key: "{{ shared_services.sts_creds.access_key }}"
        secret_key: "{{ shared_services.sts_creds.secret_key }}"
        session_token: "{{ shared_services.sts_creds.session_token }}"
        region: eu-west-1
        name: open-banking
        stage_name: v1
        routes:
          - path: accounts
            target_url: http://internal-shared-nlb-0123.elb.eu-west-1.amazonaws.com:8082
            connection_id: a1b2c3
            backend_path: /api/v2

- name: Publish a service through a VPC link v2 to an internal Application Load Balancer
  multiaccount.apigateway.rest_api:
    name: open-banking
    stage_name: v1
    purge_routes: false
    routes:
      - path: loans
        target_url: http://internal-shared-alb-0123.us-east-1.elb.amazonaws.com
        backend_path: /loans
        connection_id: "{{ vpc_link_v2.vpc_link.id }}"
        integration_target: "{{ shared_alb_arn }}"

- name: Govern who may call - IAM for one service, a Lambda authorizer and an API key for another
  multiaccount.apigateway.rest_api:
    name: open-banking
    stage_name: v1
    authorizers:
      - name: partner-jwt
        type: TOKEN
        function_arn: arn:aws:lambda:us-east-1:111111111111:function:partner-authorizer
        result_ttl: 300
    policy:
      Version: "2012-10-17"
      Statement:
        - {Effect: Allow, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*"}
    routes:
      - path: payments
        target_url: http://internal-shared-nlb-0123.elb.us-east-1.amazonaws.com:8080
        connection_id: a1b2c3
        authorization_type: AWS_IAM
      - path: cards
        target_url: http://internal-shared-nlb-0123.elb.us-east-1.amazonaws.com:8081
        connection_id: a1b2c3
        authorization_type: CUSTOM
        authorizer: partner-jwt
        api_key_required: true

- name: Add a route without touching the others
  multiaccount.apigateway.rest_api:
    name: open-banking
    stage_name: v1
    purge_routes: false
    routes:
      - path: loans
        http_method: GET
        proxy: false
        target_url: http://internal-shared-nlb-0123.elb.us-east-1.amazonaws.com:8083
        connection_id: a1b2c3

- name: Preview the changes without making any
  multiaccount.apigateway.rest_api:
    name: open-banking
    stage_name: v1
    routes: "{{ api_routes }}"
  check_mode: true
  diff: true
  register: preview

- name: Delete the gateway
  multiaccount.apigateway.rest_api:
    name: open-banking
    state: absent
"""

RETURN = r"""
rest_api:
  description: The REST API (empty after O(state=absent)). In check mode, a new API has no id.
  returned: always
  type: dict
  contains:
    id:
      description: Id of the API.
      type: str
      sample: a1b2c3d4e5
    name:
      description: Name of the API.
      type: str
      sample: open-banking
    description:
      description: Description of the API.
      type: str
      sample: Central gateway for the provider accounts
    endpoint_type:
      description: Endpoint type.
      type: str
      sample: REGIONAL
    root_resource_id:
      description: Id of the root resource V(/).
      type: str
      sample: x1y2z3w4v5
    tags:
      description: Tags of the API after the run.
      type: dict
      sample: {ManagedBy: multiaccount.apigateway, CostCenter: platform}
routes:
  description: One entry per route of O(routes), in the same order.
  returned: when O(state=present)
  type: list
  elements: dict
  contains:
    path:
      description: Normalised route path.
      type: str
      sample: cards/limits
    resource_id:
      description: Id of the resource V(/<path>) (null for a resource that check mode would create).
      type: str
      sample: r1s2t3
    proxy_resource_id:
      description: Id of V(/<path>/{proxy+}), null when O(routes[].proxy=false).
      type: str
      sample: p1q2r3
    http_method:
      description: Method of the route's resource.
      type: str
      sample: ANY
    integration_uri:
      description: Backend URI of the route's resource.
      type: str
      sample: http://internal-shared-nlb-0123.elb.us-east-1.amazonaws.com:8081/
    proxy_integration_uri:
      description: Backend URI of the V({proxy+}) child, null when O(routes[].proxy=false).
      type: str
      sample: http://internal-shared-nlb-0123.elb.us-east-1.amazonaws.com:8081/{proxy}
    connection_type:
      description: V(VPC_LINK) or V(INTERNET).
      type: str
      sample: VPC_LINK
    connection_id:
      description: VPC link id (null for V(INTERNET)).
      type: str
      sample: a1b2c3
    integration_target:
      description: Load balancer ARN of an integration over a VPC link v2, null otherwise.
      type: str
      sample: arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/shared-alb/0123456789abcdef
      version_added: 0.3.0
    timeout_in_millis:
      description: Integration timeout.
      type: int
      sample: 29000
    authorization_type:
      description: Who may call the route's methods.
      type: str
      sample: CUSTOM
      version_added: 0.3.0
    authorizer:
      description: Name of the route's authorizer, null without one.
      type: str
      sample: partner-jwt
      version_added: 0.3.0
    authorization_scopes:
      description: OAuth scopes of a Cognito route.
      type: list
      elements: str
      sample: [bank/read]
      version_added: 0.3.0
    api_key_required:
      description: Whether the route's methods need an API key.
      type: bool
      sample: true
      version_added: 0.3.0
    invoke_url:
      description: URL of the route on the stage, null without O(stage_name) or API id.
      type: str
      sample: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/v1/cards/limits
authorizers:
  description: The authorizers of O(authorizers) with their ids (null in check mode for a new one).
  returned: when O(state=present)
  type: list
  elements: dict
  version_added: 0.3.0
  contains:
    name:
      description: Name of the authorizer.
      type: str
      sample: partner-jwt
    id:
      description: Id of the authorizer.
      type: str
      sample: a1b2c3
deployment:
  description: The stage's deployment.
  returned: when O(state=present)
  type: dict
  contains:
    id:
      description: Id of the deployment the stage serves after the run (null without O(stage_name) and in check mode for a new deployment).
      type: str
      sample: d1e2f3
    created:
      description: Whether this run created (or, in check mode, would create) a deployment.
      type: bool
      sample: true
stage_name:
  description: The stage, as given.
  returned: when O(state=present)
  type: str
  sample: v1
invoke_url:
  description: Base URL of the stage, null without O(stage_name) or API id.
  returned: when O(state=present)
  type: str
  sample: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/v1
changes:
  description:
    - What the run changed (or, in check mode, would change), one line per resource, method, integration,
      authorizer, tag change or deployment.
    - The lines of the resources a run creates are the same whether they came in one import or call by call.
  returned: always
  type: list
  elements: str
  sample: ["create resource /cards", "create resource /cards/limits", "put method ANY /cards/limits",
           "update integration ANY /payments (replace /connectionId)", "create deployment on stage v1 (routes changed)"]
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils import api_authorization as authz
from ansible_collections.multiaccount.apigateway.plugins.module_utils import rest_apis
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import (
    MANAGED_TAG_KEY,
    MANAGED_TAG_VALUE,
    is_managed,
    managed_tags,
    tag_changes,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.diffs import labelled
from ansible_collections.multiaccount.apigateway.plugins.module_utils.rest_apis import AnsibleRestApiError


def rest_api_view(api):
    """The module's ``rest_api`` result for an API Gateway RestApi."""
    if not api:
        return {}
    return {
        "id": api.get("id"),
        "name": api.get("name"),
        "description": api.get("description"),
        "endpoint_type": rest_apis.endpoint_type_of(api),
        "root_resource_id": api.get("rootResourceId"),
        "tags": dict(api.get("tags") or {}),
    }


def find_rest_api(module, client):
    """The API to manage (or None) and the unmanaged APIs that have the same name."""
    rest_api_id = module.params["rest_api_id"]
    name = module.params["name"]
    if rest_api_id:
        return rest_apis.get_rest_api(client, rest_api_id), []
    namesakes = [api for api in rest_apis.list_rest_apis(client) if api.get("name") == name]
    managed = [api for api in namesakes if is_managed(api.get("tags"))]
    if len(managed) > 1:
        ids = sorted(api["id"] for api in managed)
        module.fail_json(
            msg=(
                f"name: {len(managed)} REST APIs named {name!r} carry the tag {MANAGED_TAG_KEY}={MANAGED_TAG_VALUE} "
                f"({', '.join(ids)}); set rest_api_id to the one to manage"
            ),
            rest_api_ids=ids,
        )
    return (managed[0] if managed else None), [api for api in namesakes if not is_managed(api.get("tags"))]


def run_actions(client, rest_api_id, current, actions, authorizer_ids=None):
    """Execute the planned actions in order; return the ids of the resources created."""
    ids = {path: node["id"] for path, node in current.items()}
    created = {}
    for action in actions:
        path = action["path"]
        kind = action["action"]
        if kind == "delete_resource":
            rest_apis.delete_resource(client, rest_api_id, ids[path])
            for other in list(ids):
                if other == path or other.startswith(path + "/"):
                    del ids[other]
            continue
        if kind == "create_resource":
            parent_id = ids[rest_apis.parent_path(path)]
            resource = rest_apis.create_resource(client, rest_api_id, parent_id, rest_apis.path_part(path))
            ids[path] = created[path] = resource["id"]
            continue
        resource_id = ids[path]
        method = action["method"]
        spec = action.get("method_spec")
        if kind == "delete_method":
            rest_apis.delete_method(client, rest_api_id, resource_id, method)
        elif kind == "put_method":
            authorizer_id = (authorizer_ids or {}).get(spec["authorizer"]) if spec.get("authorizer") else None
            rest_apis.put_method(client, rest_api_id, resource_id, method, spec, authorizer_id)
        elif kind == "update_method":
            rest_apis.update_method(client, rest_api_id, resource_id, method, action["patch_operations"])
        elif kind == "put_integration":
            rest_apis.put_integration(client, rest_api_id, resource_id, method, spec["integration"])
        elif kind == "update_integration":
            rest_apis.update_integration(client, rest_api_id, resource_id, method, action["patch_operations"])
        elif kind == "replace_integration":
            rest_apis.delete_integration(client, rest_api_id, resource_id, method)
            rest_apis.put_integration(client, rest_api_id, resource_id, method, spec["integration"])
    return created


def import_routes(client, api, desired, actions, authorizer_names=None):
    """Put the resources the plan creates, with their methods, in one OpenAPI import instead of three
    calls per resource.

    Imports (``PutRestApi`` in merge mode, which leaves what the API has) the methods
    :func:`rest_apis.openapi_document` can express on the resources ``actions`` create: on a new API,
    every route. Then reads the tree back (``GetResources``) and returns it; the caller plans against
    it like any other, so the rest of the plan (updates, deletions, the methods an import cannot hold)
    and whatever the import did not make as planned are put resource by resource. Returns None, having
    called nothing, when no importable method sits on a new resource.
    """
    new = {action["path"] for action in actions if action["action"] == "create_resource"}
    document = rest_apis.openapi_document({path: desired[path] for path in new}, api["name"], api.get("description"))
    if not document["paths"]:
        return None
    rest_apis.put_rest_api(client, api["id"], document)
    current = rest_apis.current_tree(rest_apis.get_resources(client, api["id"]), authorizer_names)
    complete_current_tree(client, api["id"], current, desired, authorizer_names)
    return current


def complete_current_tree(client, rest_api_id, current, desired, authorizer_names=None):
    """Read the methods the routes manage whose integration GetResources did not include."""
    for path, method in rest_apis.incomplete_methods(current, desired):
        raw = rest_apis.get_method(client, rest_api_id, current[path]["id"], method)
        if raw is None:
            del current[path]["methods"][method]
        else:
            state = rest_apis.normalise_method(raw, authorizer_names)
            state["complete"] = True
            current[path]["methods"][method] = state


def policy_op(api, policy):
    """The UpdateRestApi operation that gives ``api`` the resource policy ``policy`` (None: leave it
    alone, or it already has it)."""
    if policy is None or authz.canonical_policy(authz.parse_policy(api.get("policy"))) == authz.canonical_policy(
        policy
    ):
        return None
    return {"op": "replace", "path": "/policy", "value": json.dumps(policy) if policy else ""}


def ensure_api(module, client, changes):
    """Find, create or update the API itself and its tags.

    Returns ``(api_after, api_before, created)``; in check mode a new API has no id.
    """
    params = module.params
    api, namesakes = find_rest_api(module, client)
    if api is None and params["rest_api_id"]:
        module.fail_json(msg=f"rest_api_id: no REST API {params['rest_api_id']!r} in {module.region}")
    if api is None:
        if namesakes:
            module.warn(
                f"REST APIs named {params['name']!r} exist without the tag {MANAGED_TAG_KEY}={MANAGED_TAG_VALUE} "
                f"({', '.join(sorted(a['id'] for a in namesakes))}); creating a new one. "
                "Set rest_api_id to manage an existing API instead."
            )
        tags = managed_tags(params["tags"])
        changes.append(f"create REST API {params['name']}")
        policy = module.params["policy"]
        policy_text = json.dumps(policy) if policy else None
        if module.check_mode:
            api = {
                "id": None,
                "name": params["name"],
                "description": params["description"],
                "endpointConfiguration": {"types": [params["endpoint_type"]]},
                "rootResourceId": None,
                "tags": tags,
                "policy": policy_text,
            }
        else:
            api = rest_apis.create_rest_api(
                client, params["name"], params["endpoint_type"], tags, params["description"], policy_text
            )
            api["tags"] = dict(api.get("tags") or tags)
        return api, None, True

    before = dict(api)
    after = dict(api)
    ops = rest_apis.rest_api_patch_ops(api, params["name"], params["description"], params["endpoint_type"])
    policy = params["policy"]
    ops += [op for op in (policy_op(api, policy),) if op]
    if ops:
        changes.append("update REST API (" + ", ".join(f"{op['op']} {op['path']}" for op in ops) + ")")
        if not module.check_mode:
            rest_apis.update_rest_api(client, api["id"], ops)
        after["name"] = params["name"]
        if params["description"] is not None:
            after["description"] = params["description"]
        after["endpointConfiguration"] = dict(api.get("endpointConfiguration") or {}, types=[params["endpoint_type"]])
        if policy is not None:
            after["policy"] = json.dumps(policy) if policy else None

    current_tags = dict(api.get("tags") or {})
    to_set, to_unset = tag_changes(current_tags, params["tags"], params["purge_tags"])
    if to_set or to_unset:
        arn = rest_apis.rest_api_arn(module.region, api["id"])
        if to_unset:
            changes.append("untag REST API (" + ", ".join(sorted(to_unset)) + ")")
            if not module.check_mode:
                rest_apis.untag_resource(client, arn, to_unset)
        if to_set:
            changes.append("tag REST API (" + ", ".join(sorted(to_set)) + ")")
            if not module.check_mode:
                rest_apis.tag_resource(client, arn, to_set)
        new_tags = {key: value for key, value in current_tags.items() if key not in to_unset}
        new_tags.update(to_set)
        after["tags"] = new_tags
    return after, before, False


def stage_view(stage_name, deployment_id, reason=None):
    """The stage in the diff: its name and the deployment it serves; a deployment this run makes
    says why (and is ``(new)`` until it exists)."""
    if reason is None:
        return {"name": stage_name, "deployment": deployment_id}
    if deployment_id is None:
        return {"name": stage_name, "deployment": labelled("new deployment", reason)}
    return {"name": stage_name, "deployment": labelled(deployment_id, f"new deployment: {reason}")}


def ensure_deployment(module, client, api, created, changed, final, digest, changes):
    """Create the run's deployment when needed.

    Returns ``(deployment result, stage before, stage after)``; the stage views are for the diff
    (None for a stage that does not exist, or without O(stage_name)).
    """
    stage_name = module.params["stage_name"]
    deployment = {"id": None, "created": False}
    if not stage_name:
        return deployment, None, None
    reason = None
    before = None
    if created:
        reason = "new API"
    elif changed:
        reason = " and ".join(changed) + " changed"
        # Only to show which deployment the new one replaces (--diff): not needed otherwise.
        stage = rest_apis.get_stage(client, api["id"], stage_name) if module._diff else None
        if stage is not None:
            before = stage_view(stage_name, stage.get("deploymentId"))
    else:
        stage = rest_apis.get_stage(client, api["id"], stage_name)
        if stage is None:
            reason = "stage missing"
        else:
            deployment["id"] = stage.get("deploymentId")
            before = stage_view(stage_name, deployment["id"])
            if digest is not None:
                deployed = rest_apis.fingerprint_from_stage(stage)
                if deployed is None and stage.get("deploymentId"):
                    current = rest_apis.get_deployment(client, api["id"], stage["deploymentId"])
                    deployed = rest_apis.fingerprint_from_description((current or {}).get("description"))
                if deployed != digest:
                    reason = "the stage's deployment was not made from the current configuration"
    if reason is None:
        return deployment, before, before
    has_methods = any(node["methods"] for node in final.values()) if final is not None else not created
    if not has_methods:
        module.warn(f"stage_name: the API has no methods, so nothing can be deployed to stage {stage_name!r}")
        return deployment, before, before
    changes.append(f"create deployment on stage {stage_name} ({reason})")
    if digest is not None:
        description = rest_apis.deployment_description(module.params["deployment_description"], digest)
    else:
        description = module.params["deployment_description"]
    if module.check_mode:
        return {"id": None, "created": True}, before, stage_view(stage_name, None, reason)
    response = rest_apis.create_deployment(client, api["id"], stage_name, description)
    if digest is not None:
        arn = rest_apis.stage_arn(module.region, api["id"], stage_name)
        rest_apis.tag_resource(
            client, arn, {rest_apis.DEPLOYED_TAG: rest_apis.deployed_tag_value(response["id"], digest)}
        )
    return {"id": response["id"], "created": True}, before, stage_view(stage_name, response["id"], reason)


def route_results(routes, final, api_id, region, stage_name):
    results = []
    for route in routes or []:
        base = rest_apis.resource_path(route["path"])
        proxy = rest_apis.proxy_resource_path(route["path"])
        results.append(
            {
                "path": route["path"],
                "resource_id": (final.get(base) or {}).get("id"),
                "proxy_resource_id": (final.get(proxy) or {}).get("id") if route["proxy"] else None,
                "http_method": route["http_method"],
                "integration_uri": rest_apis.route_uri(route),
                "proxy_integration_uri": rest_apis.route_proxy_uri(route) if route["proxy"] else None,
                "connection_type": route["connection_type"],
                "connection_id": route["connection_id"],
                "integration_target": route["integration_target"],
                "timeout_in_millis": route["timeout_in_millis"],
                "authorization_type": route["authorization_type"],
                "authorizer": route["authorizer"],
                "authorization_scopes": list(route["authorization_scopes"]),
                "api_key_required": route["api_key_required"],
                "invoke_url": rest_apis.invoke_url(api_id, region, stage_name, route["path"]),
            }
        )
    return results


def read_authorizers(client, api_id, created, specs, routes):
    """The API's authorizers (normalised), read only when the run declares or uses any."""
    uses = specs is not None or any(route.get("authorizer") for route in routes or [])
    if created or not uses:
        return []
    return [authz.normalise_authorizer(raw) for raw in rest_apis.get_authorizers(client, api_id)]


def ensure_authorizers(module, client, api_id, specs, current, changes):
    """Create and update the declared authorizers (deletions come after the methods stop naming them).

    Returns ``(ids by name, deletes, changed)``; in check mode a new authorizer's id is ``None``.
    """
    ids = {item["name"]: item["id"] for item in reversed(current)}
    if specs is None:
        return ids, [], False
    desired = [authz.desired_authorizer(spec) for spec in specs]
    creates, updates, deletes = authz.plan_authorizers(current, desired, module.params["purge_authorizers"])
    for item in creates:
        changes.append(f"create authorizer {item['name']} ({item['type']})")
        ids[item["name"]] = None if module.check_mode else rest_apis.create_authorizer(client, api_id, item)["id"]
    for item, ops in updates:
        changes.append(
            f"update authorizer {item['name']} (" + ", ".join(f"{op['op']} {op['path']}" for op in ops) + ")"
        )
        if not module.check_mode:
            rest_apis.update_authorizer(client, api_id, item["id"], ops)
    return ids, deletes, bool(creates or updates or deletes)


def delete_authorizers(module, client, api_id, deletes, changes):
    for item in deletes:
        changes.append(f"delete authorizer {item['name']}")
        if not module.check_mode:
            rest_apis.delete_authorizer(client, api_id, item["id"])


def check_route_authorizers(module, routes, ids):
    """Every authorizer a route names exists (declared in this run or already on the API)."""
    missing = [
        f"routes[{index}].authorizer: no authorizer named {route['authorizer']!r} on the API; declare it in authorizers"
        for index, route in enumerate(routes or [])
        if route.get("authorizer") and route["authorizer"] not in ids
    ]
    if missing:
        module.fail_json(msg="; ".join(missing))


def ensure_present(module, client, routes, specs):
    params = module.params
    changes = []
    desired = rest_apis.desired_tree(routes) if routes is not None else None

    api, api_before, created = ensure_api(module, client, changes)
    api_id = api.get("id")
    changed = ["resource policy"] if api_before is not None and policy_op(api_before, params["policy"]) else []

    current_authorizers = read_authorizers(client, api_id, created, specs, routes)
    names = {item["id"]: item["name"] for item in current_authorizers}
    authorizer_ids, deletes, authorizers_changed = ensure_authorizers(
        module, client, api_id, specs, current_authorizers, changes
    )
    check_route_authorizers(module, routes, authorizer_ids)
    if authorizers_changed:
        changed.append("authorizers")

    current = final = None
    actions = []
    if desired is not None:
        if created:
            current = {rest_apis.ROOT_PATH: {"id": api.get("rootResourceId"), "methods": {}}}
        else:
            current = rest_apis.current_tree(rest_apis.get_resources(client, api_id), names)
            complete_current_tree(client, api_id, current, desired, names)
        actions = rest_apis.plan_changes(current, desired, params["purge_routes"], authorizer_ids)
        changes.extend(rest_apis.describe_action(action) for action in actions)
        created_ids = {}
        start, rest = current, actions
        if not module.check_mode:
            imported = import_routes(client, api, desired, actions, names)
            if imported is not None:
                start = imported
                rest = rest_apis.plan_changes(start, desired, params["purge_routes"], authorizer_ids)
        if rest and not module.check_mode:
            created_ids = run_actions(client, api_id, start, rest, authorizer_ids)
        final = rest_apis.apply_plan(start, rest, created_ids)
        if actions:
            changed.insert(0, "routes")
    delete_authorizers(module, client, api_id, deletes, changes)

    digest = None
    if desired is not None:
        digest = rest_apis.fingerprint(
            desired,
            [authz.desired_authorizer(spec) for spec in specs or []],
            authz.canonical_policy(params["policy"]) if params["policy"] is not None else "",
        )
    deployment, stage_before, stage_after = ensure_deployment(
        module, client, api, created, changed, final, digest, changes
    )

    before = {"rest_api": rest_api_view(api_before)}
    after = {"rest_api": rest_api_view(api)}
    if params["policy"] is not None:
        before["policy"] = authz.parse_policy((api_before or {}).get("policy")) if api_before else {}
        after["policy"] = params["policy"] or {}
    if specs is not None:
        before["authorizers"] = authz.authorizers_view(current_authorizers)
        kept = [] if params["purge_authorizers"] else [item for item in current_authorizers if item in deletes]
        after["authorizers"] = authz.authorizers_view(kept + [authz.desired_authorizer(spec) for spec in specs])
    if desired is not None:
        before["routes"] = {} if created else rest_apis.routes_view(current)
        after["routes"] = rest_apis.routes_view(final)
    if params["stage_name"]:
        before["stage"] = stage_before or {}
        after["stage"] = stage_after or {}
    return {
        "changed": bool(changes),
        "changes": changes,
        "rest_api": rest_api_view(api),
        "authorizers": [
            {"name": name, "id": authorizer_ids.get(name)} for name in sorted(spec["name"] for spec in specs or [])
        ],
        "routes": route_results(routes, final or {}, api_id, module.region, params["stage_name"]),
        "deployment": deployment,
        "stage_name": params["stage_name"],
        "invoke_url": rest_apis.invoke_url(api_id, module.region, params["stage_name"]),
        "diff": {"before": before, "after": after},
    }


def ensure_absent(module, client):
    api, dummy = find_rest_api(module, client)
    if api is None:
        return {"changed": False, "changes": [], "rest_api": {}}
    if module.params["rest_api_id"] and api.get("name") != module.params["name"]:
        module.fail_json(
            msg=(
                f"rest_api_id: REST API {api['id']} is named {api.get('name')!r}, not {module.params['name']!r}; "
                "refusing to delete it"
            )
        )
    before = {"rest_api": rest_api_view(api)}
    if module._diff:
        before["routes"] = rest_apis.routes_view(rest_apis.current_tree(rest_apis.get_resources(client, api["id"])))
    if not module.check_mode:
        rest_apis.delete_rest_api(client, api["id"])
    return {
        "changed": True,
        "changes": [f"delete REST API {api['id']}"],
        "rest_api": {},
        "diff": {"before": before, "after": {}},
    }


def main():
    route_spec = dict(
        path=dict(type="str"),
        target_url=dict(type="str"),
        connection_type=dict(type="str", choices=rest_apis.CONNECTION_TYPES, default="VPC_LINK"),
        connection_id=dict(type="str"),
        integration_target=dict(type="str"),
        http_method=dict(type="str", choices=rest_apis.HTTP_METHODS, default="ANY"),
        proxy=dict(type="bool", default=True),
        backend_path=dict(type="str", default="/"),
        timeout_in_millis=dict(type="int", default=rest_apis.DEFAULT_TIMEOUT_MS),
        authorization_type=dict(type="str", choices=authz.AUTHORIZATION_TYPES, default="NONE"),
        authorizer=dict(type="str"),
        authorization_scopes=dict(type="list", elements="str"),
        api_key_required=dict(type="bool", default=False),
    )
    authorizer_spec = dict(
        name=dict(type="str", required=True),
        type=dict(type="str", required=True, choices=authz.AUTHORIZER_TYPES),
        function_arn=dict(type="str"),
        user_pool_arns=dict(type="list", elements="str"),
        identity_source=dict(type="str"),
        result_ttl=dict(type="int", default=authz.DEFAULT_RESULT_TTL),
        identity_validation_expression=dict(type="str"),
        credentials_role_arn=dict(type="str"),
    )
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str", required=True),
        rest_api_id=dict(type="str", aliases=["id"]),
        description=dict(type="str"),
        endpoint_type=dict(type="str", choices=rest_apis.ENDPOINT_TYPES, default="REGIONAL"),
        routes=dict(type="list", elements="dict", options=route_spec),
        purge_routes=dict(type="bool", default=True),
        authorizers=dict(type="list", elements="dict", options=authorizer_spec),
        purge_authorizers=dict(type="bool", default=True),
        policy=dict(type="raw"),
        stage_name=dict(type="str"),
        deployment_description=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)

    # Everything the user gave is checked before the first AWS call.
    try:
        if not module.params["name"].strip():
            raise ValueError("name: the REST API name is empty")
        rest_apis.validate_stage_name(module.params["stage_name"])
        routes = rest_apis.validate_routes(module.params["routes"])
        specs = authz.validate_authorizers(module.params["authorizers"])
        module.params["policy"] = authz.policy_document(module.params["policy"])
        problems = authz.check_route_authorizers(routes, specs)
        if problems:
            raise ValueError("; ".join(problems))
    except ValueError as error:
        module.fail_json(msg=str(error))

    client = module.client("apigateway")
    try:
        if module.params["state"] == "absent":
            result = ensure_absent(module, client)
        else:
            result = ensure_present(module, client, routes, specs)
    except AnsibleRestApiError as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
