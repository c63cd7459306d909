#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: vpc_link
version_added: 0.1.0
short_description: Manage Amazon API Gateway VPC links (REST v1 and v2)
description:
  - Create, update, replace and delete Amazon API Gateway VPC links in one account.
  - Two flavours exist. A V(v1) link (REST API VPC link, C(apigateway) API) targets exactly one
    internal Network Load Balancer through O(target_arns). A V(v2) link (C(apigatewayv2) API) is
    attached to subnets and security groups (O(subnet_ids), O(security_group_ids)); HTTP APIs use
    it, and REST APIs can use it toward an Application Load Balancer.
  - The flavour is O(version) when given, else V(v1) when O(target_arns) is given and V(v2) when
    O(subnet_ids) or O(security_group_ids) is given. Without any of them (for example to rename or
    delete a link by name) both flavours are searched.
  - An existing link is found by O(vpc_link_id), or by O(name) among the links that carry the tag
    C(ManagedBy=multiaccount.apigateway). Link names are not unique on AWS; when several managed
    links share the name the module fails and lists their ids. Links without the tag are never
    matched by name, so a link created by hand is only touched when its id is given.
  - Every link the module creates carries the C(ManagedBy=multiaccount.apigateway) tag, and
    O(purge_tags) never removes it.
  - The name (both flavours) and the description (V(v1)) are updated in place with
    C(UpdateVpcLink). AWS cannot change the target of a V(v1) link, nor the subnets or security
    groups of a V(v2) link, and a V(FAILED) link never recovers. Those cases need a new link. With
    O(replace_on_change=true) the module creates the new link, waits for it, then deletes the old
    one, otherwise it fails and says what would change.
  - A link still used by an integration is never deleted (nor replaced). The module fails and
    names each REST API method (API id, resource path, HTTP method) and, for V(v2) links, each HTTP
    API route that uses it. Integrations that reach the link through a stage variable are found too.
    In check mode, O(check_mode_gone) names APIs that earlier tasks of the run delete, whose
    integrations are then not counted.
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  state:
    description:
      - V(present) creates or updates the link, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - Name of the link. Required to create a link.
      - Without O(vpc_link_id), the managed link with this name is the one managed.
      - With O(vpc_link_id), the link is renamed to O(name) when they differ.
    type: str
  vpc_link_id:
    description:
      - Id of an existing link. Takes precedence over O(name) for the lookup.
      - With O(state=present) the link must exist (a new link always gets a new id).
    type: str
    aliases: [id]
  version:
    description:
      - Flavour of the link, V(v1) (REST API VPC link to an NLB) or V(v2) (subnets and security
        groups).
      - Defaults to V(v1) when O(target_arns) is given and to V(v2) when O(subnet_ids) or
        O(security_group_ids) is given; otherwise both flavours are searched.
    type: str
    choices: [v1, v2]
  target_arns:
    description:
      - V(v1) only. A list with exactly one Network Load Balancer ARN.
      - Required to create a V(v1) link. Changing it needs O(replace_on_change=true).
    type: list
    elements: str
  subnet_ids:
    description:
      - V(v2) only. Subnets the link places its network interfaces in.
      - Required to create a V(v2) link. Changing them needs O(replace_on_change=true).
    type: list
    elements: str
  security_group_ids:
    description:
      - V(v2) only. Security groups of the link's network interfaces.
      - Changing them needs O(replace_on_change=true).
    type: list
    elements: str
  description:
    description:
      - V(v1) only (V(v2) links have no description). Updated in place when it differs.
    type: str
  replace_on_change:
    description:
      - Allow a replacement when the requested link cannot be reached by an update, that is a different
        O(target_arns) (V(v1)), different O(subnet_ids) or O(security_group_ids) (V(v2)), or an
        existing link in status V(FAILED).
      - The replacement gets the new settings, the old name and description unless given, and the
        old tags merged as O(tags) and O(purge_tags) say. It has a new id.
      - When V(false), such a change fails with a message that says what would change.
    type: bool
    default: false
  wait:
    description:
      - Wait until a created (or still V(PENDING)) link is V(AVAILABLE), and until a deleted link
        is gone, by polling C(GetVpcLink) every few seconds.
      - A link that ends V(FAILED) makes the module fail with the link's C(statusMessage).
      - "The wait runs in the action plugin of the same name, on the controller, which prints a progress
        line every 30 seconds, for example
        C([shared-services] waiting 30 s / 900 s: VPC link open-banking (a1b2c3) PENDING; 0/1 ready).
        It polls through M(multiaccount.apigateway.gateway_ready) (a link to become V(AVAILABLE)) and
        M(multiaccount.apigateway.vpc_link_info) (a deleted link to be gone) with the task's credentials."
      - A replacement (O(replace_on_change)) and a task with C(async) wait inside the module, silently,
        so that the old link is deleted only once the new one is V(AVAILABLE).
      - With V(false), RV(pending) lists what is still provisioning or being deleted.
    type: bool
    default: true
  wait_timeout:
    description:
      - How long to wait, in seconds, for each wait. On timeout the module fails and reports the
        last status seen. AWS usually needs several minutes to provision a link.
    type: int
    default: 900
  check_mode_gone:
    description:
      - Ids of REST APIs (and HTTP APIs) that earlier tasks of the same run delete; playbooks/teardown.yml
        deletes the REST API before the VPC links it uses.
      - In check mode those tasks changed nothing, so the module does not count the integrations of the
        listed APIs as uses of the link when it decides whether a real run could delete (or replace) it.
        RV(check_mode_assumed_gone) lists the integrations it did not count.
      - "Outside check mode the option is ignored: an integration that is still there always counts."
    type: list
    elements: str
    default: []
    version_added: 0.3.0
notes:
  - Check mode is supported and makes no change; the returned link then shows what would be
    created (with a null id) or updated. The diff (returned in both modes) is the link before and after.
  - A REST API VPC link can only target a Network Load Balancer in the account of the API; an NLB
    cannot be deleted while a link uses it.
  - Operations are retried with jittered backoff, including C(TooManyRequestsException).
seealso:
  - module: multiaccount.apigateway.vpc_link_info
  - name: Set up a VPC link for a REST API
    description: AWS documentation of REST API private integrations.
    link: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-private-integration.html
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  action:
    support: full
    details:
      - With O(wait), the action plugin of the same name runs the module with O(wait=false), then polls the
        link on the controller and prints a progress line every 30 seconds (see O(wait)).
  async:
    support: full
    details: With C(async) the module waits by itself, without progress lines.
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details:
      - Reads only and returns the link as it would be (a link that would be created has a null id); it
        never waits.
      - A link still used by an integration fails in check mode too, except for the integrations of the APIs
        in O(check_mode_gone), which earlier tasks of a real run would have deleted (see
        RV(check_mode_assumed_gone)).
  diff_mode:
    support: full
    details:
      - The link before and after (name, description, targets or subnets and security groups, status and
        tags); an empty side for a link created or deleted. A replacement shows the old link before and the
        new one after.
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: REST API (v1) VPC link to an internal NLB, waiting until it is AVAILABLE
  multiaccount.apigateway.vpc_link:
    name: open-banking-payments
    description: API Gateway to the payments NLB
    target_arns:
      - arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments/0123456789abcdef
    tags:
      team: platform
  register: payments_link

- name: v2 VPC link in the gateway subnets
  multiaccount.apigateway.vpc_link:
    name: open-banking-alb
    subnet_ids: [subnet-0a1b2c3d4e5f60718, subnet-0f1e2d3c4b5a69788]
    security_group_ids: [sg-0123456789abcdef0]

- name: Rename a link and change its description; tags stay as they are
  multiaccount.apigateway.vpc_link:
    vpc_link_id: "{{ payments_link.vpc_link.id }}"
    name: open-banking-payments-v2
    description: renamed

- name: Move the link to another NLB (creates a new link, then deletes the old one)
  multiaccount.apigateway.vpc_link:
    name: open-banking-payments
    target_arns:
      - arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-b/fedcba9876543210
    replace_on_change: true

- name: Start the creation without waiting (a later run with wait=true waits for it)
  multiaccount.apigateway.vpc_link:
    name: open-banking-cards
    target_arns:
      - arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/cards/0123456789abcdef
    wait: false

- name: Delete a link by name (fails and names the integrations that still use it)
  multiaccount.apigateway.vpc_link:
    name: open-banking-payments
    state: absent

# In a teardown the REST API is deleted by an earlier task. In check mode that task changed nothing,
# so tell the module which API a real run would already have deleted.
- name: Delete the link after its REST API (also with --check)
  multiaccount.apigateway.vpc_link:
    name: open-banking-payments
    state: absent
    check_mode_gone:
      - "{{ rest_api_id }}"

# Cross-account: the gateway lives in the shared-services account. Assume a role there, then give
# every module of the collection those credentials through its action group.
- name: Assume the deployment role in the gateway account
  amazon.aws.sts_assume_role:
    role_arn: arn:aws:iam::111111111111:role/apigateway-deployer
    role_session_name: vpc-link
  register: gateway_role

- name: Create the VPC link with the gateway account's credentials
  module_defaults:
    group/multiaccount.apigateway.aws:
      access_key: "{{ gateway_role.sts_creds.access_key }}"
      secret_key: "{{ gateway_role.sts_creds.secret_key }}"
      session_token: "{{ gateway_role.sts_creds.session_token }}"
      region: us-east-1
  multiaccount.apigateway.vpc_link:
    name: open-banking-payments
    target_arns:
      - arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments/0123456789abcdef
"""

RETURN = r"""
vpc_link:
  description:
    - The link after the run, in the same shape for both flavours; keys of the other flavour are
      empty lists (or null).
    - In check mode, the link as it would be (a link that would be created has a null RV(vpc_link.id)).
    - An empty dict when O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Id of the link.
      type: str
      sample: a1b2c3
    arn:
      description: ARN of the link (used for tagging).
      type: str
      sample: "arn:aws:apigateway:us-east-1::/vpclinks/a1b2c3"
    name:
      description: Name of the link.
      type: str
      sample: open-banking-payments
    description:
      description: Description (V(v1) links; null for V(v2)).
      type: str
      sample: API Gateway to the payments NLB
    version:
      description: Flavour of the link.
      type: str
      sample: v1
    status:
      description: V(PENDING), V(AVAILABLE), V(DELETING), V(FAILED) (V(v2) also V(INACTIVE)).
      type: str
      sample: AVAILABLE
    status_message:
      description: The status message AWS gives, notably the cause of V(FAILED).
      type: str
      sample: Your vpc link is ready for use
    target_arns:
      description: NLB ARNs of a V(v1) link (empty for V(v2)).
      type: list
      elements: str
      sample: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments/0123456789abcdef"]
    subnet_ids:
      description: Subnets of a V(v2) link (empty for V(v1)).
      type: list
      elements: str
      sample: []
    security_group_ids:
      description: Security groups of a V(v2) link (empty for V(v1)).
      type: list
      elements: str
      sample: []
    tags:
      description: Tags of the link, including C(ManagedBy=multiaccount.apigateway).
      type: dict
      sample: {"ManagedBy": "multiaccount.apigateway", "team": "platform"}
pending:
  description:
    - What is still provisioning or being deleted when the module returns, that is without O(wait) (or
      before the action plugin's wait). Empty after a wait that succeeded, and in check mode.
    - The link of RV(vpc_link) while it is V(PENDING) (or V(FAILED) right after its creation)
      (C(until=available)), and a link this run deleted, or found V(DELETING), until it is gone
      (C(until=deleted)).
  returned: always
  type: list
  elements: dict
  version_added: 0.2.0
  contains:
    kind:
      description: Always V(vpc_link).
      type: str
    id:
      description: Id of the link.
      type: str
    name:
      description: Name of the link.
      type: str
    version:
      description: V(v1) or V(v2).
      type: str
    status:
      description: Its status, V(PENDING), V(FAILED) or V(DELETING).
      type: str
    until:
      description: V(available) or V(deleted).
      type: str
  sample: [{kind: vpc_link, id: a1b2c3, name: open-banking, version: v1, status: PENDING, until: available}]
diff:
  description: The link before and after the run (an empty dict for a link created or deleted).
  returned: always
  type: dict
  version_added: 0.2.0
check_mode_assumed_gone:
  description:
    - In check mode, the integrations on the link that the module did not count as uses because their API
      is in O(check_mode_gone) (a real run would have deleted it in an earlier task).
    - Empty outside check mode, and when the module did not look at the link's integrations (no delete or
      replacement).
  returned: always
  type: list
  elements: dict
  version_added: 0.3.0
  contains:
    api_type:
      description: V(REST) or V(HTTP).
      type: str
    api_id:
      description: Id of the API, one of O(check_mode_gone).
      type: str
    api_name:
      description: Name of the API.
      type: str
    method:
      description: HTTP method of the REST API method or HTTP API route (null for an HTTP API integration without a route).
      type: str
    path:
      description: Resource path or route path (null for an HTTP API integration without a route).
      type: str
    stage:
      description: The stage whose variable points at the link, for an integration that uses a stage variable; else null.
      type: str
    integration_id:
      description: Id of an HTTP API integration that no route uses (only for such an integration).
      type: str
  sample: [{api_type: REST, api_id: erwhgbdwul, api_name: open-banking, method: ANY, path: /cards, stage: null}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import managed_tags
from ansible_collections.multiaccount.apigateway.plugins.module_utils.diffs import module_diff
from ansible_collections.multiaccount.apigateway.plugins.module_utils.vpc_links import (
    VERSIONS,
    create_v1_vpc_link,
    create_v2_vpc_link,
    delete_v1_vpc_link,
    delete_v2_vpc_link,
    describe_usage,
    find_vpc_link_usage,
    get_vpc_link,
    list_vpc_links,
    match_by_name,
    normalise_vpc_link,
    plan_update,
    planned_link,
    replacement_reasons,
    replacement_spec,
    resolve_version,
    tag_v1_resource,
    tag_v2_resource,
    untag_v1_resource,
    untag_v2_resource,
    update_v1_vpc_link,
    update_v2_vpc_link,
    v1_patch_operations,
    validate_target_arns,
    wait_for_vpc_link,
)

V2_DESCRIPTION_ERROR = (
    "description: v2 VPC links have no description (apigatewayv2 CreateVpcLink/UpdateVpcLink only take a name); "
    "remove the option or use a v1 link"
)


def check_gone_api_ids(values):
    """O(check_mode_gone) as a set of API ids; ValueError naming the first bad element."""
    ids = set()
    for index, value in enumerate(values or []):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(
                f"check_mode_gone[{index}]: {value!r} is not an API id; give the id of a REST API (or HTTP API) "
                "that an earlier task of the run deletes, or remove the element"
            )
        ids.add(value.strip())
    return ids


def pending_entry(link, until):
    """One entry of RV(pending): the link and what a wait waits for (``available`` or ``deleted``)."""
    return {
        "kind": "vpc_link",
        "id": link["id"],
        "name": link.get("name"),
        "version": link["version"],
        "status": link.get("status"),
        "until": until,
    }


class VpcLinkManager:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.clients = dict(v1=module.client("apigateway"), v2=module.client("apigatewayv2"))
        self.changed = False
        # Links deleted (or found being deleted) and not waited for: RV(pending).
        self.deleting = []
        try:
            self.version = resolve_version(
                self.params["version"],
                self.params["target_arns"],
                self.params["subnet_ids"],
                self.params["security_group_ids"],
            )
            validate_target_arns(self.params["target_arns"])
        except ValueError as e:
            module.fail_json(msg=str(e))
        if self.params["wait_timeout"] < 1:
            module.fail_json(
                msg=f"wait_timeout: must be a positive number of seconds, got {self.params['wait_timeout']}"
            )
        if self.version == "v2" and self.params["description"] is not None:
            module.fail_json(msg=V2_DESCRIPTION_ERROR)
        try:
            self.check_mode_gone = check_gone_api_ids(self.params["check_mode_gone"])
        except ValueError as e:
            module.fail_json(msg=str(e))
        # Integrations of the APIs in check_mode_gone not counted as uses (check mode only).
        self.assumed_gone = []

    # ---- reads -----------------------------------------------------------------------------

    def read(self, version, vpc_link_id):
        return get_vpc_link(self.clients, version, vpc_link_id)

    def find(self):
        """The link this task is about, or None."""
        versions = [self.version] if self.version else list(VERSIONS)
        vpc_link_id = self.params["vpc_link_id"]
        if vpc_link_id:
            for version in versions:
                link = self.read(version, vpc_link_id)
                if link:
                    return link
            others = [v for v in VERSIONS if v not in versions]
            for version in others:
                if self.read(version, vpc_link_id):
                    self.module.fail_json(
                        msg=f"VPC link {vpc_link_id} is a {version} link, but the options ask for a {self.version} link"
                    )
            return None
        try:
            return match_by_name(list_vpc_links(self.clients, versions), self.params["name"])
        except ValueError as e:
            self.module.fail_json(msg=str(e))

    def usage(self, link):
        return find_vpc_link_usage(self.clients, link)

    # ---- writes ----------------------------------------------------------------------------

    def wait(self, link, target):
        if self.module.check_mode:
            return
        if self.params["wait"]:
            wait_for_vpc_link(
                self.clients[link["version"]], link["version"], link["id"], target, self.params["wait_timeout"]
            )
        elif target == "deleted":
            self.deleting.append(link)

    def pending(self, after):
        """RV(pending): the link still PENDING, and the links on their way out, when nothing waited."""
        entries = []
        if self.module.check_mode or self.params["wait"]:
            # Nothing happened, or the wait succeeded (it fails the module otherwise).
            return entries
        # A link that failed at once is not AVAILABLE either: the wait reports it (FAILED, with its message).
        if after and after.get("status") in ("PENDING", "FAILED"):
            entries.append(pending_entry(after, "available"))
        entries.extend(pending_entry(dict(link, status="DELETING"), "deleted") for link in self.deleting)
        return entries

    def create(self, spec):
        self.changed = True
        if self.module.check_mode:
            return planned_link(spec)
        version = spec["version"]
        if version == "v1":
            raw = create_v1_vpc_link(
                self.clients["v1"], spec["name"], spec["target_arns"], spec.get("description"), spec["tags"]
            )
            link = normalise_vpc_link(raw, "v1")
        else:
            raw = create_v2_vpc_link(
                self.clients["v2"], spec["name"], spec["subnet_ids"], spec["security_group_ids"], spec["tags"]
            )
            link = normalise_vpc_link(raw, "v2")
        self.wait(link, "available")
        if not self.params["wait"]:
            # The create answers the link as AWS holds it (PENDING): reading it back would add nothing.
            return link
        return self.read(version, link["id"]) or link

    def delete(self, link):
        self.changed = True
        if self.module.check_mode:
            return
        if link["version"] == "v1":
            delete_v1_vpc_link(self.clients["v1"], link["id"])
        else:
            delete_v2_vpc_link(self.clients["v2"], link["id"])
        self.wait(link, "deleted")

    def apply_update(self, link, plan):
        self.changed = True
        if self.module.check_mode:
            return plan["after"]
        version, client = link["version"], self.clients[link["version"]]
        if plan["updates"]:
            if version == "v1":
                update_v1_vpc_link(client, link["id"], v1_patch_operations(plan["updates"]))
            else:
                update_v2_vpc_link(client, link["id"], plan["updates"]["name"])
        if plan["tags_to_unset"]:
            untag = untag_v1_resource if version == "v1" else untag_v2_resource
            untag(client, link["arn"], plan["tags_to_unset"])
        if plan["tags_to_set"]:
            tag = tag_v1_resource if version == "v1" else tag_v2_resource
            tag(client, link["arn"], plan["tags_to_set"])
        return self.read(version, link["id"]) or plan["after"]

    # ---- states ----------------------------------------------------------------------------

    def desired(self):
        keys = ("name", "description", "target_arns", "subnet_ids", "security_group_ids", "tags")
        return {key: self.params[key] for key in keys}

    def fail_if_used(self, link, action):
        usage = self.usage(link)
        assumed = []
        if self.module.check_mode and self.check_mode_gone:
            # Earlier tasks of a real run delete these APIs; in check mode they changed nothing.
            assumed = [record for record in usage if record.get("api_id") in self.check_mode_gone]
            usage = [record for record in usage if record.get("api_id") not in self.check_mode_gone]
            self.assumed_gone.extend(assumed)
        if not usage:
            return
        not_counted = hint = ""
        if assumed:
            not_counted = (
                f" ({len(assumed)} other integration(s), of the APIs in check_mode_gone, are not counted in check mode)"
            )
        if self.module.check_mode:
            hint = " In check mode, list in check_mode_gone the APIs that earlier tasks of the run delete."
        self.module.fail_json(
            msg=(
                f"Cannot {action} VPC link {link['id']} ({link['name']}): it is still used by "
                f"{len(usage)} integration(s): {describe_usage(usage)}{not_counted}. "
                f"Point those integrations at another link or remove them first.{hint}"
            ),
            usage=usage,
            check_mode_assumed_gone=assumed,
        )

    def present(self, current):
        params = self.params
        if current is None:
            if params["vpc_link_id"]:
                self.module.fail_json(
                    msg=f"VPC link {params['vpc_link_id']} does not exist; omit vpc_link_id to create a link by name"
                )
            if not params["name"]:
                self.module.fail_json(msg="name is required to create a VPC link")
            if self.version is None:
                self.module.fail_json(
                    msg=(
                        f"No managed VPC link named {params['name']!r} exists. To create one give target_arns "
                        "(REST API v1 link to an NLB) or subnet_ids (v2 link)."
                    )
                )
            if self.version == "v1" and not params["target_arns"]:
                self.module.fail_json(msg="target_arns (one NLB ARN) is required to create a v1 VPC link")
            if self.version == "v2" and not params["subnet_ids"]:
                self.module.fail_json(msg="subnet_ids is required to create a v2 VPC link")
            tags = {k: v for k, v in (params["tags"] or {}).items() if not k.startswith("aws:")}
            spec = dict(
                name=params["name"],
                version=self.version,
                description=params["description"],
                target_arns=params["target_arns"],
                subnet_ids=params["subnet_ids"],
                security_group_ids=params["security_group_ids"] or [],
                tags=managed_tags(tags),
            )
            return None, self.create(spec)

        if current["status"] == "DELETING":
            self.module.fail_json(msg=f"VPC link {current['id']} ({current['name']}) is being deleted")
        if current["version"] == "v2" and params["description"] is not None:
            self.module.fail_json(msg=V2_DESCRIPTION_ERROR)

        desired = self.desired()
        reasons = replacement_reasons(current, desired)
        if reasons:
            what = "; ".join(reasons)
            if not params["replace_on_change"]:
                self.module.fail_json(
                    msg=(
                        f"VPC link {current['id']} ({current['name']}) cannot be updated in place: {what}. "
                        "Set replace_on_change=true to create a new link and delete this one."
                    ),
                    vpc_link=current,
                )
            self.fail_if_used(current, f"replace ({what})")
            spec = replacement_spec(current, desired, current["version"], params["purge_tags"])
            try:
                validate_target_arns(spec.get("target_arns"))
            except ValueError as e:
                self.module.fail_json(msg=str(e))
            new = self.create(spec)
            self.delete(current)
            return current, new

        plan = plan_update(current, desired, params["purge_tags"])
        after = current
        if plan["updates"] or plan["tags_to_set"] or plan["tags_to_unset"]:
            after = self.apply_update(current, plan)
        if after.get("status") == "PENDING" and params["wait"] and not self.module.check_mode:
            self.wait(after, "available")
            after = self.read(after["version"], after["id"]) or after
        return current, after

    def absent(self, current):
        if current is None:
            return None, None
        if current["status"] == "DELETING":
            # Already on its way out (a previous run with wait=false): nothing to change.
            self.wait(current, "deleted")
            return None, None
        self.fail_if_used(current, "delete")
        self.delete(current)
        return current, None

    def run(self):
        current = self.find()
        if self.params["state"] == "present":
            before, after = self.present(current)
        else:
            before, after = self.absent(current)
        result = dict(
            changed=self.changed,
            vpc_link=after or {},
            pending=self.pending(after),
            diff=module_diff(before, after),
            check_mode_assumed_gone=self.assumed_gone,
        )
        self.module.exit_json(**result)


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        name=dict(type="str"),
        vpc_link_id=dict(type="str", aliases=["id"]),
        version=dict(type="str", choices=["v1", "v2"]),
        target_arns=dict(type="list", elements="str"),
        subnet_ids=dict(type="list", elements="str"),
        security_group_ids=dict(type="list", elements="str"),
        description=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        replace_on_change=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=900),
        check_mode_gone=dict(type="list", elements="str", default=[]),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_one_of=[["name", "vpc_link_id"]],
        mutually_exclusive=[["target_arns", "subnet_ids"], ["target_arns", "security_group_ids"]],
        supports_check_mode=True,
    )
    try:
        VpcLinkManager(module).run()
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)


if __name__ == "__main__":
    main()
