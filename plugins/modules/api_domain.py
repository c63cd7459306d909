#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: api_domain
version_added: 0.3.0
short_description: Manage a REGIONAL custom domain name of API Gateway REST APIs and its base path mappings
description:
  - Creates, updates or deletes an Amazon API Gateway custom domain name (REST, v1) with a REGIONAL
    endpoint, the ACM certificate O(certificate_arn), the TLS security policy O(security_policy) and
    optional mutual TLS (O(mutual_tls)), and reconciles its base path mappings with O(mappings), each
    mapping a base path of the domain to a stage of a REST API.
  - The domain is read with C(GetDomainName) and its mappings with one paginated C(GetBasePathMappings)
    call; only the differences are written. Drift of the certificate, the security policy or the
    truststore is patched with one C(UpdateDomainName) call; a mapping whose base path stays but whose
    API or stage changes is patched with C(UpdateBasePathMapping) (V(/restapiId), V(/stage)), so the
    base path keeps answering while it moves. A run that changes nothing reports RV(ignore:changed=false).
  - "Ownership: a domain created by this module carries the tags of O(tags) and always
    V(ManagedBy=multiaccount.apigateway). An existing domain without that tag belongs to someone else:
    the module fails naming it and never modifies or deletes it, whatever O(state)."
  - "Why not M(community.aws.api_gateway_domain): it sets no tags (so it cannot tell its domains from
    anyone else's), has no mutual TLS, and does not update a mapping in place."
  - The module does not manage DNS. Point the domain at RV(dns.target) (the domain's regional domain
    name) with a CNAME record, or a Route 53 alias record in hosted zone RV(dns.alias_hosted_zone_id),
    for example with M(amazon.aws.route53).
  - Only REGIONAL endpoints are managed. An EDGE (edge-optimized) domain would need a certificate in
    V(us-east-1) and a CloudFront distribution in front; an existing managed domain of another endpoint
    type makes the module fail.
  - "Every input is checked before the first AWS call and errors name the field, for example
    C(mappings[1].base_path: 'v1/x' has several path segments ...). Before any write, the stages that
    new or moved mappings point at are read with C(GetStage), so a missing API or stage fails the run
    with nothing changed."
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  state:
    description:
      - V(present) creates or updates the domain and its mappings.
      - V(absent) deletes the domain (its base path mappings first) when it carries the tag
        V(ManagedBy=multiaccount.apigateway); a domain that does not exist is not an error.
    type: str
    choices: [present, absent]
    default: present
  domain_name:
    description:
      - The custom domain name, a fully qualified DNS name in lower case such as V(api.example.com),
        without a trailing dot. Wildcard names are not managed.
    type: str
    required: true
  certificate_arn:
    description:
      - ARN of the ACM certificate of the domain, in the module's region (and partition), for example
        V(arn:aws:acm:eu-west-1:111111111111:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789).
      - Required with O(state=present). A different certificate on an existing domain is rotated with
        C(UpdateDomainName) (V(/regionalCertificateArn)).
      - AWS refuses a certificate that does not exist or is not issued (C(BadRequestException)).
    type: str
  security_policy:
    description:
      - Minimum TLS version the domain accepts.
      - Mutual TLS and multi-level base paths need V(TLS_1_2).
    type: str
    choices: [TLS_1_0, TLS_1_2]
    default: TLS_1_2
  mutual_tls:
    description:
      - Mutual TLS of the domain; clients must then present a certificate that chains to the truststore.
      - Null or omitted means no mutual TLS; a domain that has it loses it (the module replaces
        V(/mutualTlsAuthentication/truststoreUri) with an empty value, as AWS documents).
      - Needs O(security_policy=TLS_1_2).
    type: dict
    suboptions:
      truststore_uri:
        description:
          - V(s3://bucket/key) of the truststore, a PEM bundle of the certificate authorities. Required.
        type: str
      truststore_version:
        description:
          - S3 object version of the truststore (a versioned bucket). Omitted, the version is not compared
            and AWS uses the latest when the truststore is set.
        type: str
  mappings:
    description:
      - Base path mappings of the domain. Every problem is reported before any AWS call, naming the field,
        for example C(mappings[1].stage).
      - With O(purge_mappings=true) (the default), omitting it or giving an empty list deletes every mapping of
        the domain.
    type: list
    elements: dict
    default: []
    suboptions:
      base_path:
        description:
          - Base path, one path segment of letters, digits and V($-_.+!*'()) such as V(v1); leading and
            trailing slashes are ignored.
          - An empty string (or V((none))) maps the root of the domain, which API Gateway calls V((none)).
          - Unique across O(mappings).
        type: str
        default: ""
      rest_api_id:
        description:
          - Id of the REST API (v1) to map, such as V(a1b2c3d4e5). Required.
        type: str
      stage:
        description:
          - Stage of that API to map, such as V(v1). Required. It must exist (be deployed) before the mapping
            is made.
        type: str
  purge_mappings:
    description:
      - Delete the base path mappings of the domain that O(mappings) does not list.
    type: bool
    default: true
notes:
  - Check mode makes no write call at all and returns the would-be changes in RV(changes) and in the diff.
  - A new domain can take some time to become V(AVAILABLE) on AWS (RV(domain.status)); DNS can point at
    it at once.
  - Mutual TLS on AWS needs a publicly trusted ACM certificate on the domain (or an ownership verification
    certificate, not managed here); an imported self-signed certificate is refused.
  - Tags are read from C(GetDomainName) and changed with C(TagResource) and C(UntagResource) on
    V(arn:aws:apigateway:<region>::/domainnames/<domain_name>). The tag V(ManagedBy=multiaccount.apigateway)
    is never removed by O(purge_tags).
  - Throttled calls (C(TooManyRequestsException)) are retried with jittered backoff.
seealso:
  - module: community.aws.api_gateway_domain
    description: Has no tags, so no ownership, and no mutual TLS.
  - module: multiaccount.apigateway.rest_api
  - module: amazon.aws.route53
  - name: Set up a Regional custom domain name in API Gateway
    description: Custom domain names, certificates and DNS for REST APIs.
    link: https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-regional-api-custom-domain-create.html
  - name: Configuring mutual TLS authentication for a REST API
    description: Truststores, certificate warnings and how to turn mutual TLS off.
    link: https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html
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
      - Reads the domain, its mappings and the stages new mappings point at, and makes no write call;
        RV(changes), the result and the diff say what a real run would do (a new domain has no regional
        domain name yet).
  diff_mode:
    support: full
    details:
      - The domain (domain name, certificate ARN, security policy, mutual TLS, tags) and its mappings keyed by
        base path (V((none)) for the root) with their REST API id and stage, before and after. With
        O(state=absent), what is deleted.
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Publish the central REST API at https://api.example.com/v1
  multiaccount.apigateway.api_domain:
    domain_name: api.example.com
    certificate_arn: arn:aws:acm:eu-west-1:111111111111:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789
    mappings:
      - base_path: v1
        rest_api_id: "{{ gateway.rest_api.id }}"
        stage: v1
    tags:
      ManagedBy: multiaccount.apigateway
      "multiaccount:gateway": open-banking
  register: domain

- name: Tell what DNS must say
  ansible.builtin.debug:
    msg: "{{ domain.dns.message }}"

- name: Point DNS at the domain (Route 53 alias)
  amazon.aws.route53:
    zone: example.com
    record: api.example.com
    type: A
    value: "{{ domain.dns.target }}"
    alias: true
    alias_hosted_zone_id: "{{ domain.dns.alias_hosted_zone_id }}"
    overwrite: true

- name: Root and v1, with mutual TLS
  multiaccount.apigateway.api_domain:
    domain_name: api.example.com
    certificate_arn: "{{ certificate_arn }}"
    security_policy: TLS_1_2
    mutual_tls:
      truststore_uri: s3://example-truststores/api.example.com/truststore.pem
      truststore_version: 3sL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY
    mappings:
      - base_path: ""
        rest_api_id: a1b2c3d4e5
        stage: v1
      - base_path: v1
        rest_api_id: a1b2c3d4e5
        stage: v1

- name: Add a mapping without touching the others
  multiaccount.apigateway.api_domain:
    domain_name: api.example.com
    certificate_arn: "{{ certificate_arn }}"
    purge_mappings: false
    mappings:
      - base_path: v2
        rest_api_id: f6g7h8i9j0
        stage: v2

- name: Cross-account - the domain lives in the shared-services account
  block:
    - name: Assume the deployment role of the shared-services account
      amazon.aws.sts_assume_role:
        role_arn: arn:aws:iam::111111111111:role/platform-deployer
        role_session_name: api-domain
      register: shared_services

    - name: Reconcile the domain in that account
      multiaccount.apigateway.api_domain:
        access_key: "{{ shared_services.sts_creds.access_key }}"
        secret_key: "{{ shared_services.sts_creds.secret_key }}"
        session_token: "{{ shared_services.sts_creds.session_token }}"
        region: eu-west-1
        domain_name: api.example.com
        certificate_arn: arn:aws:acm:eu-west-1:111111111111:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789
        mappings:
          - base_path: v1
            rest_api_id: a1b2c3d4e5
            stage: v1

- name: Preview the changes without making any
  multiaccount.apigateway.api_domain:
    domain_name: api.example.com
    certificate_arn: "{{ certificate_arn }}"
    security_policy: TLS_1_0
    mappings: []
  check_mode: true
  diff: true
  register: preview

- name: Delete the domain and its mappings
  multiaccount.apigateway.api_domain:
    domain_name: api.example.com
    state: absent
"""

RETURN = r"""
domain:
  description: The custom domain name after the run (empty after O(state=absent)).
  returned: always
  type: dict
  contains:
    domain_name:
      description: The custom domain name.
      type: str
      sample: api.example.com
    regional_domain_name:
      description: The name API Gateway gives the domain, the target of the DNS record (null in check mode for a new domain).
      type: str
      sample: d-abcde12345.execute-api.eu-west-1.amazonaws.com
    regional_hosted_zone_id:
      description: Route 53 hosted zone of RV(domain.regional_domain_name), for an alias record (null in check mode for a new domain).
      type: str
      sample: ZLY8HYME6SFDD
    certificate_arn:
      description: ARN of the regional ACM certificate.
      type: str
      sample: arn:aws:acm:eu-west-1:111111111111:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789
    security_policy:
      description: TLS security policy.
      type: str
      sample: TLS_1_2
    mutual_tls:
      description: Mutual TLS of the domain, null without.
      type: dict
      contains:
        truststore_uri:
          description: S3 URI of the truststore.
          type: str
          sample: s3://example-truststores/api.example.com/truststore.pem
        truststore_version:
          description: S3 object version of the truststore, null when AWS does not report one.
          type: str
          sample: 3sL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY
        truststore_warnings:
          description: Warnings AWS gave about certificates of the truststore (shown as module warnings when this run set the truststore).
          type: list
          elements: str
          sample: []
    status:
      description: Status of the domain, for example V(AVAILABLE), V(PENDING) or V(UPDATING) (null in check mode for a new domain).
      type: str
      sample: AVAILABLE
    tags:
      description: Tags of the domain after the run.
      type: dict
      sample: {ManagedBy: multiaccount.apigateway, "multiaccount:gateway": open-banking}
mappings:
  description: Every base path mapping of the domain after the run (in check mode, the would-be ones), the root first.
  returned: always
  type: list
  elements: dict
  contains:
    base_path:
      description: Base path, an empty string for the root (V((none)) in API Gateway).
      type: str
      sample: v1
    rest_api_id:
      description: Id of the mapped REST API.
      type: str
      sample: a1b2c3d4e5
    stage:
      description: Mapped stage.
      type: str
      sample: v1
    url:
      description: URL of the mapping, V(https://<domain_name>/<base_path>), without a base path for the root.
      type: str
      sample: https://api.example.com/v1
dns:
  description: What DNS must say for the domain to reach API Gateway; the module does not manage DNS.
  returned: when O(state=present)
  type: dict
  contains:
    record_name:
      description: The record to create, the domain name.
      type: str
      sample: api.example.com
    record_type:
      description: V(CNAME) (or a Route 53 alias A/AAAA record to the same target).
      type: str
      sample: CNAME
    target:
      description: The value of the record, RV(domain.regional_domain_name) (null in check mode for a new domain).
      type: str
      sample: d-abcde12345.execute-api.eu-west-1.amazonaws.com
    alias_hosted_zone_id:
      description: Hosted zone of the target, for a Route 53 alias record.
      type: str
      sample: ZLY8HYME6SFDD
    message:
      description: The same as a sentence.
      type: str
      sample: "point api.example.com at d-abcde12345.execute-api.eu-west-1.amazonaws.com: a CNAME record, or in
        Route 53 an alias A/AAAA record to that name in hosted zone ZLY8HYME6SFDD"
changes:
  description: What the run changed (or, in check mode, would change), one line per API call that writes.
  returned: always
  type: list
  elements: str
  sample: ["update domain name api.example.com (replace /securityPolicy)",
           "create base path mapping api.example.com/v1 -> a1b2c3d4e5/v1"]
diff:
  description:
    - The domain before and after the run (also shown with C(--diff)); an empty dict for a side where it does not exist.
    - Each side has C(domain_name), C(certificate_arn), C(security_policy), C(mutual_tls) (C(truststore_uri),
      C(truststore_version), or null), C(mappings) (base path, V((none)) for the root, to C(rest_api_id) and C(stage))
      and C(tags).
  returned: always
  type: dict
  contains:
    before:
      description: Before the run.
      type: dict
    after:
      description: After the run.
      type: dict
  sample:
    before:
      domain_name: api.example.com
      certificate_arn: arn:aws:acm:eu-west-1:111111111111:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789
      security_policy: TLS_1_2
      mutual_tls: null
      mappings: {"(none)": {rest_api_id: a1b2c3d4e5, stage: v1}}
      tags: {ManagedBy: multiaccount.apigateway}
    after:
      domain_name: api.example.com
      certificate_arn: arn:aws:acm:eu-west-1:111111111111:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789
      security_policy: TLS_1_2
      mutual_tls: null
      mappings: {"(none)": {rest_api_id: a1b2c3d4e5, stage: v1}, v1: {rest_api_id: a1b2c3d4e5, stage: v1}}
      tags: {ManagedBy: multiaccount.apigateway}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils import api_domains
from ansible_collections.multiaccount.apigateway.plugins.module_utils.api_domains import AnsibleApiDomainError
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import (
    MANAGED_TAG_KEY,
    MANAGED_TAG_VALUE,
    is_managed,
    managed_tags,
    tag_changes,
)


def ownership_problem(raw, domain_name):
    """Why the module must not touch an existing domain, or None when it is ours."""
    if not is_managed(raw.get("tags")):
        return (
            f"domain_name: custom domain name {domain_name!r} exists and is owned by someone else (it lacks the tag "
            f"{MANAGED_TAG_KEY}={MANAGED_TAG_VALUE}); remove it from the inventory or tag it "
            f"{MANAGED_TAG_KEY}={MANAGED_TAG_VALUE} to hand it to this collection. Nothing was changed."
        )
    return None


def check_stages(module, client, actions):
    """Fail before any write when a mapping to create or move names a missing REST API or stage."""
    problems = []
    for (rest_api_id, stage), field in sorted(api_domains.stages_to_check(actions).items()):
        if api_domains.get_stage(client, rest_api_id, stage) is not None:
            continue
        if api_domains.get_rest_api(client, rest_api_id) is None:
            problems.append(
                f"{field}.rest_api_id: no REST API {rest_api_id!r} in {module.region}; create it first "
                "(multiaccount.apigateway.rest_api) or fix the id"
            )
        else:
            problems.append(
                f"{field}.stage: REST API {rest_api_id} has no stage {stage!r}; deploy it first "
                f"(multiaccount.apigateway.rest_api with stage_name: {stage}) or fix the stage"
            )
    if problems:
        module.fail_json(msg="; ".join(problems) + ". Nothing was changed.")


def warn_truststore(module, domain):
    """API Gateway's warnings about the truststore it has just read (create or update)."""
    for warning in ((domain or {}).get("mutual_tls") or {}).get("truststore_warnings") or []:
        module.warn(f"mutual_tls: API Gateway warns about the truststore: {warning}")


def planned_domain(checked, tags):
    """Check mode: the view of a domain that does not exist yet."""
    mtls = checked["mutual_tls"]
    return {
        "domain_name": checked["domain_name"],
        "regional_domain_name": None,
        "regional_hosted_zone_id": None,
        "certificate_arn": checked["certificate_arn"],
        "security_policy": checked["security_policy"],
        "mutual_tls": dict(mtls, truststore_warnings=[]) if mtls else None,
        "status": None,
        "tags": tags,
    }


def ensure_domain(module, client, checked, raw, changes):
    """Create the domain or patch its settings and tags. Returns ``(before view, after view)``."""
    params = module.params
    name = checked["domain_name"]
    if raw is None:
        tags = managed_tags(params["tags"])
        mtls = checked["mutual_tls"]
        line = f"create domain name {name} (REGIONAL, {checked['security_policy']}, {checked['certificate_arn']}"
        changes.append(line + (f", mutual TLS {mtls['truststore_uri']})" if mtls else ")"))
        if module.check_mode:
            return {}, planned_domain(checked, tags)
        created = api_domains.create_domain_name(
            client, name, checked["certificate_arn"], checked["security_policy"], mtls, tags
        )
        after = api_domains.domain_view(created)
        after["tags"] = dict(created.get("tags") or tags)
        warn_truststore(module, after)
        return {}, after

    before = api_domains.domain_view(raw)
    after = dict(before)
    ops = api_domains.domain_patch_ops(before, checked)
    if ops:
        changes.append(api_domains.describe_domain_ops(name, ops))
        if module.check_mode:
            after = api_domains.apply_domain_ops(before, ops)
        else:
            updated = api_domains.domain_view(api_domains.update_domain_name(client, name, ops))
            after = dict(updated, tags=before["tags"])
            warn_truststore(module, after)

    to_set, to_unset = tag_changes(before["tags"], params["tags"], params["purge_tags"])
    if to_set or to_unset:
        arn = api_domains.domain_arn(module.region, name)
        if to_unset:
            changes.append(f"untag domain name {name} (" + ", ".join(sorted(to_unset)) + ")")
            if not module.check_mode:
                api_domains.untag_resource(client, arn, to_unset)
        if to_set:
            changes.append(f"tag domain name {name} (" + ", ".join(sorted(to_set)) + ")")
            if not module.check_mode:
                api_domains.tag_resource(client, arn, to_set)
        tags = {key: value for key, value in before["tags"].items() if key not in to_unset}
        tags.update(to_set)
        after["tags"] = tags
    return before, after


def run_mapping_actions(client, domain_name, actions):
    for action in actions:
        if action["action"] == "create":
            api_domains.create_base_path_mapping(
                client, domain_name, action["base_path"], action["rest_api_id"], action["stage"]
            )
        elif action["action"] == "update":
            api_domains.update_base_path_mapping(client, domain_name, action["base_path"], action["patch_operations"])
        else:
            api_domains.delete_base_path_mapping(client, domain_name, action["base_path"])


def ensure_present(module, client, checked):
    name = checked["domain_name"]
    raw = api_domains.get_domain_name(client, name)
    if raw is not None:
        problem = ownership_problem(raw, name)
        if problem:
            module.fail_json(msg=problem, domain_name=name)
        types = api_domains.endpoint_types_of(raw)
        if types and types != [api_domains.ENDPOINT_TYPE]:
            module.fail_json(
                msg=(
                    f"domain_name: custom domain name {name!r} is {'/'.join(types)}; this module manages REGIONAL "
                    "custom domain names only (EDGE needs a us-east-1 certificate and CloudFront). Nothing was changed."
                ),
                domain_name=name,
            )
    current = (
        [api_domains.mapping_view(item) for item in api_domains.get_base_path_mappings(client, name)] if raw else []
    )
    actions = api_domains.plan_mappings(current, checked["mappings"], module.params["purge_mappings"])
    check_stages(module, client, actions)

    changes = []
    before, after = ensure_domain(module, client, checked, raw, changes)
    changes.extend(api_domains.describe_mapping_action(name, action) for action in actions)
    if actions and not module.check_mode:
        run_mapping_actions(client, name, actions)
    final = api_domains.apply_mapping_plan(current, actions)
    return {
        "changed": bool(changes),
        "changes": changes,
        "domain": after,
        "mappings": api_domains.mapping_results(name, final),
        "dns": api_domains.dns_hint(name, after),
        "diff": {
            "before": api_domains.diff_state(before, current),
            "after": api_domains.diff_state(after, final),
        },
    }


def ensure_absent(module, client, checked):
    name = checked["domain_name"]
    raw = api_domains.get_domain_name(client, name)
    if raw is None:
        return {"changed": False, "changes": [], "domain": {}, "mappings": [], "diff": {"before": {}, "after": {}}}
    problem = ownership_problem(raw, name)
    if problem:
        module.fail_json(msg=problem, domain_name=name)
    before = api_domains.domain_view(raw)
    current = [api_domains.mapping_view(item) for item in api_domains.get_base_path_mappings(client, name)]
    actions = api_domains.plan_mappings(current, [], purge=True)
    changes = [api_domains.describe_mapping_action(name, action) for action in actions]
    changes.append(f"delete domain name {name}")
    if not module.check_mode:
        run_mapping_actions(client, name, actions)
        api_domains.delete_domain_name(client, name)
    return {
        "changed": True,
        "changes": changes,
        "domain": {},
        "mappings": [],
        "diff": {"before": api_domains.diff_state(before, current), "after": {}},
    }


def main():
    mapping_spec = dict(
        base_path=dict(type="str", default=""),
        rest_api_id=dict(type="str"),
        stage=dict(type="str"),
    )
    mutual_tls_spec = dict(
        truststore_uri=dict(type="str"),
        truststore_version=dict(type="str"),
    )
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        domain_name=dict(type="str", required=True),
        certificate_arn=dict(type="str"),
        security_policy=dict(
            type="str", choices=api_domains.SECURITY_POLICIES, default=api_domains.DEFAULT_SECURITY_POLICY
        ),
        mutual_tls=dict(type="dict", options=mutual_tls_spec),
        mappings=dict(type="list", elements="dict", options=mapping_spec, default=[]),
        purge_mappings=dict(type="bool", default=True),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)

    # Everything the user gave is checked before the first AWS call.
    try:
        checked = api_domains.validate_params(module.params, module.region)
    except ValueError as error:
        module.fail_json(msg=str(error))

    client = module.client("apigateway")
    try:
        if checked["state"] == "absent":
            result = ensure_absent(module, client, checked)
        else:
            result = ensure_present(module, client, checked)
    except AnsibleApiDomainError as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
