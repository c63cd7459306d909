#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: demo_instances
version_added: 0.2.0
short_description: Stand-in EC2 instances at the service IPs of a provider VPC (local demo and emulator only)
description:
  - B(For the local demo and the emulator only), not for production. One call per provider account
    launches one small EC2 instance for each listed IP that no network interface of the VPC holds yet, so
    that every published path ends at a real network interface. It replaces a loop over
    M(amazon.aws.ec2_instance) per target.
  - "An IP that any interface of the VPC already holds (the provider's own instance, a load balancer...)
    is not launched and is returned in RV(held)."
  - "A demo instance is ours when it carries C(ManagedBy=multiaccount.apigateway),
    C(multiaccount:gateway=<gateway>) (O(gateway)) and C(multiaccount:demo=true); the module never
    changes or terminates any other instance."
  - "Each instance is launched with its private IP, in its subnet, without a public IP, with its tags in
    the launch call. An existing demo instance whose groups differ from O(instances[].security_group_ids)
    gets them on its primary network interface, except that the security groups of this gateway's
    services (tagged C(multiaccount:service), see M(multiaccount.apigateway.service_security_groups)) it
    already carries are kept: that module decides where they go, so the two modules never undo each
    other."
  - "Every input is checked before any AWS call, and errors name the field, for example
    C(instances[1].ip: '10.0.1.x' is not an IPv4 address). Problems found in AWS (an IP outside its
    subnet, a subnet of another VPC, no image) are reported together, before the first change."
  - "A second identical run reports RV(ignore:changed=false) and makes no change. A no-op run makes
    C(DescribeInstances) once and C(DescribeNetworkInterfaces) once (for the IPs without a demo
    instance that O(free_ips) does not list, if any); C(DescribeSecurityGroups) once more only when a
    demo instance carries groups beyond its listed ones. C(DescribeImages) is called only when
    something must be launched, and C(DescribeSubnets) only when something must be launched in a
    subnet given without O(instances[].subnet_cidr)."
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  state:
    description:
      - V(present) launches the missing demo instances, brings the groups and tags of existing ones in
        line and, with O(purge), terminates our demo instances whose IP is not listed.
      - V(absent) terminates every demo instance of ours (of this O(gateway)) in the VPC. O(instances) is
        then ignored.
    type: str
    choices: [present, absent]
    default: present
  vpc_id:
    description:
      - The provider VPC.
    type: str
    required: true
  gateway:
    description:
      - Name of the gateway, the value of the C(multiaccount:gateway) tag; the ownership scope.
    type: str
    required: true
  instances:
    description:
      - One entry per target IP. IPs must be unique.
    type: list
    elements: dict
    default: []
    suboptions:
      ip:
        description:
          - Private IPv4 address of the instance (its primary address), inside O(instances[].subnet_id)
            and not one of the five addresses AWS reserves in a subnet.
        type: str
        required: true
      subnet_id:
        description:
          - Subnet of the VPC that contains the IP.
        type: str
        required: true
      subnet_cidr:
        description:
          - The CIDR block of O(instances[].subnet_id), when the caller has just read or made that subnet in
            O(vpc_id) (RV(multiaccount.apigateway.vpc_target_subnets#module:targets) has it for each target
            IP). The IP is checked against it, before any AWS call, and the subnet is not read again.
          - When omitted, the module reads the subnet (C(DescribeSubnets)) before it launches an instance in it.
        type: str
        version_added: 0.3.0
      security_group_ids:
        description:
          - Security groups of the instance's primary network interface.
          - When omitted or empty, an instance is launched with the VPC's default group and the groups of
            an existing instance are left as they are.
        type: list
        elements: str
      name:
        description:
          - Value of the C(Name) tag.
        type: str
      tags:
        description:
          - Extra tags (additive - listed keys are set, other keys are kept).
          - C(ManagedBy), C(multiaccount:gateway) and C(multiaccount:demo) are set by the module and may be
            given only with the values it sets; a C(Name) tag counts as O(instances[].name).
        type: dict
        default: {}
  free_ips:
    description:
      - Listed IPs that the caller has just found held by no network interface in O(vpc_id)
        (RV(multiaccount.apigateway.service_security_groups#module:unplaced_ips) of the same run). The module
        does not read the interfaces of these IPs again.
      - An IP that an interface took in between makes the launch fail with the error of EC2 (the address
        is in use); nothing else is launched or changed after it, and the next run holds that IP.
    type: list
    elements: str
    default: []
    version_added: 0.3.0
  image_id:
    description:
      - AMI of the instances to launch. When omitted, the newest available x86_64 image named
        O(image_name) and owned by O(image_owner).
      - Used at launch only; existing instances are not replaced.
    type: str
  image_name:
    description:
      - Name pattern (C(*) wildcards) of the image when O(image_id) is omitted.
    type: str
    default: al2023-ami-2023.*-x86_64
  image_owner:
    description:
      - Owner (account id, or an alias such as V(amazon)) of the image when O(image_id) is omitted.
    type: str
    default: amazon
  instance_type:
    description:
      - Instance type of the instances to launch (at launch only).
    type: str
    default: t3.micro
  purge:
    description:
      - With O(state=present), terminate our demo instances whose IP is not listed.
    type: bool
    default: true
  wait:
    description:
      - Wait until the launched instances are V(running) and the terminated ones V(terminated), polling
        all of them together every 5 seconds (never in check mode).
      - "The wait runs in the action plugin of the same name, on the controller, which prints a progress
        line every 30 seconds, for example
        C([payments] waiting 30 s / 300 s: demo instance 10.0.1.40 (i-0a1b2c3d4e5f67890) pending; 0/1 ready).
        It polls with M(amazon.aws.ec2_instance_info) and the task's credentials. With C(async) the module
        waits by itself, silently."
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds O(wait) waits at most; on timeout the module fails naming each instance and
        its state.
    type: int
    default: 300
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  action:
    support: full
    details:
      - With O(wait), the action plugin of the same name runs the module with O(wait=false), then polls the
        instances (M(amazon.aws.ec2_instance_info)) on the controller and prints a progress line every 30
        seconds (see O(wait)).
  async:
    support: full
    details: With C(async) the module waits by itself, without progress lines.
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Reads only and returns the predicted result; instances that would be launched have a null id. It never waits.
  diff_mode:
    support: full
    details:
      - The demo instances keyed by IP, with the services they stand in for, their Name, instance id
        (V((new)) for one to launch), subnet and security groups.
  platform:
    platforms: aws
notes:
  - Permissions needed - C(ec2:DescribeInstances), C(ec2:DescribeNetworkInterfaces),
    C(ec2:DescribeSecurityGroups), C(ec2:DescribeSubnets), C(ec2:DescribeImages), C(ec2:RunInstances),
    C(ec2:CreateTags), C(ec2:ModifyNetworkInterfaceAttribute) and C(ec2:TerminateInstances).
  - Demo instances cost money on AWS. They run no service; they only give the target IPs a network
    interface, so that the path checks of M(multiaccount.apigateway.path_verify) find one.
seealso:
  - module: amazon.aws.ec2_instance
  - module: multiaccount.apigateway.service_security_groups
  - module: multiaccount.apigateway.path_verify
"""

EXAMPLES = r"""
- name: A stand-in instance at each service IP that nothing holds yet
  multiaccount.apigateway.demo_instances:
    vpc_id: vpc-0a1b2c3d4e5f67890
    gateway: open-banking
    instances:
      - ip: 10.0.1.25
        subnet_id: subnet-0a1b2c3d4e5f67890
        security_group_ids: [sg-0a1b2c3d4e5f67890]
        name: payments-demo
      - ip: 10.0.2.25
        subnet_id: subnet-0f1e2d3c4b5a69788
  register: demo

- name: Show the IPs the provider's own interfaces hold
  ansible.builtin.debug:
    msg: "{{ demo.held | map(attribute='ip') | list }}"

- name: Launch without waiting, with a given image
  multiaccount.apigateway.demo_instances:
    vpc_id: vpc-0a1b2c3d4e5f67890
    gateway: open-banking
    image_id: ami-0a1b2c3d4e5f67890
    instance_type: t3.nano
    instances:
      - {ip: 10.0.1.25, subnet_id: subnet-0a1b2c3d4e5f67890}
    wait: false

- name: Terminate every demo instance of the gateway in the VPC
  multiaccount.apigateway.demo_instances:
    vpc_id: vpc-0a1b2c3d4e5f67890
    gateway: open-banking
    state: absent

# Cross-account: the demo instances live in the provider account 222222222222; the module runs with
# that account's credentials, obtained once by assuming a role there.
- name: Assume the deployment role of the provider account
  amazon.aws.sts_assume_role:
    role_arn: arn:aws:iam::222222222222:role/apigateway-deployer
    role_session_name: demo-instances
  register: provider_role

- name: Work in the provider account
  module_defaults:
    group/multiaccount.apigateway.aws:
      access_key: "{{ provider_role.sts_creds.access_key }}"
      secret_key: "{{ provider_role.sts_creds.secret_key }}"
      session_token: "{{ provider_role.sts_creds.session_token }}"
      region: us-east-1
  block:
    - name: Stand-ins for the provider's service IPs
      multiaccount.apigateway.demo_instances:
        vpc_id: vpc-0a1b2c3d4e5f67890
        gateway: open-banking
        instances:
          - {ip: 10.0.1.25, subnet_id: subnet-0a1b2c3d4e5f67890}
"""

RETURN = r"""
instances:
  description:
    - The demo instances of the listed IPs (not the held ones) after the run, sorted by IP (predicted in
      check mode).
  returned: always
  type: list
  elements: dict
  contains:
    ip:
      description: Private IP of the instance.
      type: str
      sample: 10.0.1.25
    instance_id:
      description: The instance, null for one that would be launched (check mode).
      type: str
      sample: i-0a1b2c3d4e5f67890
    state:
      description:
        - State of the instance, for example V(running); from the last poll of the wait, or V(pending)
          right after launch without O(wait); null in check mode for an instance to launch.
      type: str
      sample: running
    subnet_id:
      description: Its subnet.
      type: str
      sample: subnet-0a1b2c3d4e5f67890
    security_group_ids:
      description: Security groups of its primary network interface.
      type: list
      elements: str
      sample: [sg-0a1b2c3d4e5f67890]
    name:
      description: Its C(Name) tag.
      type: str
      sample: payments-demo
    created:
      description: Whether this run launched (or would launch) it.
      type: bool
      sample: true
held:
  description: Listed IPs that another network interface of the VPC holds; no instance is launched for them.
  returned: always
  type: list
  elements: dict
  contains:
    ip:
      description: The IP.
      type: str
    network_interface_id:
      description: The interface that holds it.
      type: str
    instance_id:
      description: The instance of that interface, if any.
      type: str
    description:
      description: Description of the interface.
      type: str
  sample: [{ip: 10.0.1.10, network_interface_id: eni-0a1b2c3d4e5f67890, instance_id: i-0123456789abcdef0, description: ""}]
terminated:
  description: Demo instances this run terminated (or would terminate), sorted by IP.
  returned: always
  type: list
  elements: dict
  contains:
    ip:
      description: Its private IP.
      type: str
    instance_id:
      description: The instance.
      type: str
  sample: [{ip: 10.0.1.40, instance_id: i-0fedcba9876543210}]
actions:
  description: One line per change made (or that would be made, in check mode).
  returned: always
  type: list
  elements: str
  sample:
    - "launch demo instance 10.0.1.25 in subnet-0a1b2c3d4e5f67890 (t3.micro, ami-0a1b2c3d4e5f67890)"
    - "terminate demo instance i-0fedcba9876543210 (10.0.1.40)"
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils.diffs import module_diff, new_or, services_text
from ansible_collections.multiaccount.apigateway.plugins.module_utils.ec2_services import (
    GATEWAY_TAG_KEY,
    MANAGED_TAG_KEY,
    MANAGED_TAG_VALUE,
    SERVICE_TAG_KEY,
    AnsibleEc2ServicesError,
    check_launch_subnets,
    choose_image,
    client_token,
    create_tags,
    demo_filters,
    describe_images,
    describe_instances,
    describe_security_groups,
    describe_subnets,
    describe_waiting,
    finish_demo_groups,
    format_tags,
    image_filters,
    instances_by_id,
    ip_sort_key,
    modify_interface_groups,
    network_interfaces_where,
    normalise_instance,
    normalise_interface,
    plan_demo_instances,
    run_instance,
    run_params,
    terminate_instances,
    unread_launch_subnets,
    validate_demo_params,
    wait_for_instances,
)

# ---------------------------------------------------------------------------------------------
# Results, diff and actions (pure)
# ---------------------------------------------------------------------------------------------


def kept_result(entry):
    instance = entry["instance"]
    return {
        "ip": instance["ip"],
        "instance_id": instance["instance_id"],
        "state": instance["state"],
        "subnet_id": instance["subnet_id"],
        "security_group_ids": list(entry["groups_after"]),
        "name": entry["wanted"]["name"] if entry["wanted"]["name"] is not None else instance["name"],
        "created": False,
    }


def launch_result(wanted, launched=None):
    if launched is None:
        return {
            "ip": wanted["ip"],
            "instance_id": None,
            "state": None,
            "subnet_id": wanted["subnet_id"],
            "security_group_ids": list(wanted["security_group_ids"] or []),
            "name": wanted["name"],
            "created": True,
        }
    return {
        "ip": wanted["ip"],
        "instance_id": launched["instance_id"],
        "state": launched["state"],
        "subnet_id": launched["subnet_id"] or wanted["subnet_id"],
        "security_group_ids": [group["group_id"] for group in launched["security_groups"]],
        "name": wanted["name"],
        "created": True,
    }


def diff_entry(instance_id, subnet_id, group_ids, name, services):
    """A demo instance in the diff (keyed by its IP): the services it stands in for, its Name, its id
    (``(new)`` for one to launch), subnet and security groups."""
    return {
        "services": services_text((services or "").split()),
        "name": name,
        "instance_id": new_or(instance_id),
        "subnet_id": subnet_id,
        "security_group_ids": sorted(group_ids),
    }


def build_diff(current, instances, wanted=None):
    """``wanted``: the listed instances by IP (their tags name the services)."""
    wanted = wanted or {}
    before = {
        instance["ip"]: diff_entry(
            instance["instance_id"],
            instance["subnet_id"],
            [g["group_id"] for g in instance["security_groups"]],
            instance["name"],
            instance["tags"].get(SERVICE_TAG_KEY),
        )
        for instance in sorted(current, key=lambda i: ip_sort_key(i["ip"]))
    }
    after = {}
    for item in instances:
        tags = (wanted.get(item["ip"]) or {}).get("tags") or {}
        services = tags.get(SERVICE_TAG_KEY)
        if services is None:
            services = next((i["tags"].get(SERVICE_TAG_KEY) for i in current if i["ip"] == item["ip"]), None)
        after[item["ip"]] = diff_entry(
            item["instance_id"], item["subnet_id"], item["security_group_ids"], item["name"], services
        )
    return module_diff({"instances": before}, {"instances": after})


def build_actions(plan, image_id, instance_type):
    actions = []
    for wanted in plan["launch"]:
        groups = ", ".join(wanted["security_group_ids"] or ["the VPC's default group"])
        actions.append(
            f"launch demo instance {wanted['ip']} in {wanted['subnet_id']} ({instance_type}, {image_id}), groups {groups}"
        )
    for entry in plan["keep"]:
        instance = entry["instance"]
        if entry["set_groups"]:
            before = ", ".join(g["group_id"] for g in instance["security_groups"])
            actions.append(
                f"set the groups of {instance['instance_id']} ({instance['ip']}): {before} -> "
                f"{', '.join(entry['groups_after'])}"
            )
        if entry["set_tags"]:
            actions.append(f"tag {instance['instance_id']} ({instance['ip']}): {format_tags(entry['set_tags'])}")
    for instance in plan["terminate"]:
        actions.append(f"terminate demo instance {instance['instance_id']} ({instance['ip']})")
    return actions


# ---------------------------------------------------------------------------------------------
# Module
# ---------------------------------------------------------------------------------------------


def service_groups_among(ec2, gateway, group_ids):
    """The ids among ``group_ids`` that are service groups of this gateway (one DescribeSecurityGroups)."""
    filters = [
        {"Name": "group-id", "Values": list(group_ids)},
        {"Name": f"tag:{MANAGED_TAG_KEY}", "Values": [MANAGED_TAG_VALUE]},
        {"Name": f"tag:{GATEWAY_TAG_KEY}", "Values": [gateway]},
        {"Name": "tag-key", "Values": [SERVICE_TAG_KEY]},
    ]
    return [group["GroupId"] for group in describe_security_groups(ec2, filters)]


def resolve_image(module, ec2):
    """``(image_id, problem)``: the given image, or the newest one matching name and owner."""
    params = module.params
    if params["image_id"]:
        return params["image_id"], None
    image = choose_image(describe_images(ec2, [params["image_owner"]], image_filters(params["image_name"])))
    if image is None:
        return None, (
            f"image_name: no available {params['image_name']!r} x86_64 image owned by {params['image_owner']!r} "
            "in this region; set image_id or another image_name/image_owner"
        )
    return image["ImageId"], None


def ensure(module, ec2, checked):
    params = module.params
    state, vpc_id, gateway = params["state"], params["vpc_id"], params["gateway"]

    current = [normalise_instance(instance) for instance in describe_instances(ec2, demo_filters(vpc_id, gateway))]
    interfaces = []
    if state == "present":
        have = {instance["ip"] for instance in current}
        # The IPs the caller has just found free (free_ips) are not read again.
        unknown = [
            wanted["ip"]
            for wanted in checked["instances"]
            if wanted["ip"] not in have and wanted["ip"] not in checked["free_ips"]
        ]
        if unknown:
            found = network_interfaces_where(ec2, "addresses.private-ip-address", unknown, vpc_id)
            interfaces = [normalise_interface(interface) for interface in found]
    plan = plan_demo_instances(checked["instances"], current, interfaces, gateway, params["purge"], state)
    service_ids = service_groups_among(ec2, gateway, plan["extra_groups"]) if plan["extra_groups"] else []
    finish_demo_groups(plan, service_ids)

    problems = list(plan["problems"])
    image_id = None
    if plan["launch"]:
        unread = unread_launch_subnets(plan["launch"])
        subnets = describe_subnets(ec2, unread) if unread else []
        problems.extend(check_launch_subnets(plan["launch"], subnets, vpc_id))
        image_id, problem = resolve_image(module, ec2)
        if problem:
            problems.append(problem)
    if problems:
        module.fail_json(msg="; ".join(problems), problems=problems)

    changed = bool(
        plan["launch"] or plan["terminate"] or any(entry["set_groups"] or entry["set_tags"] for entry in plan["keep"])
    )
    actions = build_actions(plan, image_id, params["instance_type"])
    launched = {}
    if not module.check_mode and changed:
        for wanted in plan["launch"]:
            response = run_instance(ec2, run_params(wanted, image_id, params["instance_type"], gateway, client_token()))
            launched[wanted["ip"]] = normalise_instance(response)
        for entry in plan["keep"]:
            instance = entry["instance"]
            if entry["set_groups"] and instance["primary_interface_id"]:
                modify_interface_groups(ec2, instance["primary_interface_id"], entry["groups_after"])
            if entry["set_tags"]:
                create_tags(ec2, [instance["instance_id"]], entry["set_tags"])
        if plan["terminate"]:
            terminate_instances(ec2, [instance["instance_id"] for instance in plan["terminate"]])

    instances = [kept_result(entry) for entry in plan["keep"]]
    instances += [launch_result(wanted, launched.get(wanted["ip"])) for wanted in plan["launch"]]
    instances.sort(key=lambda item: ip_sort_key(item["ip"]))
    result = dict(
        changed=changed,
        instances=instances,
        held=plan["held"],
        terminated=[{"ip": i["ip"], "instance_id": i["instance_id"]} for i in plan["terminate"]],
        actions=actions,
        diff=build_diff(current, instances, {wanted["ip"]: wanted for wanted in checked["instances"]}),
    )

    want = {item["instance_id"]: "running" for item in instances if item["created"] and item["instance_id"]}
    want.update({instance["instance_id"]: "terminated" for instance in plan["terminate"]})
    if params["wait"] and want and not module.check_mode:
        states, pending, failed = wait_for_instances(lambda: instances_by_id(ec2, want), want, params["wait_timeout"])
        for item in instances:
            if item["instance_id"] in states:
                item["state"] = states[item["instance_id"]]
        if failed:
            module.fail_json(msg=f"Demo instances that will never run: {describe_waiting(failed)}", **result)
        if pending:
            module.fail_json(
                msg=f"Timed out after {params['wait_timeout']} s waiting for demo instances: {describe_waiting(pending)}",
                **result,
            )
    return result


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        vpc_id=dict(type="str", required=True),
        gateway=dict(type="str", required=True),
        instances=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                ip=dict(type="str", required=True),
                subnet_id=dict(type="str", required=True),
                subnet_cidr=dict(type="str"),
                security_group_ids=dict(type="list", elements="str"),
                name=dict(type="str"),
                tags=dict(type="dict", default={}),
            ),
        ),
        image_id=dict(type="str"),
        image_name=dict(type="str", default="al2023-ami-2023.*-x86_64"),
        image_owner=dict(type="str", default="amazon"),
        instance_type=dict(type="str", default="t3.micro"),
        free_ips=dict(type="list", elements="str", default=[]),
        purge=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)

    try:
        checked = validate_demo_params(module.params)
    except ValueError as error:
        module.fail_json(msg=str(error))

    ec2 = module.client("ec2")
    try:
        result = ensure(module, ec2, checked)
    except AnsibleEc2ServicesError as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
