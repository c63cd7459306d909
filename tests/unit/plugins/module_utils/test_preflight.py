# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One test per preflight check: the valid inventory passes, each fault is named by host and field."""

import copy

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils.preflight import check_inventory, format_finding

VALID = [
    {
        "host": "shared-services",
        "kind": "shared",
        "vars": {
            "aws_account_id": "111111111111",
            "shared_gateway_vpc_cidr": "10.100.0.0/16",
            "shared_gateway_subnets": [
                {"cidr": "10.100.1.0/24", "az": "us-east-1a"},
                {"cidr": "10.100.2.0/24", "az": "us-east-1b"},
            ],
            "shared_gateway_nlb_strategy": "shared",
            "api_publish_name": "open-banking",
            "api_publish_stage": "v1",
            "api_publish_default_authorization": "NONE",
        },
    },
    {
        "host": "payments",
        "kind": "provider",
        "vars": {
            "aws_account_id": "222222222222",
            "provider_vpc_cidr": "10.0.0.0/16",
            "provider_vpc_services": [
                {"name": "payments", "port": 8080, "path": "payments", "targets": ["10.0.1.25"]},
            ],
        },
    },
    {
        "host": "cards",
        "kind": "provider",
        "vars": {
            "aws_account_id": "333333333333",
            "aws_region": "eu-west-1",
            "provider_vpc_cidr": "10.1.0.0/16",
            "provider_vpc_services": [
                {"name": "cards", "port": 8081, "path": "/cards/v2/", "targets": ["10.1.1.10", "10.1.2.10"]},
            ],
        },
    },
]


@pytest.fixture(name="accounts")
def fixture_accounts():
    return copy.deepcopy(VALID)


def host_vars(accounts, host):
    return next(account["vars"] for account in accounts if account["host"] == host)


def service(accounts, host, index=0):
    return host_vars(accounts, host)["provider_vpc_services"][index]


def matching(findings, host, field, text):
    return [
        finding
        for finding in findings
        if finding["host"] == host and finding["field"] == field and text.lower() in finding["message"].lower()
    ]


def assert_error(result, host, field, text, only=True):
    """The error names ``host`` and ``field``, says ``text``, and tells how to fix it after '; '."""
    found = matching(result["errors"], host, field, text)
    assert found, f"no error {host}: {field}: ...{text}... in {[format_finding(e) for e in result['errors']]}"
    line = format_finding(found[0])
    assert line.startswith(f"{host}: {field}: ") and "; " in found[0]["message"], line
    if only:
        assert len(result["errors"]) == 1, [format_finding(e) for e in result["errors"]]
    return found[0]


def assert_warning(result, host, field, text):
    found = matching(result["warnings"], host, field, text)
    assert found, f"no warning {host}: {field}: ...{text}... in {[format_finding(w) for w in result['warnings']]}"
    assert not result["errors"], [format_finding(e) for e in result["errors"]]
    return found[0]


# --- the valid inventory -------------------------------------------------------------------------


def test_valid_inventory_passes(accounts):
    result = check_inventory(accounts)
    assert result["errors"] == []
    assert result["warnings"] == []
    assert result["checked"] == {"accounts": 3, "services": 2, "cidrs": 5}
    assert result["services"] == [
        {
            "name": "payments",
            "provider": "payments",
            "port": 8080,
            "listener_port": 8080,
            "path": "payments",
            "targets": ["10.0.1.25"],
            "health_check": {},
            "access": {
                "authorization": None,
                "authorizer": None,
                "authorization_scopes": None,
                "api_key_required": None,
                "throttle": None,
            },
            "field": "provider_vpc_services[0]",
        },
        {
            "name": "cards",
            "provider": "cards",
            "port": 8081,
            "listener_port": 8081,
            "path": "cards/v2",
            "targets": ["10.1.1.10", "10.1.2.10"],
            "health_check": {},
            "access": {
                "authorization": None,
                "authorizer": None,
                "authorization_scopes": None,
                "api_key_required": None,
                "throttle": None,
            },
            "field": "provider_vpc_services[0]",
        },
    ]


def test_input_is_not_modified(accounts):
    check_inventory(accounts)
    assert accounts == VALID


def test_null_values_count_as_missing_and_optional_keys_default(accounts):
    shared = host_vars(accounts, "shared-services")
    shared["shared_gateway_nlb_strategy"] = None
    host_vars(accounts, "payments")["aws_region"] = None
    assert check_inventory(accounts)["errors"] == []


# --- structure ---------------------------------------------------------------------------------


def test_no_shared_host(accounts):
    assert_error(check_inventory(accounts[1:]), "inventory", "shared_services", "has no host")


def test_two_shared_hosts(accounts):
    second = copy.deepcopy(accounts[0])
    second["host"] = "shared-2"
    second["vars"].update(aws_account_id="444444444444", shared_gateway_vpc_cidr="10.200.0.0/16")
    second["vars"]["shared_gateway_subnets"] = [{"cidr": "10.200.1.0/24", "az": "us-east-1a"}]
    result = check_inventory(accounts + [second])
    error = assert_error(result, "inventory", "shared_services", "has 2 hosts", only=False)
    assert "shared-services, shared-2" in error["message"]


def test_no_provider(accounts):
    assert_error(check_inventory(accounts[:1]), "inventory", "providers", "has no host")


def test_empty_accounts():
    result = check_inventory([])
    assert {(e["host"], e["field"]) for e in result["errors"]} == {
        ("inventory", "shared_services"),
        ("inventory", "providers"),
    }
    assert result["checked"] == {"accounts": 0, "services": 0, "cidrs": 0}


def test_host_in_both_groups(accounts):
    accounts.append({"host": "payments", "kind": "shared", "vars": accounts[0]["vars"]})
    assert_error(check_inventory(accounts), "payments", "groups", "in both shared_services and providers")


def test_host_listed_twice(accounts):
    accounts.append(copy.deepcopy(accounts[1]))
    assert_error(check_inventory(accounts), "payments", "host", "listed twice")


def test_unknown_kind(accounts):
    accounts[2]["kind"] = "consumer"
    assert_error(check_inventory(accounts), "cards", "kind", "not an account kind")


def test_account_without_host(accounts):
    del accounts[2]["host"]
    assert_error(check_inventory(accounts), "inventory", "accounts[2].host", "is missing")


def test_vars_not_a_mapping(accounts):
    accounts[2]["vars"] = ["provider_vpc_cidr"]
    assert_error(check_inventory(accounts), "cards", "vars", "must be a mapping")


@pytest.mark.parametrize(
    "key",
    ["aws_account_id", "shared_gateway_vpc_cidr", "shared_gateway_subnets", "api_publish_name", "api_publish_stage"],
)
def test_shared_required_key_missing(accounts, key):
    del host_vars(accounts, "shared-services")[key]
    assert_error(check_inventory(accounts), "shared-services", key, "is missing")


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("shared_gateway_subnets", "10.100.1.0/24", "must be a list, got a string"),
        ("shared_gateway_vpc_cidr", ["10.100.0.0/16"], "must be a string, got a list"),
        ("api_publish_name", 42, "must be a string, got an integer"),
        ("api_publish_stage", True, "must be a string, got a boolean"),
    ],
)
def test_shared_key_wrong_type(accounts, key, value, expected):
    host_vars(accounts, "shared-services")[key] = value
    assert_error(check_inventory(accounts), "shared-services", key, expected)


def test_shared_gateway_subnets_empty(accounts):
    host_vars(accounts, "shared-services")["shared_gateway_subnets"] = []
    assert_error(check_inventory(accounts), "shared-services", "shared_gateway_subnets", "at least one subnet")


def test_shared_gateway_subnet_not_a_mapping(accounts):
    host_vars(accounts, "shared-services")["shared_gateway_subnets"][1] = "10.100.2.0/24"
    assert_error(check_inventory(accounts), "shared-services", "shared_gateway_subnets[1]", "must be a mapping")


@pytest.mark.parametrize("key", ["cidr", "az"])
def test_shared_gateway_subnet_key_missing(accounts, key):
    del host_vars(accounts, "shared-services")["shared_gateway_subnets"][1][key]
    assert_error(check_inventory(accounts), "shared-services", f"shared_gateway_subnets[1].{key}", "is missing")


def test_single_availability_zone_is_a_warning(accounts):
    host_vars(accounts, "shared-services")["shared_gateway_subnets"].pop()
    result = check_inventory(accounts)
    assert_warning(result, "shared-services", "shared_gateway_subnets", "only one Availability Zone")


def test_unknown_subnet_key_is_a_warning(accounts):
    host_vars(accounts, "shared-services")["shared_gateway_subnets"][0]["zone"] = "us-east-1a"
    assert_warning(check_inventory(accounts), "shared-services", "shared_gateway_subnets[0].zone", "not a subnet key")


def test_nlb_strategy_invalid(accounts):
    host_vars(accounts, "shared-services")["shared_gateway_nlb_strategy"] = "per-service"
    assert_error(check_inventory(accounts), "shared-services", "shared_gateway_nlb_strategy", "not a strategy")


@pytest.mark.parametrize("stage", ["v 1", "prod.eu", "v1/", "x" * 129])
def test_stage_name_invalid(accounts, stage):
    host_vars(accounts, "shared-services")["api_publish_stage"] = stage
    assert_error(check_inventory(accounts), "shared-services", "api_publish_stage", "not a valid stage name")


@pytest.mark.parametrize("key", ["aws_account_id", "provider_vpc_services"])
def test_provider_required_key_missing(accounts, key):
    del host_vars(accounts, "payments")[key]
    assert_error(check_inventory(accounts), "payments", key, "is missing")


def test_provider_needs_vpc_cidr_or_vpc_id(accounts):
    del host_vars(accounts, "payments")["provider_vpc_cidr"]
    assert_error(
        check_inventory(accounts), "payments", "provider_vpc_cidr", "so are provider_vpc_id and provider_vpc_tags"
    )


def test_provider_adopting_by_tags_without_cidr_defers_the_overlap_check(accounts):
    payments = host_vars(accounts, "payments")
    del payments["provider_vpc_cidr"]
    payments["provider_vpc_tags"] = {"Name": "payments"}
    result = check_inventory(accounts)
    assert_warning(result, "payments", "provider_vpc_cidr", "provider_vpc_tags {'Name': 'payments'}")


@pytest.mark.parametrize("tags", [["Name=payments"], "Name=payments", {"": "x"}])
def test_provider_vpc_tags_malformed(accounts, tags):
    host_vars(accounts, "payments")["provider_vpc_tags"] = tags
    assert_error(check_inventory(accounts), "payments", "provider_vpc_tags", "not a mapping of tag keys")


def test_provider_adopting_without_cidr_defers_the_overlap_check(accounts):
    payments = host_vars(accounts, "payments")
    del payments["provider_vpc_cidr"]
    payments["provider_vpc_id"] = "vpc-0a1b2c3d4e5f60718"
    # the target could not be checked against the CIDR either: no error, one warning
    payments["provider_vpc_services"][0]["targets"] = ["10.77.0.5"]
    result = check_inventory(accounts)
    assert_warning(result, "payments", "provider_vpc_cidr", "deferred to the provider_vpc role")
    assert result["services"][0]["targets"] == ["10.77.0.5"]


def test_provider_adopting_with_cidr_checks_that_cidr(accounts):
    payments = host_vars(accounts, "payments")
    payments["provider_vpc_id"] = "vpc-0a1b2c3d"
    payments["provider_vpc_cidr"] = "10.100.0.0/20"
    payments["provider_vpc_services"][0]["targets"] = ["10.100.0.25"]
    result = check_inventory(accounts)
    assert_error(result, "payments", "provider_vpc_cidr", "overlaps shared-services: shared_gateway_vpc_cidr")
    assert result["warnings"] == []


@pytest.mark.parametrize("vpc_id", ["vpc-123", "vpc-0A1B2C3D", "subnet-0a1b2c3d", "0a1b2c3d"])
def test_provider_vpc_id_malformed(accounts, vpc_id):
    host_vars(accounts, "payments")["provider_vpc_id"] = vpc_id
    assert_error(check_inventory(accounts), "payments", "provider_vpc_id", "is not a VPC id")


def test_provider_services_not_a_list(accounts):
    host_vars(accounts, "payments")["provider_vpc_services"] = {"name": "payments"}
    assert_error(check_inventory(accounts), "payments", "provider_vpc_services", "must be a list, got a mapping")


def test_provider_without_services_is_a_warning(accounts):
    host_vars(accounts, "payments")["provider_vpc_services"] = []
    assert_warning(check_inventory(accounts), "payments", "provider_vpc_services", "publishes nothing")


def test_service_not_a_mapping(accounts):
    host_vars(accounts, "payments")["provider_vpc_services"].append("orders")
    assert_error(check_inventory(accounts), "payments", "provider_vpc_services[1]", "must be a mapping")


@pytest.mark.parametrize("key", ["name", "port", "path", "targets"])
def test_service_required_key_missing(accounts, key):
    del service(accounts, "payments")[key]
    text = "path is empty" if key == "path" else "is missing"
    assert_error(check_inventory(accounts), "payments", f"provider_vpc_services[0].{key}", text)


def test_unknown_service_key_is_a_warning(accounts):
    service(accounts, "payments")["listner_port"] = 9000
    result = check_inventory(accounts)
    assert_warning(result, "payments", "provider_vpc_services[0].listner_port", "not a service key")


# --- malformed values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("12345", "not a 12-digit AWS account id"),
        ("11111111111a", "not a 12-digit AWS account id"),
        ("1111 1111 1111", "not a 12-digit AWS account id"),
        (222222222222, "is an integer, not a string"),
    ],
)
def test_account_id_malformed(accounts, value, expected):
    host_vars(accounts, "payments")["aws_account_id"] = value
    assert_error(check_inventory(accounts), "payments", "aws_account_id", expected)


@pytest.mark.parametrize("region", ["us-east", "US-EAST-1", "useast1", 1])
def test_region_malformed(accounts, region):
    host_vars(accounts, "payments")["aws_region"] = region
    assert_error(check_inventory(accounts), "payments", "aws_region", "not an AWS region name")


@pytest.mark.parametrize(
    "cidr, expected",
    [
        ("10.0.0.1/16", "not a valid IPv4 CIDR block"),
        ("10.0.0.0/33", "not a valid IPv4 CIDR block"),
        ("banana", "not a valid IPv4 CIDR block"),
        ("fd00::/56", "IPv6"),
        ("10.0.0.0/8", "AWS accepts VPC CIDR blocks from /16 to /28"),
        ("10.0.0.0/29", "AWS accepts VPC CIDR blocks from /16 to /28"),
    ],
)
def test_vpc_cidr_malformed(accounts, cidr, expected):
    host_vars(accounts, "payments")["provider_vpc_cidr"] = cidr
    assert_error(check_inventory(accounts), "payments", "provider_vpc_cidr", expected)


def test_gateway_vpc_cidr_malformed(accounts):
    host_vars(accounts, "shared-services")["shared_gateway_vpc_cidr"] = "10.100.0.0/33"
    result = check_inventory(accounts)
    assert_error(result, "shared-services", "shared_gateway_vpc_cidr", "not a valid IPv4 CIDR block")


def test_gateway_subnet_cidr_malformed(accounts):
    host_vars(accounts, "shared-services")["shared_gateway_subnets"][0]["cidr"] = "10.100.1.1/24"
    result = check_inventory(accounts)
    assert_error(result, "shared-services", "shared_gateway_subnets[0].cidr", "not a valid IPv4 CIDR block")


@pytest.mark.parametrize(
    "target, expected",
    [
        ("10.0.1.300", "not an IPv4 address"),
        ("payments.internal", "not an IPv4 address"),
        ("fd00::25", "IPv6"),
    ],
)
def test_target_ip_malformed(accounts, target, expected):
    service(accounts, "payments")["targets"] = ["10.0.1.25", target]
    assert_error(check_inventory(accounts), "payments", "provider_vpc_services[0].targets[1]", expected)


@pytest.mark.parametrize("targets, expected", [("10.0.1.25", "must be a list"), ([], "is empty")])
def test_targets_not_a_list(accounts, targets, expected):
    service(accounts, "payments")["targets"] = targets
    assert_error(check_inventory(accounts), "payments", "provider_vpc_services[0].targets", expected)


def test_target_ip_not_private(accounts):
    payments = host_vars(accounts, "payments")
    payments["provider_vpc_cidr"] = "52.0.0.0/16"
    payments["provider_vpc_services"][0]["targets"] = ["52.0.1.25"]
    result = check_inventory(accounts)
    assert_error(result, "payments", "provider_vpc_services[0].targets[0]", "not a private address")


def test_target_ip_listed_twice(accounts):
    service(accounts, "payments")["targets"] = ["10.0.1.25", "10.0.1.25"]
    assert_error(check_inventory(accounts), "payments", "provider_vpc_services[0].targets[1]", "listed twice")


@pytest.mark.parametrize("port", [0, 65536, "http", True, "80.5", None])
def test_service_port_malformed(accounts, port):
    service(accounts, "payments")["port"] = port
    text = "is missing" if port is None else "not a port number"
    assert_error(check_inventory(accounts), "payments", "provider_vpc_services[0].port", text)


def test_service_port_as_string_is_accepted(accounts):
    service(accounts, "payments")["port"] = "8080"
    result = check_inventory(accounts)
    assert result["errors"] == []
    assert result["services"][0]["port"] == 8080


@pytest.mark.parametrize("port", [0, 70000, "https"])
def test_listener_port_malformed(accounts, port):
    service(accounts, "payments")["listener_port"] = port
    assert_error(check_inventory(accounts), "payments", "provider_vpc_services[0].listener_port", "not a port number")


@pytest.mark.parametrize(
    "path, expected",
    [
        ("", "path is empty"),
        ("/", "path is empty"),
        ("pay ments", "invalid path part"),
        ("{proxy+}", "invalid path part"),
    ],
)
def test_path_malformed(accounts, path, expected):
    service(accounts, "payments")["path"] = path
    assert_error(check_inventory(accounts), "payments", "provider_vpc_services[0].path", expected)


def test_path_not_a_string(accounts):
    service(accounts, "payments")["path"] = ["payments"]
    assert_error(check_inventory(accounts), "payments", "provider_vpc_services[0].path", "must be a string")


@pytest.mark.parametrize("name", ["Payments", "pay_ments", "-payments", "payments-", "pay.ments", 42])
def test_service_name_malformed(accounts, name):
    service(accounts, "payments")["name"] = name
    assert_error(check_inventory(accounts), "payments", "provider_vpc_services[0].name", "not a valid service name")


def test_service_name_too_long(accounts):
    service(accounts, "payments")["name"] = "a" * 21
    assert_error(check_inventory(accounts), "payments", "provider_vpc_services[0].name", "has 21 characters")


def test_service_name_of_twenty_characters_fits(accounts):
    service(accounts, "payments")["name"] = "payments-settlements"
    assert check_inventory(accounts)["errors"] == []


@pytest.mark.parametrize("az", ["us-east-1", "useast1a", "use1-az1", "US-EAST-1A"])
def test_availability_zone_malformed(accounts, az):
    host_vars(accounts, "shared-services")["shared_gateway_subnets"][1]["az"] = az
    result = check_inventory(accounts)
    assert_error(result, "shared-services", "shared_gateway_subnets[1].az", "not an Availability Zone name")


def test_availability_zone_of_another_region(accounts):
    host_vars(accounts, "shared-services")["shared_gateway_subnets"][1]["az"] = "eu-west-1b"
    result = check_inventory(accounts)
    assert_error(result, "shared-services", "shared_gateway_subnets[1].az", "not in the account's region us-east-1")


def test_availability_zone_follows_aws_region(accounts):
    shared = host_vars(accounts, "shared-services")
    shared["aws_region"] = "eu-west-3"
    shared["shared_gateway_subnets"] = [
        {"cidr": "10.100.1.0/24", "az": "eu-west-3a"},
        {"cidr": "10.100.2.0/24", "az": "eu-west-3-lz-1a"},
    ]
    assert check_inventory(accounts)["errors"] == []


# --- CIDRs -------------------------------------------------------------------------------------


def test_overlap_between_gateway_and_provider(accounts):
    host_vars(accounts, "cards")["provider_vpc_cidr"] = "10.100.128.0/17"
    service(accounts, "cards")["targets"] = ["10.100.200.1"]
    error = assert_error(check_inventory(accounts), "cards", "provider_vpc_cidr", "10.100.128.0/17 overlaps")
    assert "shared-services: shared_gateway_vpc_cidr 10.100.0.0/16" in error["message"]


def test_overlap_between_providers(accounts):
    host_vars(accounts, "cards")["provider_vpc_cidr"] = "10.0.0.0/16"
    service(accounts, "cards")["targets"] = ["10.0.9.9"]
    error = assert_error(
        check_inventory(accounts), "cards", "provider_vpc_cidr", "overlaps payments: provider_vpc_cidr"
    )
    assert "both in account" not in error["message"]


def test_overlap_between_providers_of_the_same_account_and_region(accounts):
    cards = host_vars(accounts, "cards")
    cards.update(aws_account_id="222222222222", aws_region="us-east-1", provider_vpc_cidr="10.0.128.0/17")
    cards["provider_vpc_services"][0]["targets"] = ["10.0.200.1"]
    error = assert_error(check_inventory(accounts), "cards", "provider_vpc_cidr", "overlaps payments", only=False)
    assert "both in account 222222222222, region us-east-1" in error["message"]


def test_same_vpc_adopted_twice_in_one_account_and_region(accounts):
    cards = host_vars(accounts, "cards")
    cards.update(aws_account_id="222222222222", aws_region="us-east-1")
    for host in ("payments", "cards"):
        host_vars(accounts, host)["provider_vpc_id"] = "vpc-0a1b2c3d"
    cards["provider_vpc_cidr"] = "10.0.0.0/16"
    cards["provider_vpc_services"][0]["targets"] = ["10.0.1.10"]
    result = check_inventory(accounts)
    # one error (the same VPC), not a second one for the overlap of a VPC with itself
    assert_error(result, "cards", "provider_vpc_id", "also adopted by payments", only=False)


def test_same_vpc_tags_adopted_twice_in_one_account_and_region(accounts):
    host_vars(accounts, "cards").update(aws_account_id="222222222222", aws_region="us-east-1")
    for host in ("payments", "cards"):
        del host_vars(accounts, host)["provider_vpc_cidr"]
        host_vars(accounts, host)["provider_vpc_tags"] = {"Name": "shared-vpc", "env": "prod"}
    result = check_inventory(accounts)
    assert_error(result, "cards", "provider_vpc_tags", "also adopted by payments", only=False)


def test_same_vpc_id_in_other_accounts_is_not_an_error(accounts):
    host_vars(accounts, "payments")["provider_vpc_id"] = "vpc-0a1b2c3d"
    host_vars(accounts, "cards")["provider_vpc_id"] = "vpc-0a1b2c3d"
    assert check_inventory(accounts)["errors"] == []


def test_gateway_subnet_outside_gateway_vpc(accounts):
    host_vars(accounts, "shared-services")["shared_gateway_subnets"][1]["cidr"] = "10.101.2.0/24"
    result = check_inventory(accounts)
    assert_error(result, "shared-services", "shared_gateway_subnets[1].cidr", "not inside shared_gateway_vpc_cidr")


def test_gateway_subnets_overlap(accounts):
    host_vars(accounts, "shared-services")["shared_gateway_subnets"][1]["cidr"] = "10.100.1.128/25"
    error = assert_error(
        check_inventory(accounts), "shared-services", "shared_gateway_subnets[1].cidr", "10.100.1.128/25 overlaps"
    )
    assert "shared_gateway_subnets[0].cidr 10.100.1.0/24" in error["message"]


def test_gateway_subnets_in_the_same_availability_zone(accounts):
    host_vars(accounts, "shared-services")["shared_gateway_subnets"][1]["az"] = "us-east-1a"
    result = check_inventory(accounts)
    assert_error(result, "shared-services", "shared_gateway_subnets[1].az", "one subnet per Availability Zone")


def test_gateway_subnet_too_small_for_a_load_balancer(accounts):
    host_vars(accounts, "shared-services")["shared_gateway_subnets"][1]["cidr"] = "10.100.2.0/28"
    result = check_inventory(accounts)
    assert_error(result, "shared-services", "shared_gateway_subnets[1].cidr", "needs at least a /27")


def test_provider_subnets_are_checked(accounts):
    host_vars(accounts, "payments")["provider_vpc_subnets"] = [
        {"cidr": "10.0.1.0/24", "az": "us-east-1a"},
        {"cidr": "10.0.1.128/25", "az": "us-east-1b"},
        {"cidr": "10.5.0.0/24", "az": "us-east-1c"},
        {"cidr": "10.0.3.0/24", "az": "eu-west-1a"},
    ]
    result = check_inventory(accounts)
    assert {(e["host"], e["field"]) for e in result["errors"]} == {
        ("payments", "provider_vpc_subnets[1].cidr"),
        ("payments", "provider_vpc_subnets[2].cidr"),
        ("payments", "provider_vpc_subnets[3].az"),
    }
    assert_error(
        result, "payments", "provider_vpc_subnets[1].cidr", "overlaps provider_vpc_subnets[0].cidr", only=False
    )
    assert_error(result, "payments", "provider_vpc_subnets[2].cidr", "not inside provider_vpc_cidr", only=False)
    assert_error(result, "payments", "provider_vpc_subnets[3].az", "not in the account's region", only=False)


def test_provider_subnets_not_a_list(accounts):
    host_vars(accounts, "payments")["provider_vpc_subnets"] = "10.0.1.0/24"
    assert_error(check_inventory(accounts), "payments", "provider_vpc_subnets", "must be a list")


def test_valid_provider_subnets_pass(accounts):
    host_vars(accounts, "payments")["provider_vpc_subnets"] = [{"cidr": "10.0.1.0/28", "az": "us-east-1a"}]
    result = check_inventory(accounts)
    assert result["errors"] == []
    assert result["checked"]["cidrs"] == 6


# --- services ----------------------------------------------------------------------------------


def test_duplicate_service_name_across_providers(accounts):
    service(accounts, "cards")["name"] = "payments"
    error = assert_error(check_inventory(accounts), "cards", "provider_vpc_services[0].name", "already the name")
    assert "payments: provider_vpc_services[0].name" in error["message"]


def test_duplicate_service_name_in_one_provider(accounts):
    services = host_vars(accounts, "payments")["provider_vpc_services"]
    services.append({"name": "payments", "port": 8090, "path": "payments/v2", "targets": ["10.0.1.26"]})
    assert_error(check_inventory(accounts), "payments", "provider_vpc_services[1].name", "already the name")


def test_duplicate_path_after_normalisation(accounts):
    service(accounts, "cards")["path"] = "/payments/"
    error = assert_error(check_inventory(accounts), "cards", "provider_vpc_services[0].path", "already the path")
    assert "payments: provider_vpc_services[0].path" in error["message"]


def test_nested_path_is_a_warning(accounts):
    service(accounts, "cards")["path"] = "payments/cards"
    result = check_inventory(accounts)
    assert_warning(result, "cards", "provider_vpc_services[0].path", "nested under /payments of payments")


def test_listener_port_collision_on_a_shared_nlb(accounts):
    service(accounts, "cards")["port"] = 8080
    result = check_inventory(accounts)
    error = assert_error(result, "cards", "provider_vpc_services[0].port", "listener port 8080")
    assert "payments: provider_vpc_services[0].port" in error["message"]
    assert [s["name"] for s in result["services"]] == ["payments"]


def test_listener_port_collision_with_default_strategy(accounts):
    del host_vars(accounts, "shared-services")["shared_gateway_nlb_strategy"]
    service(accounts, "cards")["listener_port"] = 8080
    result = check_inventory(accounts)
    assert_error(result, "cards", "provider_vpc_services[0].listener_port", "already taken on the shared NLB")


def test_listener_port_resolves_the_collision(accounts):
    service(accounts, "cards")["port"] = 8080
    service(accounts, "cards")["listener_port"] = 8443
    result = check_inventory(accounts)
    assert result["errors"] == []
    assert [(s["port"], s["listener_port"]) for s in result["services"]] == [(8080, 8080), (8080, 8443)]


def test_no_listener_port_collision_with_dedicated_nlbs(accounts):
    host_vars(accounts, "shared-services")["shared_gateway_nlb_strategy"] = "dedicated"
    service(accounts, "cards")["port"] = 8080
    assert check_inventory(accounts)["errors"] == []


def test_target_outside_provider_cidr(accounts):
    service(accounts, "payments")["targets"] = ["10.0.1.25", "10.1.1.25"]
    error = assert_error(check_inventory(accounts), "payments", "provider_vpc_services[0].targets[1]", "outside")
    assert "provider_vpc_cidr 10.0.0.0/16" in error["message"]


def test_provider_in_the_gateway_account(accounts):
    host_vars(accounts, "cards")["aws_account_id"] = "111111111111"
    error = assert_error(check_inventory(accounts), "cards", "aws_account_id", "also the gateway account")
    assert "out of scope" in error["message"]


def test_two_providers_in_one_account(accounts):
    # Each AWS account is one host (DESIGN.md): a second host for an account is a copy-paste error
    # that would otherwise make writes in the first host's account.
    host_vars(accounts, "cards")["aws_account_id"] = "222222222222"
    error = assert_error(check_inventory(accounts), "cards", "aws_account_id", "also the account of payments")
    assert "list every service of that account under payments" in error["message"]


KNOWN = ["eu-west-1", "eu-west-3", "us-east-1", "us-east-2", "us-west-2", "cn-north-1"]


def test_known_regions_pass(accounts):
    assert check_inventory(accounts, KNOWN)["errors"] == []


def test_unknown_region_is_named_with_a_did_you_mean(accounts):
    host_vars(accounts, "cards")["aws_region"] = "eu-west-9"
    error = assert_error(check_inventory(accounts, KNOWN), "cards", "aws_region", "not a region")
    assert "did you mean eu-west-1?" in error["message"] or "did you mean eu-west-3?" in error["message"]


def test_unknown_region_of_the_gateway(accounts):
    host_vars(accounts, "shared-services")["aws_region"] = "us-nowhere-9"
    result = check_inventory(accounts, KNOWN)
    assert_error(result, "shared-services", "aws_region", "us-nowhere-9 is not a region", only=False)


def test_regions_are_not_checked_without_a_list(accounts):
    host_vars(accounts, "cards")["aws_region"] = "us-nowhere-9"
    assert check_inventory(accounts)["errors"] == []


def test_every_problem_is_reported_at_once(accounts):
    del host_vars(accounts, "shared-services")["api_publish_name"]
    service(accounts, "payments")["port"] = 0
    service(accounts, "cards")["targets"] = ["10.9.9.9"]
    result = check_inventory(accounts)
    assert {(e["host"], e["field"]) for e in result["errors"]} == {
        ("shared-services", "api_publish_name"),
        ("payments", "provider_vpc_services[0].port"),
        ("cards", "provider_vpc_services[0].targets[0]"),
    }
    assert result["services"] == []
