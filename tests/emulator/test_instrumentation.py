"""The emulator's API-call counter (used by benchmarks/scale.py), not a fidelity patch."""

import threading
import time
import urllib.error

import pytest
from botocore.exceptions import ClientError
from emulator_support import http


def test_calls_are_counted_by_service_and_action_and_reset(emulator, aws):
    http(emulator.url + "/moto-api/emulator/calls", "DELETE")
    ec2 = aws.client("ec2")
    ec2.describe_vpcs()
    ec2.describe_vpcs()
    api = aws.client("apigateway").create_rest_api(name="counted")
    aws.client("apigateway").get_resources(restApiId=api["id"])
    aws.client("elbv2").describe_load_balancers()
    aws.client("apigatewayv2").get_vpc_links()

    counts = http(emulator.url + "/moto-api/emulator/calls")

    assert counts["calls"] == {
        "apigateway:GET /restapis/*/resources": 1,
        "apigateway:GET /v2/vpclinks": 1,
        "apigateway:POST /restapis": 1,
        "ec2:DescribeVpcs": 2,
        "elasticloadbalancing:DescribeLoadBalancers": 1,
    }
    assert counts["total"] == 6
    assert http(emulator.url + "/moto-api/emulator/calls", "DELETE")["total"] == 0


def test_calls_are_counted_by_principal_assumed_role_or_caller(emulator, aws):
    """?by=principal: an assumed role's calls under its account and role name, other keys as caller."""
    http(emulator.url + "/moto-api/emulator/calls", "DELETE")
    aws.client("ec2", account="222222222222").describe_vpcs()  # AssumeRole by the caller, then the call
    aws.client("apigateway", account="222222222222").get_rest_apis()
    aws.client("ec2").describe_subnets()

    counts = http(emulator.url + "/moto-api/emulator/calls?by=principal")

    assert counts["calls"] == {
        "123456789012:caller": {"ec2:DescribeSubnets": 1, "sts:AssumeRole": 1},
        "222222222222:role/emulator-tests": {"apigateway:GET /restapis": 1, "ec2:DescribeVpcs": 1},
    }
    assert counts["resource_tags"] == {  # which role was assumed (roles carry no ManagedBy tag)
        "123456789012:caller": {
            "sts:AssumeRole": {"tagged": 0, "untagged": ["arn:aws:iam::222222222222:role/emulator-tests"]}
        }
    }
    assert counts["total"] == 4
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        http(emulator.url + "/moto-api/emulator/calls?by=account")
    assert excinfo.value.code == 400


def test_tag_scoped_calls_record_whether_the_resource_was_tagged_managedby_before_the_call(emulator, aws):
    """For a delete, the tags are read before moto serves it: a deleted tagged group counts as tagged."""
    ec2 = aws.client("ec2", account="222222222222")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ours = ec2.create_security_group(
        GroupName="ours",
        Description="ours",
        VpcId=vpc,
        TagSpecifications=[
            {"ResourceType": "security-group", "Tags": [{"Key": "ManagedBy", "Value": "multiaccount.apigateway"}]}
        ],
    )["GroupId"]
    theirs = ec2.create_security_group(GroupName="theirs", Description="theirs", VpcId=vpc)["GroupId"]
    http(emulator.url + "/moto-api/emulator/calls", "DELETE")
    ec2.delete_security_group(GroupId=ours)
    ec2.delete_security_group(GroupId=theirs)
    ec2.delete_vpc(VpcId=vpc)

    tags = http(emulator.url + "/moto-api/emulator/calls?by=principal")["resource_tags"]

    assert tags == {
        "222222222222:role/emulator-tests": {
            "ec2:DeleteSecurityGroup": {"tagged": 1, "untagged": [theirs]},
            "ec2:DeleteVpc": {"tagged": 0, "untagged": [vpc]},
        }
    }


def test_control_endpoint_rejects_bad_values_and_changes_nothing(emulator):
    before = http(emulator.url + "/moto-api/emulator")
    for body in ({"vpc_link_pending_seconds": 5, "hold_seconds": -1}, {"nope": 1}, {"target_initial_seconds": "x"}):
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            http(emulator.url + "/moto-api/emulator", "POST", body)
        assert excinfo.value.code == 400, body
    after = http(emulator.url + "/moto-api/emulator")
    assert after["knobs"] == before["knobs"] and after["hold_seconds_left"] == 0


def test_control_endpoint_tells_the_emulators_own_cpu_time(emulator, aws):
    """What benchmarks/scale.py subtracts to give each run's emulator CPU: it grows with the work served."""
    before = http(emulator.url + "/moto-api/emulator")["cpu_seconds"]
    ec2 = aws.client("ec2")
    for cidr in range(20):
        ec2.create_vpc(CidrBlock=f"10.{cidr}.0.0/16")
    after = http(emulator.url + "/moto-api/emulator")["cpu_seconds"]
    assert isinstance(before, float) and after > before >= 0


def test_throttle_fraction_refuses_calls_with_the_error_of_each_protocol(emulator, aws):
    """Every call refused at fraction 1, with the code and status AWS uses; nothing done, all counted."""
    http(emulator.url + "/moto-api/emulator/calls", "DELETE")
    emulator.knobs(throttle_fraction=1)
    try:
        expected = [
            (lambda: aws.client("ec2").create_vpc(CidrBlock="10.0.0.0/16"), "RequestLimitExceeded", 503),
            (lambda: aws.client("elbv2").describe_load_balancers(), "Throttling", 400),
            (lambda: aws.client("sts").get_caller_identity(), "Throttling", 400),
            (lambda: aws.client("apigateway").create_rest_api(name="x"), "TooManyRequestsException", 429),
            (lambda: aws.client("organizations").describe_organization(), "TooManyRequestsException", 400),
            (lambda: aws.client("logs").describe_log_groups(), "ThrottlingException", 400),
        ]
        for call, code, status in expected:
            with pytest.raises(ClientError) as excinfo:
                call()
            error = excinfo.value.response
            assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    finally:
        emulator.knobs(throttle_fraction=0)
    counts = http(emulator.url + "/moto-api/emulator/calls")
    assert counts["throttled_total"] == 6 and counts["total"] == 0
    assert counts["throttled"]["ec2:CreateVpc"] == 1
    # nothing was done: the refused CreateVpc made no VPC, the refused CreateRestApi no API
    assert [v for v in aws.client("ec2").describe_vpcs()["Vpcs"] if not v["IsDefault"]] == []
    assert aws.client("apigateway").get_rest_apis()["items"] == []
    assert http(emulator.url + "/moto-api/emulator")["knobs"]["throttle_fraction"] == 0
    with pytest.raises(urllib.error.HTTPError):
        emulator.knobs(throttle_fraction=1.5)


def test_throttle_fraction_refuses_about_that_share(emulator, aws):
    http(emulator.url + "/moto-api/emulator/calls", "DELETE")
    emulator.knobs(throttle_fraction=0.2)
    ec2 = aws.client("ec2")
    refused = 0
    try:
        for attempt in range(200):
            try:
                ec2.describe_vpcs()
            except ClientError as error:
                assert error.response["Error"]["Code"] == "RequestLimitExceeded"
                refused += 1
    finally:
        emulator.knobs(throttle_fraction=0)
    assert 15 <= refused <= 70, refused  # binomial(200, 0.2): mean 40, these bounds are > 5 sigma
    assert http(emulator.url + "/moto-api/emulator/calls")["throttled_total"] == refused


def test_one_call_is_throttled_at_most_twice_in_a_row(emulator, aws):
    """The third attempt of a call gets through (the SDK's default retry); the streak starts again after it."""
    http(emulator.url + "/moto-api/emulator/calls", "DELETE")
    emulator.knobs(throttle_fraction=1)
    ec2 = aws.client("ec2")
    outcomes = []
    try:
        for attempt in range(6):
            try:
                ec2.describe_vpcs()
                outcomes.append("served")
            except ClientError as error:
                outcomes.append(error.response["Error"]["Code"])
    finally:
        emulator.knobs(throttle_fraction=0)
    assert outcomes == ["RequestLimitExceeded", "RequestLimitExceeded", "served"] * 2


def test_one_invocation_is_throttled_at_most_twice_when_callers_share_credentials(emulator, aws):
    """Callers sharing credentials (each account's AssumeRole with the caller's keys): a success of one
    between another's attempts starts the credentials' streak again, but not that invocation's own count
    (the amz-sdk-invocation-id header its retries share): its third attempt gets through."""
    sts = aws.client("sts")
    invocation = {"id": "first"}

    def send_as(request, **_kwargs):
        request.headers["amz-sdk-invocation-id"] = invocation["id"]

    sts.meta.events.register("before-send.sts", send_as)

    def attempt(invocation_id):
        invocation["id"] = invocation_id
        try:
            sts.get_caller_identity()
            return "served"
        except ClientError as error:
            return error.response["Error"]["Code"]

    http(emulator.url + "/moto-api/emulator/calls", "DELETE")
    emulator.knobs(throttle_fraction=1)
    try:
        # The first caller's 2 attempts refused; a second caller's call served (the credentials' streak is
        # 2); the first caller's third attempt is served although the credentials' streak started again.
        outcomes = [attempt("first"), attempt("first"), attempt("second"), attempt("first")]
        # A new invocation of the same credentials is refused again, twice at most.
        outcomes += [attempt("third"), attempt("third"), attempt("third")]
    finally:
        emulator.knobs(throttle_fraction=0)
    assert outcomes == ["Throttling", "Throttling", "served", "served", "Throttling", "Throttling", "served"]
    assert http(emulator.url + "/moto-api/emulator/calls")["throttled"] == {"sts:GetCallerIdentity": 4}


def test_a_new_throttle_setting_starts_every_streak_again(emulator, aws):
    """A streak left by the previous setting (here one throttle) does not let the next call through early."""
    ec2 = aws.client("ec2")

    def outcome():
        try:
            ec2.describe_vpcs()
            return "served"
        except ClientError as error:
            return error.response["Error"]["Code"]

    try:
        emulator.knobs(throttle_fraction=1)
        assert outcome() == "RequestLimitExceeded"
        emulator.knobs(throttle_fraction=0)
        emulator.knobs(throttle_fraction=1)
        after_knob = [outcome() for _attempt in range(3)]
        assert outcome() == "RequestLimitExceeded"
        http(emulator.url + "/moto-api/emulator/calls", "DELETE")
        after_reset = [outcome() for _attempt in range(3)]
    finally:
        emulator.knobs(throttle_fraction=0)
    assert after_knob == ["RequestLimitExceeded", "RequestLimitExceeded", "served"]
    assert after_reset == ["RequestLimitExceeded", "RequestLimitExceeded", "served"]


def test_a_pause_answers_the_next_such_call_late_once_counted_at_once(emulator, aws):
    """interrupt.py's pause: the call is counted (and served) at once, its answer leaves N s later, once."""
    http(emulator.url + "/moto-api/emulator/calls", "DELETE")
    sts = aws.client("sts")
    sts.get_caller_identity()  # the client is made and warm before the timed calls
    assert http(emulator.url + "/moto-api/emulator/pause", "POST", {"call": "sts:GetCallerIdentity", "seconds": 3})[
        "call"
    ] == ("sts:GetCallerIdentity")
    answered = []
    caller = threading.Thread(target=lambda: answered.append(sts.get_caller_identity()["Account"]))
    started = time.monotonic()
    caller.start()
    deadline = started + 10
    while http(emulator.url + "/moto-api/emulator/calls")["calls"].get("sts:GetCallerIdentity", 0) < 2:
        assert time.monotonic() < deadline, "the paused call was never counted"
        time.sleep(0.05)
    counted_after = time.monotonic() - started
    assert caller.is_alive() and not answered, "the answer left before the pause ended"
    caller.join(10)
    assert answered and time.monotonic() - started >= 3 > counted_after
    assert http(emulator.url + "/moto-api/emulator/pause") == {"call": None, "seconds": 0.0}  # once
    started = time.monotonic()
    sts.get_caller_identity()
    assert time.monotonic() - started < 2


def test_a_pause_is_refused_without_a_call_key_and_seconds_and_ends_with_delete(emulator):
    for body in (
        {"call": "sts:GetCallerIdentity"},
        {"call": "nope", "seconds": 1},
        {"seconds": 1},
        {"call": "a:b", "seconds": 0},
    ):
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            http(emulator.url + "/moto-api/emulator/pause", "POST", body)
        assert excinfo.value.code == 400, body
    http(emulator.url + "/moto-api/emulator/pause", "POST", {"call": "ec2:DescribeVpcs", "seconds": 5})
    assert http(emulator.url + "/moto-api/emulator/pause", "DELETE") == {"call": None, "seconds": 0.0}
