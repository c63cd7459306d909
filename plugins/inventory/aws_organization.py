# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: aws_organization
short_description: One host per AWS account of an organisation, in the collection's inventory contract
version_added: 0.2.0
description:
  - Builds the inventory of C(playbooks/site.yml) from AWS Organizations instead of one C(host_vars) file per
    account, in the public inventory contract of the collection (groups C(shared_services) and C(providers),
    C(aws_account_id), C(aws_region), C(aws_role_arn), the C(provider_vpc_*), C(shared_gateway_*) and
    C(api_publish_*) keys).
  - Lists the ACTIVE accounts of the whole organisation, or of the OUs of O(organizational_units) and every
    OU below them; other states (suspended, pending closure) are left out.
  - Makes one host per account, named by its O(hostname_tag) tag, else by its account name made into a host
    name (lower case, runs of other characters than letters and digits become C(-)).
  - Each host gets C(ansible_connection=local), C(aws_account_id), C(aws_region) (O(default_region) unless a
    tag or the catalogue sets it), C(aws_role_arn) (C(arn:<partition>:iam::<id>:role/<account_role_name>),
    the role that C(multiaccount.apigateway.account_credentials) assumes), C(ansible_python_interpreter)
    (O(python_interpreter)), and for information C(aws_organization_id), C(aws_organization_account_name),
    C(aws_organization_ou_path) (such as C(Root/Workloads/Cards)), C(aws_organization_parent_id) and
    C(aws_organization_tags).
  - The gateway account goes to group C(shared_services), provider accounts to C(providers). Precedence - the
    account's O(group_tag) tag (V(gateway) or V(provider)), then O(gateway_account_id), then O(gateway_ou),
    then O(provider_ous). Other accounts (the management account, sandboxes) are left out; C(-vvv) says why.
  - Each host's other keys come from its catalogue entry - a YAML file of host variables in O(catalogue_dir)
    named C(<account id>.yml) or C(<host name>.yml) - and from account tags (O(var_tag_prefix),
    O(service_tag_prefix)). A gateway or provider without an entry is an error naming the account and the
    file expected (see O(catalogue_required)).
  - It only produces host variables; the C(multiaccount.apigateway.preflight) role checks and plans them.
  - The configuration file name must end with C(aws_organization.yml) or C(aws_organization.yaml).
  - The organisation is read with the credentials of the options or the environment (the management account
    or a delegated administrator); boto3 honours E(AWS_ENDPOINT_URL) (the local emulator). IAM needs
    C(organizations:DescribeOrganization), C(ListRoots), C(ListOrganizationalUnitsForParent),
    C(ListAccountsForParent) and C(ListTagsForResource).
author:
  - multiaccount.apigateway maintainers (@multiaccount)
extends_documentation_fragment:
  - inventory_cache
  - constructed
  - amazon.aws.boto3
  - amazon.aws.common.plugins
  - amazon.aws.region.plugins
  - amazon.aws.assume_role.plugins
options:
  plugin:
    description: Marks the file as a configuration of this plugin.
    required: true
    type: str
    choices: [multiaccount.apigateway.aws_organization]
  organizational_units:
    description:
      - Roots or OUs whose accounts become hosts, with every OU below them.
      - Each entry is an OU id (C(ou-...)), a root id (C(r-...)) or a path of OU names from the root, such as
        C(/Workloads) or C(Root/Workloads/Cards) (names are case-sensitive).
      - Empty means the whole organisation.
    type: list
    elements: str
    default: []
  gateway_account_id:
    description:
      - Id of the gateway account (group C(shared_services)), when no O(group_tag) tag says it.
      - Quote it in YAML so leading zeros survive.
    type: str
  gateway_ou:
    description:
      - An account anywhere below this OU (id or path, as in O(organizational_units)) is the gateway account,
        unless its O(group_tag) tag says otherwise.
    type: str
  provider_ous:
    description:
      - An account anywhere below one of these OUs (ids or paths) is a provider (group C(providers)), unless
        its O(group_tag) tag, O(gateway_account_id) or O(gateway_ou) says otherwise.
    type: list
    elements: str
    default: []
  group_tag:
    description:
      - Account tag whose value, V(gateway) or V(provider), puts the account in C(shared_services) or
        C(providers). Any other value is an error. It takes precedence over the other group options.
      - Empty means no tag is read for the group.
    type: str
    default: "apigateway:role"
  hostname_tag:
    description:
      - Account tag holding the host name of the account; without it the account name, made safe, is used.
    type: str
    default: "apigateway:hostname"
  var_tag_prefix:
    description:
      - An account tag C(<prefix><key>) sets the string host variable C(<key>), e.g.
        C(apigateway:var:aws_region=us-west-2) or C(apigateway:var:provider_vpc_cidr=10.1.0.0/16).
      - AWS Organizations tag values accept only letters, digits, spaces and the characters C(_.:/=+-@), so lists and
        mappings (C(shared_gateway_subnets)) belong in the catalogue file.
      - A key set both by a tag and by the catalogue file to different values is an error.
      - Empty means no such tags are read.
    type: str
    default: "apigateway:var:"
  service_tag_prefix:
    description:
      - An account tag C(<prefix><name>) with the value C(port=8080 path=payments targets=10.0.1.25+10.0.2.25)
        (optional C(listener_port=9080)) adds service C(<name>) to C(provider_vpc_services); targets are joined
        with C(+).
      - Empty means no such tags are read.
    type: str
    default: "apigateway:service:"
  catalogue_dir:
    description:
      - Directory of the catalogue, one YAML file of host variables per account, named C(<account id>.yml)
        or C(<host name>.yml) (C(.yaml) too; two files for one account are an error).
      - A relative path is relative to the directory of the configuration file.
      - Templates in these files are rendered like C(host_vars); values from AWS tags never are.
    type: str
  catalogue_required:
    description:
      - Fail when a gateway or provider account has neither a catalogue file nor tags that describe it
        (a provider's services, any C(shared_gateway_*) / C(api_publish_*) key of the gateway).
      - Set V(false) when C(group_vars) / C(host_vars) next to the configuration file give those keys.
    type: bool
    default: true
  account_role_name:
    description:
      - Role assumed in each account by the role C(multiaccount.apigateway.account_credentials); sets C(aws_role_arn) to
        C(arn:<partition>:iam::<account id>:role/<account_role_name>).
      - Empty leaves C(aws_role_arn) unset (the catalogue may set it, or C(aws_profile)).
    type: str
    default: OrganizationAccountAccessRole
  default_region:
    description:
      - C(aws_region) of an account whose tags and catalogue entry do not set it.
    type: str
    default: us-east-1
  python_interpreter:
    description:
      - C(ansible_python_interpreter) of every host (the modules run on the controller and need boto3).
      - V(ansible_playbook_python) (the default) sets it to C({{ ansible_playbook_python }}), the Python that
        runs C(ansible-playbook); any other value is a path used as it is; empty leaves it unset.
    type: str
    default: ansible_playbook_python
notes:
  - The organisation is cached (O(cache)) as read from AWS; the catalogue files are read at every run.
  - Values that come from AWS tags are never templated.
  - The variables set here are host variables and win over C(group_vars) next to the configuration file; set
    O(default_region), O(account_role_name) and O(python_interpreter) rather than C(aws_region),
    C(account_credentials_role_name) or C(ansible_python_interpreter) in C(group_vars/all.yml).
seealso:
  - name: User guide
    description: IAM permissions, configuration and catalogue format (docs/aws_organization_inventory.md).
    link: https://github.com/multiaccount/apigateway/blob/main/docs/aws_organization_inventory.md
"""

EXAMPLES = r"""
# inventories/org/apigateway.aws_organization.yml: the gateway tagged apigateway:role=gateway, every
# account below the Workloads OU a provider, one catalogue file per account.
plugin: multiaccount.apigateway.aws_organization
provider_ous:
  - /Workloads
catalogue_dir: catalogue

---
# Only the accounts below two OUs; the gateway by id; cache the organisation for an hour.
plugin: multiaccount.apigateway.aws_organization
organizational_units:
  - ou-ab12-platform1
  - Root/Workloads/Payments
gateway_account_id: "111111111111"
provider_ous:
  - Root/Workloads/Payments
catalogue_dir: /etc/apigateway/catalogue
account_role_name: ApiGatewayDeployer
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible-aws-organization
cache_timeout: 3600
# One group per region and per OU path, for --limit.
keyed_groups:
  - key: aws_region
    prefix: region
  - key: aws_organization_ou_path
    prefix: ou

---
# Read the organisation from the management account, through a role of its own.
plugin: multiaccount.apigateway.aws_organization
assume_role_arn: arn:aws:iam::999999999999:role/OrganizationReadOnly
gateway_ou: /Platform
provider_ous: [/Workloads]
catalogue_dir: catalogue

# catalogue/payments.yml (or catalogue/222222222222.yml):
#   provider_vpc_cidr: 10.0.0.0/16
#   provider_vpc_services:
#     - {name: payments, port: 8080, path: payments, targets: [10.0.1.25]}
#
# or, with no file, account tags only:
#   apigateway:role = provider
#   apigateway:var:provider_vpc_cidr = 10.0.0.0/16
#   apigateway:service:payments = port=8080 path=payments targets=10.0.1.25
"""

import os

try:
    import botocore
except ImportError:
    pass  # AWSInventoryBase.parse reports the missing SDK

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_native
from ansible.utils.unsafe_proxy import wrap_var
from ansible_collections.amazon.aws.plugins.plugin_utils.inventory import AWSInventoryBase
from ansible_collections.multiaccount.apigateway.plugins.module_utils.organization import (
    GROUPS,
    OrganizationInventoryError,
    account_label,
    build_hosts,
    read_organization,
)

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19 templates every inventory string

    def trust_as_template(value):
        return value


# python_interpreter value that stands for the Python running ansible-playbook.
PLAYBOOK_PYTHON = "ansible_playbook_python"

# What a failing Organizations call needs, by error code.
ERROR_HINTS = {
    "AWSOrganizationsNotInUseException": "the credentials' account is not in an organisation; "
    "run with credentials of the management account or of a delegated administrator",
    "AccessDeniedException": "allow organizations:DescribeOrganization, ListRoots, ListOrganizationalUnitsForParent, "
    "ListAccountsForParent and ListTagsForResource, from the management account or a delegated administrator",
}


class InventoryModule(AWSInventoryBase):
    NAME = "multiaccount.apigateway.aws_organization"
    INVENTORY_FILE_SUFFIXES = ("aws_organization.yml", "aws_organization.yaml")

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache=cache)
        options = self._build_options(path)

        cached, snapshot = self.get_cached_result(path, cache)
        if not cached or not isinstance(snapshot, dict) or snapshot.get("scope") != options["organizational_units"]:
            cached = False
            snapshot = self._read(options["organizational_units"])

        try:
            hosts, notes = build_hosts(snapshot, options, load_file=self._load_catalogue)
        except OrganizationInventoryError as error:
            raise AnsibleParserError(f"aws_organization inventory {path}: {error}") from None

        for note in notes:
            self.display.vvv(f"aws_organization: {note}")
        self._populate(hosts, options)
        self.update_cached_result(path, cache and cached, snapshot)

    def _build_options(self, path):
        options = {
            name: self.get_option(name)
            for name in (
                "organizational_units",
                "gateway_account_id",
                "gateway_ou",
                "provider_ous",
                "group_tag",
                "hostname_tag",
                "var_tag_prefix",
                "service_tag_prefix",
                "catalogue_required",
                "account_role_name",
                "default_region",
                "python_interpreter",
            )
        }
        for name in ("organizational_units", "provider_ous"):
            value = options[name] or []
            if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
                raise AnsibleParserError(
                    f"aws_organization inventory {path}: {name}: {value!r} is not a list of OU ids or paths; "
                    f"write e.g. {name}: [/Workloads, ou-ab12-cdef3456]"
                )
            options[name] = [item.strip() for item in value]
        directory = self.get_option("catalogue_dir")
        if directory:
            directory = os.path.expanduser(str(directory))
            if not os.path.isabs(directory):
                directory = os.path.join(os.path.dirname(os.path.abspath(path)), directory)
            if not os.path.isdir(directory):
                raise AnsibleParserError(
                    f"aws_organization inventory {path}: catalogue_dir: {directory} is not a directory; create it "
                    "(one <account id>.yml or <host name>.yml per account) or fix the path (relative paths start "
                    "at the directory of the configuration file)"
                )
        options["catalogue_dir"] = directory or None
        return options

    def _read(self, scope):
        client = self.client("organizations", region=self.region or "us-east-1")
        try:
            snapshot = read_organization(client, scope)
        except OrganizationInventoryError as error:
            raise AnsibleParserError(f"aws_organization: {error}") from None
        except botocore.exceptions.ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            operation = getattr(error, "operation_name", "") or "an Organizations call"
            hint = ERROR_HINTS.get(code, "check the credentials (options, environment or profile) and the region")
            raise AnsibleError(f"aws_organization: {operation} failed ({to_native(error)}); {hint}") from None
        except botocore.exceptions.BotoCoreError as error:
            raise AnsibleError(
                f"aws_organization: cannot reach AWS Organizations ({to_native(error)}); "
                "check the credentials, endpoint_url / AWS_ENDPOINT_URL and the network"
            ) from None
        snapshot["scope"] = list(scope)
        return snapshot

    def _load_catalogue(self, path):
        """A catalogue file, parsed like host_vars (its templates are trusted, as host_vars are)."""
        try:
            try:
                return self.loader.load_from_file(path, cache="none", trusted_as_template=True)
            except TypeError:  # ansible-core < 2.19
                return self.loader.load_from_file(path, cache=False)
        except AnsibleError as error:
            raise OrganizationInventoryError(
                f"catalogue file {path} is not valid YAML ({to_native(error.message)}); fix its syntax"
            ) from None

    def _populate(self, hosts, options):
        for group in GROUPS.values():
            self.inventory.add_group(group)
        strict = self.get_option("strict")
        interpreter = options.get("python_interpreter")
        if interpreter == PLAYBOOK_PYTHON:
            interpreter = trust_as_template("{{ ansible_playbook_python }}")
        for host in hosts:
            name = host["name"]
            self.inventory.add_host(name, group=host["group"])
            self.display.vvv(
                f"aws_organization: host {name} = account {account_label(host['account'])} in {host['group']} "
                f"({host['reason']}), catalogue file {host['catalogue'] or 'none (tags only)'}"
            )
            for key, value in host["vars"].items():
                # Values from AWS tags are data, never templates.
                self.inventory.set_variable(name, key, wrap_var(value) if key in host["raw_vars"] else value)
            if interpreter and "ansible_python_interpreter" not in host["vars"]:
                self.inventory.set_variable(name, "ansible_python_interpreter", interpreter)
            hostvars = self.inventory.get_host(name).get_vars()
            self._set_composite_vars(self.get_option("compose"), hostvars, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), hostvars, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, name, strict=strict)
