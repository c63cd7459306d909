# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure logic of the stage policy layer: validation, method setting keys, patch operations, views."""

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import api_stages

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/apigateway-cloudwatch"
OTHER_ROLE = "arn:aws:iam::123456789012:role/someone-else"
LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:open-banking-access"
ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/open-banking/0123abcd-0123-4567-89ab-0123456789ab"
FORMAT = '{"requestId":"$context.requestId","status":"$context.status"}'


def params(**overrides):
    data = {
        "rest_api_id": "a1b2c3d4e5",
        "stage_name": "v1",
        "default_method_settings": None,
        "method_throttles": {},
        "purge_method_throttles": True,
        "access_log": None,
        "tracing": False,
        "web_acl_arn": None,
        "cloudwatch_role_arn": None,
        "replace_cloudwatch_role": False,
    }
    data.update(overrides)
    return data


def desired(web_acl_given=False, **overrides):
    return api_stages.validate_params(params(**overrides), REGION, web_acl_given)


def problems_of(web_acl_given=False, **overrides):
    with pytest.raises(ValueError) as excinfo:
        desired(web_acl_given, **overrides)
    return str(excinfo.value)


# ---- validation ----------------------------------------------------------------------------------


def test_defaults():
    result = desired()
    assert result["default"] == {"throttle": None, "logging_level": "OFF", "data_trace": False, "metrics": False}
    assert result["methods"] == {} and result["purge_methods"] is True
    assert result["access_log"] is None and result["tracing"] is False
    assert result["web_acl"] == {"manage": False, "arn": None, "name": None}
    assert result["cloudwatch_role_arn"] is None
    assert not api_stages.logging_needs_role(result)


def test_every_problem_is_reported_with_its_field():
    text = problems_of(
        rest_api_id="not an id",
        stage_name="v 1",
        default_method_settings={"throttle": {"rate_limit": -1, "burst_limit": 2.5}, "data_trace": True},
        method_throttles={"payments/ANY": {"rate_limit": 1, "burst_limit": 1}, "/cards/FETCH": {"rate_limit": 1}},
        access_log={"destination_arn": LOG_GROUP + ":*", "format": "$context.status"},
        cloudwatch_role_arn="role/x",
    )
    for expected in (
        "rest_api_id: 'not an id' is not a REST API id",
        "stage_name: 'v 1' is not a valid stage name",
        "default_method_settings.throttle.rate_limit: -1 is negative",
        "default_method_settings.throttle.burst_limit: 2.5 is not a whole number",
        "default_method_settings.data_trace: true needs default_method_settings.logging_level ERROR or INFO",
        "method_throttles['payments/ANY']: 'payments/ANY' is not a method key",
        "method_throttles['/cards/FETCH']: '/cards/FETCH' ends with 'FETCH'",
        "access_log.destination_arn: '" + LOG_GROUP + ":*' ends with ':*'",
        "access_log.format: must contain $context.requestId or $context.extendedRequestId",
        "cloudwatch_role_arn: 'role/x' is not an IAM role ARN",
    ):
        assert expected in text


@pytest.mark.parametrize(
    "throttle, message",
    [
        ({"rate_limit": 10}, "burst_limit: required"),
        ({"burst_limit": 10}, "rate_limit: required"),
        ({"rate_limit": "fast", "burst_limit": 1}, "'fast' is not a number"),
        ({"rate_limit": True, "burst_limit": 1}, "True is not a number"),
        ({"rate_limit": 1, "burst_limit": 1, "quota": 3}, "unknown key(s) quota"),
        ("10/s", "expected a dict with rate_limit"),
    ],
)
def test_method_throttle_values_are_checked(throttle, message):
    assert message in problems_of(method_throttles={"/payments/ANY": throttle})


def test_method_keys_are_converted_to_api_gateway_keys():
    result = desired(
        method_throttles={
            "/payments/ANY": {"rate_limit": 100, "burst_limit": 200},
            "/cards/limits/{proxy+}/any": {"rate_limit": "2.5", "burst_limit": "5"},
            "/GET": {"rate_limit": 1, "burst_limit": 1},
            "/a~b/POST": {"rate_limit": 1, "burst_limit": 1},
        }
    )
    assert result["methods"] == {
        "~1payments/ANY": {"rate_limit": 100.0, "burst_limit": 200, "key": "/payments/ANY"},
        "~1cards~1limits~1{proxy+}/ANY": {"rate_limit": 2.5, "burst_limit": 5, "key": "/cards/limits/{proxy+}/ANY"},
        "~1/GET": {"rate_limit": 1.0, "burst_limit": 1, "key": "/GET"},
        "~1a~0b/POST": {"rate_limit": 1.0, "burst_limit": 1, "key": "/a~b/POST"},
    }


@pytest.mark.parametrize(
    "key, message",
    [
        ("*/*", "*/* is the stage default; set it with default_method_settings.throttle"),
        ("/payments//ANY", "invalid resource path part ''"),
        ("/payments/ANY/", "is not a method key"),
        ("/pay ments/ANY", "invalid resource path part 'pay ments'"),
        ("/payments/{id/GET", "invalid resource path part '{id'"),
    ],
)
def test_bad_method_keys(key, message):
    assert message in problems_of(method_throttles={key: {"rate_limit": 1, "burst_limit": 1}})


def test_two_keys_for_one_method_are_refused():
    text = problems_of(
        method_throttles={
            "/payments/ANY": {"rate_limit": 1, "burst_limit": 1},
            "/payments/any": {"rate_limit": 2, "burst_limit": 2},
        }
    )
    assert "method_throttles['/payments/any']: names the same method as method_throttles['/payments/ANY']" in text


def test_display_key_is_the_inverse_of_the_api_gateway_key():
    for key in ("/payments/ANY", "/cards/limits/{proxy+}/ANY", "/GET", "/a~b/POST"):
        path, method = api_stages.parse_method_key(key, "k")
        assert api_stages.display_key(api_stages.method_setting_key(path, method)) == key
    assert api_stages.display_key("*/*") == "*/*"


@pytest.mark.parametrize(
    "value, expected",
    [
        (ACL, {"manage": True, "arn": ACL, "name": None}),
        ("open-banking", {"manage": True, "arn": None, "name": "open-banking"}),
        ("", {"manage": True, "arn": None, "name": None}),
        (None, {"manage": True, "arn": None, "name": None}),
    ],
)
def test_web_acl_forms(value, expected):
    assert desired(True, web_acl_arn=value)["web_acl"] == expected


def test_omitted_web_acl_is_left_alone():
    assert desired(False, web_acl_arn=None)["web_acl"]["manage"] is False


@pytest.mark.parametrize(
    "value, message",
    [
        (ACL.replace(":regional/", ":global/"), "is a CLOUDFRONT (global) web ACL"),
        (ACL.replace("us-east-1", "eu-west-1"), "is in region eu-west-1, the stage is in us-east-1"),
        ("arn:aws:wafv2:us-east-1:123:regional/webacl/x", "is not a WAFv2 web ACL ARN"),
        ("open banking", "is neither a web ACL ARN nor a web ACL name"),
    ],
)
def test_bad_web_acls(value, message):
    assert "web_acl_arn: " in problems_of(True, web_acl_arn=value)
    assert message in problems_of(True, web_acl_arn=value)


def test_access_log_and_logging_need_the_role():
    assert api_stages.logging_needs_role(desired(default_method_settings={"logging_level": "ERROR"}))
    assert api_stages.logging_needs_role(desired(access_log={"destination_arn": LOG_GROUP, "format": FORMAT}))
    assert not api_stages.logging_needs_role(desired(default_method_settings={"metrics": True}, tracing=True))


def test_access_log_format_with_extended_request_id_is_accepted():
    result = desired(access_log={"destination_arn": LOG_GROUP, "format": "$context.extendedRequestId"})
    assert result["access_log"] == {"destination_arn": LOG_GROUP, "format": "$context.extendedRequestId"}


# ---- patch operations ----------------------------------------------------------------------------

FULL = {
    "default_method_settings": {
        "throttle": {"rate_limit": 500, "burst_limit": 1000},
        "logging_level": "INFO",
        "data_trace": False,
        "metrics": True,
    },
    "method_throttles": {"/payments/ANY": {"rate_limit": 100, "burst_limit": 200}},
    "access_log": {"destination_arn": LOG_GROUP, "format": FORMAT},
    "tracing": True,
}


def paths(ops):
    return [(op["op"], op["path"], op.get("value")) for op in ops]


def test_plan_on_a_fresh_stage_writes_everything_once():
    ops = api_stages.plan_stage_ops({"stageName": "v1", "methodSettings": {}}, desired(**FULL))
    assert paths(ops) == [
        ("replace", "/*/*/logging/loglevel", "INFO"),
        ("replace", "/*/*/metrics/enabled", "true"),
        ("replace", "/*/*/throttling/rateLimit", "500.0"),
        ("replace", "/*/*/throttling/burstLimit", "1000"),
        ("replace", "/~1payments/ANY/logging/loglevel", "INFO"),
        ("replace", "/~1payments/ANY/metrics/enabled", "true"),
        ("replace", "/~1payments/ANY/throttling/rateLimit", "100.0"),
        ("replace", "/~1payments/ANY/throttling/burstLimit", "200"),
        ("replace", "/accessLogSettings/destinationArn", LOG_GROUP),
        ("replace", "/accessLogSettings/format", FORMAT),
        ("replace", "/tracingEnabled", "true"),
    ]


def aws_defaults(**fields):
    """A method setting as AWS returns it: every field, with AWS's defaults."""
    setting = {
        "metricsEnabled": False,
        "dataTraceEnabled": False,
        "throttlingBurstLimit": 5000,
        "throttlingRateLimit": 10000.0,
        "cachingEnabled": False,
        "cacheTtlInSeconds": 300,
        "cacheDataEncrypted": False,
        "requireAuthorizationForCacheControl": True,
        "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER",
    }
    setting.update(fields)
    return setting


def test_applied_plan_needs_nothing_more():
    want = desired(**FULL)
    stage = {"stageName": "v1", "methodSettings": {}}
    after = api_stages.apply_stage_ops(stage, api_stages.plan_stage_ops(stage, want))
    assert api_stages.plan_stage_ops(after, want) == []
    # AWS fills the fields the module does not manage; they do not count.
    for setting in after["methodSettings"].values():
        setting.update(cachingEnabled=False, cacheTtlInSeconds=300, unauthorizedCacheControlHeaderStrategy="X")
    assert api_stages.plan_stage_ops(after, want) == []


def test_no_stage_throttle_on_an_aws_filled_default_writes_minus_one():
    # A */* that API Gateway created with its default throttle (10000/5000): null means none of our own.
    stage = {"methodSettings": {"*/*": aws_defaults(loggingLevel="INFO")}}
    ops = api_stages.plan_stage_ops(stage, desired(default_method_settings={"logging_level": "INFO"}))
    assert paths(ops) == [
        ("replace", "/*/*/throttling/rateLimit", "-1.0"),
        ("replace", "/*/*/throttling/burstLimit", "-1"),
    ]
    after = api_stages.apply_stage_ops(stage, ops)
    assert api_stages.plan_stage_ops(after, desired(default_method_settings={"logging_level": "INFO"})) == []


def test_a_new_default_setting_without_throttle_says_minus_one_in_the_same_call():
    ops = api_stages.plan_stage_ops({"methodSettings": {}}, desired(default_method_settings={"metrics": True}))
    assert paths(ops) == [
        ("replace", "/*/*/metrics/enabled", "true"),
        ("replace", "/*/*/throttling/rateLimit", "-1.0"),
        ("replace", "/*/*/throttling/burstLimit", "-1"),
    ]


def test_nothing_to_do_on_a_stage_without_settings():
    assert api_stages.plan_stage_ops({"methodSettings": {}}, desired()) == []
    assert api_stages.plan_stage_ops({}, desired()) == []


def test_both_limits_are_written_when_one_differs():
    stage = {"methodSettings": {"*/*": aws_defaults(throttlingRateLimit=500.0, throttlingBurstLimit=999)}}
    ops = api_stages.plan_stage_ops(stage, desired(default_method_settings=FULL["default_method_settings"]))
    assert ("replace", "/*/*/throttling/rateLimit", "500.0") in paths(ops)
    assert ("replace", "/*/*/throttling/burstLimit", "1000") in paths(ops)


def test_purge_removes_other_overrides_but_never_the_default():
    stage = {
        "methodSettings": {
            "*/*": aws_defaults(throttlingRateLimit=-1.0, throttlingBurstLimit=-1),
            "~1payments/ANY": aws_defaults(throttlingRateLimit=100.0, throttlingBurstLimit=200),
            "~1old/GET": aws_defaults(cachingEnabled=True),
        }
    }
    want = desired(method_throttles={"/payments/ANY": {"rate_limit": 100, "burst_limit": 200}})
    assert paths(api_stages.plan_stage_ops(stage, want)) == [("remove", "/~1old/GET", None)]
    keep = desired(
        method_throttles={"/payments/ANY": {"rate_limit": 100, "burst_limit": 200}}, purge_method_throttles=False
    )
    assert api_stages.plan_stage_ops(stage, keep) == []
    after = api_stages.apply_stage_ops(stage, api_stages.plan_stage_ops(stage, want))
    assert set(after["methodSettings"]) == {"*/*", "~1payments/ANY"}


def test_override_follows_the_stage_logging():
    stage = {
        "methodSettings": {
            "*/*": aws_defaults(loggingLevel="INFO", throttlingRateLimit=-1.0, throttlingBurstLimit=-1),
            "~1payments/ANY": aws_defaults(throttlingRateLimit=100.0, throttlingBurstLimit=200),
        }
    }
    want = desired(
        default_method_settings={"logging_level": "INFO"},
        method_throttles={"/payments/ANY": {"rate_limit": 100, "burst_limit": 200}},
    )
    assert paths(api_stages.plan_stage_ops(stage, want)) == [("replace", "/~1payments/ANY/logging/loglevel", "INFO")]


def test_access_log_removed_or_changed():
    stage = {"accessLogSettings": {"destinationArn": LOG_GROUP, "format": FORMAT}}
    assert paths(api_stages.plan_stage_ops(stage, desired())) == [("remove", "/accessLogSettings", None)]
    other = desired(access_log={"destination_arn": LOG_GROUP, "format": "$context.requestId"})
    assert paths(api_stages.plan_stage_ops(stage, other)) == [
        ("replace", "/accessLogSettings/format", "$context.requestId")
    ]
    assert (
        api_stages.access_log_view(api_stages.apply_stage_ops(stage, [{"op": "remove", "path": "/accessLogSettings"}]))
        is None
    )


def test_tracing_off_again():
    assert paths(api_stages.plan_stage_ops({"tracingEnabled": True}, desired())) == [
        ("replace", "/tracingEnabled", "false")
    ]


def test_describe_stage_update():
    ops = [{"op": "replace", "path": "/tracingEnabled", "value": "true"}, {"op": "remove", "path": "/~1old/GET"}]
    assert api_stages.describe_stage_update("v1", ops) == "update stage v1 (replace /tracingEnabled, remove /~1old/GET)"


# ---- views, ownership, account role, web ACL --------------------------------------------------------


def test_stage_view():
    stage = {
        "stageName": "v1",
        "methodSettings": {
            "*/*": aws_defaults(loggingLevel="ERROR", throttlingRateLimit=-1.0, throttlingBurstLimit=-1),
            "~1cards~1limits~1{proxy+}/ANY": aws_defaults(throttlingRateLimit=5.0, throttlingBurstLimit=10),
        },
        "accessLogSettings": {"destinationArn": LOG_GROUP, "format": FORMAT},
        "tracingEnabled": True,
    }
    assert api_stages.stage_view(stage, "v1", ACL) == {
        "name": "v1",
        "default_method_settings": {"throttle": None, "logging_level": "ERROR", "data_trace": False, "metrics": False},
        "method_throttles": {"/cards/limits/{proxy+}/ANY": {"rate_limit": 5.0, "burst_limit": 10}},
        "access_log": {"destination_arn": LOG_GROUP, "format": FORMAT},
        "tracing": True,
        "web_acl_arn": ACL,
    }
    assert list(api_stages.method_settings_view(stage)) == ["*/*", "/cards/limits/{proxy+}/ANY"]


def test_ownership_by_tags():
    assert api_stages.is_stage_ours({"tags": {"ManagedBy": "multiaccount.apigateway"}})
    assert api_stages.is_stage_ours({"tags": {"multiaccount:deployed-config": "d1 " + "0" * 64}})
    assert not api_stages.is_stage_ours({"tags": {"ManagedBy": "terraform"}})
    assert not api_stages.is_stage_ours({})


@pytest.mark.parametrize(
    "current, wanted, replace, expected",
    [
        (None, ROLE, False, (ROLE, ROLE, False)),
        (ROLE, ROLE, False, (None, ROLE, False)),
        (OTHER_ROLE, ROLE, False, (None, OTHER_ROLE, True)),
        (OTHER_ROLE, ROLE, True, (ROLE, ROLE, False)),
        (OTHER_ROLE, None, False, (None, OTHER_ROLE, False)),
        ("", None, False, (None, None, False)),
    ],
)
def test_account_role_plan(current, wanted, replace, expected):
    write, after, warning = api_stages.plan_account_role(current, wanted, replace)
    assert (write, after, warning is not None) == expected
    if warning:
        assert OTHER_ROLE in warning and "replace_cloudwatch_role" in warning


def test_find_web_acl_and_stage_arn():
    summaries = [{"Name": "a", "ARN": "arn-a"}, {"Name": "open-banking", "ARN": ACL}]
    assert api_stages.find_web_acl(summaries, "open-banking")["ARN"] == ACL
    assert api_stages.find_web_acl(summaries, "missing") is None
    assert (
        api_stages.stage_arn("us-east-1", "a1b2c3d4e5", "v1")
        == "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/v1"
    )


def test_a_role_created_moments_before_is_retried_until_api_gateway_may_assume_it():
    from botocore.exceptions import ClientError

    class Client:
        def __init__(self, failures):
            self.failures = failures
            self.calls = 0

        def update_account(self, patchOperations):
            self.calls += 1
            if self.calls <= self.failures:
                raise ClientError(
                    {
                        "Error": {
                            "Code": "BadRequestException",
                            "Message": "The role ARN does not have required permissions set to API Gateway",
                        }
                    },
                    "UpdateAccount",
                )
            return {"cloudwatchRoleArn": patchOperations[0]["value"]}

    sleeps = []
    client = Client(failures=2)
    result = api_stages.update_account_role(client, "arn:aws:iam::111111111111:role/gw-apigateway-logs", sleeps.append)
    assert result["cloudwatchRoleArn"].endswith("gw-apigateway-logs")
    assert client.calls == 3 and sleeps == [api_stages.ROLE_PROPAGATION_DELAY] * 2
    # Never more than ROLE_PROPAGATION_ATTEMPTS calls; then the error is the module's.
    client = Client(failures=99)
    with pytest.raises(api_stages.AnsibleApiStageError):
        api_stages.update_account_role(client, "arn:aws:iam::111111111111:role/gw-apigateway-logs", sleeps.append)
    assert client.calls == api_stages.ROLE_PROPAGATION_ATTEMPTS
