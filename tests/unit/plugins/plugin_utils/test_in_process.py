# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""plugins/plugin_utils/in_process.py: which module runs may run in a child forked from the worker, the
run itself (with the fake module of fake_modules/), the warm-up of the controller, and the mixin of
the action plugins, through the action of one of the modules (every module of the collection has one)."""

import importlib
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import time
from unittest import mock

import botocore.loaders
import botocore.session
import pytest
from ansible.module_utils import basic
from ansible.plugins.action import ActionBase
from ansible_collections.multiaccount.apigateway.plugins.action import vpc_routes as module_action
from ansible_collections.multiaccount.apigateway.plugins.module_utils import waits
from ansible_collections.multiaccount.apigateway.plugins.plugin_utils import in_process

FAKE_MODULE = "ansible_collections.multiaccount.apigateway.tests.unit.plugins.plugin_utils.fake_modules.fake_module"
FAKE_NAME = "multiaccount.apigateway.fake_module"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
SECRET = "hunter2-do-not-print"
OTHER_PYTHON = "/usr/bin/some-other-python"


def params(**args):
    """The bytes a module gets as ANSIBLE_MODULE_ARGS: ``args`` and the internal keys of
    _update_module_args that AnsibleModule reads."""
    internal = {
        "_ansible_check_mode": False,
        "_ansible_diff": False,
        "_ansible_no_log": False,
        "_ansible_remote_tmp": "~/.ansible/tmp",
        "_ansible_tmpdir": None,
    }
    return json.dumps({"ANSIBLE_MODULE_ARGS": dict(args, **internal)}).encode("utf-8")


def run_fake(**args):
    result = in_process.run(FAKE_MODULE, params(**args))
    assert set(result) == {"stdout", "stderr", "rc"}
    return result


# module_path


def test_module_path_of_a_module_of_this_collection():
    assert (
        in_process.module_path("multiaccount.apigateway.rest_api")
        == "ansible_collections.multiaccount.apigateway.plugins.modules.rest_api"
    )


def test_module_path_of_the_poll_of_a_wait():
    # demo_instances' action polls with amazon.aws.ec2_instance_info: it runs in the child too.
    assert waits.INSTANCE_INFO in in_process.FOREIGN_MODULES
    assert (
        in_process.module_path("amazon.aws.ec2_instance_info")
        == "ansible_collections.amazon.aws.plugins.modules.ec2_instance_info"
    )
    for path in in_process.FOREIGN_MODULES.values():
        assert importlib.util.find_spec(path) is not None, path


@pytest.mark.parametrize(
    "name",
    [
        "amazon.aws.s3_bucket",
        "amazon.aws.sts_assume_role",
        "amazon.aws.ec2_instance",
        "rest_api",
        "multiaccount.apigateway.",
        "multiaccount.apigateway.rest-api",
        "multiaccount.apigateway.sub.rest_api",
        "multiaccount.apigatewayx.rest_api",
        "ansible.legacy.multiaccount.apigateway.rest_api",
        None,
    ],
)
def test_module_path_is_none_for_anything_else(name):
    assert in_process.module_path(name) is None


def test_module_path_of_a_module_of_a_named_collection():
    # tests/integration/action_plugins/normal.py names amazon.aws and community.aws.
    collections = ("amazon.aws", "community.aws")
    assert (
        in_process.module_path("amazon.aws.ec2_vpc_net", collections)
        == "ansible_collections.amazon.aws.plugins.modules.ec2_vpc_net"
    )
    assert (
        in_process.module_path("community.aws.elb_target_group", collections)
        == "ansible_collections.community.aws.plugins.modules.elb_target_group"
    )
    assert importlib.util.find_spec(in_process.module_path("amazon.aws.ec2_vpc_net", collections)) is not None
    # Still this collection's modules, and nothing of a collection not named.
    assert in_process.module_path("multiaccount.apigateway.rest_api", collections).endswith(".modules.rest_api")
    for name in (
        "ansible.builtin.command",
        "amazon.aws.sub.ec2_vpc_net",
        "amazon.aws.ec2-vpc",
        "amazon.awsx.ec2_vpc_net",
    ):
        assert in_process.module_path(name, collections) is None, name


# same_python


@pytest.fixture(name="pythons")
def pythons_fixture(tmp_path):
    """bin/python3 (a file), bin/python -> python3, bin/python2 (another file), other/python -> bin/python3."""
    bin_dir = tmp_path / "bin"
    other_dir = tmp_path / "other"
    bin_dir.mkdir()
    other_dir.mkdir()
    (bin_dir / "python3").write_text("")
    (bin_dir / "python2").write_text("")
    (bin_dir / "python").symlink_to("python3")
    (other_dir / "python").symlink_to(bin_dir / "python3")
    return tmp_path


def test_same_python_for_the_same_path():
    assert in_process.same_python(sys.executable)
    assert in_process.same_python("/opt/py/bin/python3", executable="/opt/py/bin/python3")


def test_same_python_for_a_symlink_to_it_in_the_same_directory(pythons):
    executable = str(pythons / "bin" / "python3")
    assert in_process.same_python(str(pythons / "bin" / "python"), executable=executable)
    assert in_process.same_python(str(pythons / "bin" / "python3"), executable=str(pythons / "bin" / "python"))


def test_not_same_python_for_another_file_in_the_same_directory(pythons):
    assert not in_process.same_python(str(pythons / "bin" / "python2"), executable=str(pythons / "bin" / "python3"))


def test_not_same_python_for_the_same_file_reached_from_another_directory(pythons):
    other = pythons / "other" / "python"
    executable = pythons / "bin" / "python3"
    assert os.path.realpath(other) == os.path.realpath(executable)
    assert not in_process.same_python(str(other), executable=str(executable))


@pytest.mark.parametrize("interpreter", [None, "", 3, ["/usr/bin/python3"]])
def test_not_same_python_without_a_path(interpreter):
    assert not in_process.same_python(interpreter)
    assert not in_process.same_python(interpreter, executable=interpreter)


def test_same_python_expands_the_home_directory_and_relative_paths(pythons, monkeypatch):
    monkeypatch.setenv("HOME", str(pythons))
    executable = str(pythons / "bin" / "python3")
    assert in_process.same_python("~/bin/python", executable=executable)
    assert not in_process.same_python("~/bin/python2", executable=executable)
    monkeypatch.chdir(pythons / "bin")
    assert in_process.same_python("python", executable=executable)


# truthy


@pytest.mark.parametrize("value", [False, "false", "False", " no ", "NO", "off", "0", "n", "F", "", 0, None, []])
def test_truthy_false(value):
    assert in_process.truthy(value) is False


@pytest.mark.parametrize("value", [True, "true", "yes", "on", "1", "y", "anything", 1, [1]])
def test_truthy_true(value):
    assert in_process.truthy(value) is True


# ineligible


ELIGIBLE = {"name": "multiaccount.apigateway.rest_api", "transport": "local", "interpreter": sys.executable}


def why(**changes):
    """in_process.ineligible for a task with everything fine but ``changes``."""
    arguments = dict(ELIGIBLE)
    arguments.update(changes)
    return in_process.ineligible(**arguments)


def test_eligible_when_everything_is_fine():
    assert why() is None
    assert why(enabled="yes", become=False, run_async=0, environment=[{}]) is None


@pytest.mark.parametrize("enabled", [False, "false", "no", 0])
def test_ineligible_when_disabled_by_the_variable(enabled):
    assert why(enabled=enabled) == "multiaccount_apigateway_in_process is false"


def test_ineligible_for_a_module_of_another_collection():
    reason = why(name="amazon.aws.s3_bucket")
    assert reason == "amazon.aws.s3_bucket is not a module of multiaccount.apigateway"


def test_eligible_for_a_module_of_a_named_collection():
    assert why(name="amazon.aws.s3_bucket", collections=("amazon.aws",)) is None
    reason = why(name="community.aws.wafv2_web_acl", collections=("amazon.aws",))
    assert reason == "community.aws.wafv2_web_acl is not a module of multiaccount.apigateway, amazon.aws"


def test_ineligible_without_botocore(monkeypatch):
    monkeypatch.setattr(in_process, "HAS_BOTOCORE", False)
    assert "cannot import botocore" in why()


def test_ineligible_over_another_connection():
    assert why(transport="ssh") == "connection ssh, not local"


def test_ineligible_with_become():
    assert why(become=True) == "become"


def test_ineligible_with_async():
    assert why(run_async=True) == "async"


def test_ineligible_with_a_task_environment():
    assert why(environment=[{"A": "1"}]) == "a task environment"
    assert why(environment=[{}, {"A": "1"}]) == "a task environment"
    assert why(environment=[{}]) is None
    assert why(environment=[]) is None


@pytest.mark.parametrize("interpreter", [OTHER_PYTHON, "auto_silent", sys.executable + "-other"])
def test_ineligible_with_another_interpreter(interpreter):
    reason = why(interpreter=interpreter)
    assert reason == (
        f"ansible_python_interpreter {interpreter} is not the Python running ansible-playbook ({sys.executable})"
    )


@pytest.mark.parametrize("interpreter", [None, ""])
def test_ineligible_without_an_interpreter(interpreter):
    reason = why(interpreter=interpreter)
    assert reason == "ansible_python_interpreter is not set (Ansible discovers a Python of its own)"


# run


def test_run_returns_what_the_module_printed():
    result = run_fake(behaviour="ok", changed=True, data={"answer": 42})
    assert result["rc"] == 0 and result["stderr"] == ""
    output = json.loads(result["stdout"])
    assert output["changed"] is True and output["answer"] == 42
    assert output["invocation"]["module_args"]["behaviour"] == "ok"


def test_run_gives_the_module_the_check_and_diff_modes():
    args = json.loads(params(behaviour="modes"))["ANSIBLE_MODULE_ARGS"]
    args.update(_ansible_check_mode=True, _ansible_diff=True)
    result = in_process.run(FAKE_MODULE, json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8"))
    output = json.loads(result["stdout"])
    assert result["rc"] == 0 and output["check_mode"] is True and output["diff"] is True
    output = json.loads(run_fake(behaviour="modes")["stdout"])
    assert output["check_mode"] is False and output["diff"] is False


def test_run_masks_no_log_options():
    result = run_fake(behaviour="secret", secret=SECRET)
    assert result["rc"] == 0
    assert SECRET not in result["stdout"]
    output = json.loads(result["stdout"])
    assert output["msg"] == "the secret is ********"
    assert output["invocation"]["module_args"]["secret"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_run_of_a_failing_module():
    result = run_fake(behaviour="fail", msg="the API said no")
    output = json.loads(result["stdout"])
    assert result["rc"] == 1
    assert output["failed"] is True and output["msg"] == "the API said no"


def unhandled(result):
    """The message of an exception the module did not handle, as AnsiballZ reports it on this ansible-core:
    a result naming it (2.19+), or the traceback on stderr and no result (before)."""
    assert result["rc"] == 1
    if result["stdout"].strip():
        output = json.loads(result["stdout"])
        assert output["failed"] is True and set(output) == {"failed", "exception"}
        return output["exception"]["event"]["msg"]
    assert "Traceback (most recent call last):" in result["stderr"]
    return result["stderr"].strip().splitlines()[-1]


def test_run_of_a_module_that_raises():
    assert unhandled(run_fake(behaviour="raise")).endswith("the fake module cannot go on")


def test_run_records_warnings_and_deprecations_in_the_result_as_a_module_process_does():
    output = json.loads(run_fake(behaviour="warn")["stdout"])
    assert "the fake module warns" in json.dumps(output["warnings"])
    assert "the fake option goes away" in json.dumps(output["deprecations"])


def test_a_run_does_not_report_the_warnings_of_an_earlier_one():
    run_fake(behaviour="warn")
    assert "warnings" not in json.loads(run_fake(behaviour="ok")["stdout"])


def test_ineligible_where_a_child_cannot_become_a_module_process(monkeypatch):
    monkeypatch.setattr(in_process, "_MODULE_SIDE_PROBLEM", "ansible-core module_utils without _traceback.x")
    assert in_process.ineligible(FAKE_NAME, "local", sys.executable) == "ansible-core module_utils without _traceback.x"


def test_this_ansible_core_lets_a_child_become_a_module_process():
    assert in_process._MODULE_SIDE_PROBLEM is None


def test_run_returns_what_the_module_wrote_to_its_stderr_whatever_the_worker_made_of_sys_stderr(monkeypatch):
    # Ansible's worker replaces sys.stderr with a StringIO: the module's stderr must still reach the result.
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    result = run_fake(behaviour="stderr")
    assert result["rc"] == 0 and result["stderr"] == "the fake module says something on its stderr\n"
    assert sys.stderr.getvalue() == ""


def test_run_of_a_module_that_exits_without_a_result():
    assert run_fake(behaviour="exit3") == {"stdout": "", "stderr": "", "rc": 3}


def test_run_of_a_module_killed_by_a_signal():
    assert run_fake(behaviour="killed") == {
        "stdout": "",
        "stderr": "the module's process was killed by signal 9",
        "rc": -9,
    }


def test_run_of_a_module_that_returns_from_main():
    assert unhandled(run_fake(behaviour="return")).endswith("New-style module did not handle its own exit.")


def test_run_of_a_module_that_cannot_be_imported():
    assert "No module named" in unhandled(in_process.run(FAKE_MODULE + "_missing", params()))


def test_runs_leave_nothing_behind(monkeypatch):
    monkeypatch.delenv("FAKE_MODULE_RAN", raising=False)
    arguments = basic._ANSIBLE_ARGS
    for attempt in range(2):
        result = run_fake(behaviour="counter")
        assert result["rc"] == 0, attempt
        assert json.loads(result["stdout"])["counter"] == 1, attempt
    assert "FAKE_MODULE_RAN" not in os.environ
    assert FAKE_MODULE not in sys.modules
    assert basic._ANSIBLE_ARGS is arguments


def test_a_child_reads_the_service_models_with_the_warm_loader(monkeypatch):
    monkeypatch.delenv("AWS_DATA_PATH", raising=False)
    loader = botocore.loaders.Loader()
    monkeypatch.setitem(in_process._state, "loader", loader)
    assert json.loads(run_fake(behaviour="loader")["stdout"])["loader"] == id(loader)
    # botocore.session is the test process's own: the child changed its copy only.
    assert botocore.session.create_loader is botocore.loaders.create_loader


def test_a_child_with_its_own_data_path_makes_its_own_loader(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    loader = botocore.loaders.Loader()
    monkeypatch.setitem(in_process._state, "loader", loader)
    result = run_fake(behaviour="loader")
    assert result["rc"] == 0
    assert json.loads(result["stdout"])["loader"] != id(loader)


class Timeout(Exception):
    """What the worker raises when the task's timeout expires."""


def test_an_interrupted_run_kills_and_reaps_the_child(monkeypatch):
    pids = []
    fork = os.fork

    def recording_fork():
        pids.append(fork())
        return pids[-1]

    def interrupted_fdopen(fd, *args):
        assert args == ("rb",)
        os.close(fd)
        raise Timeout()

    monkeypatch.setattr(os, "fork", recording_fork)
    monkeypatch.setattr(os, "fdopen", interrupted_fdopen)
    started = time.monotonic()
    with pytest.raises(Timeout):
        in_process.run(FAKE_MODULE, params(behaviour="hang"))
    assert time.monotonic() - started < 10
    assert len(pids) == 1 and pids[0] > 0
    with pytest.raises(ChildProcessError):
        os.waitpid(pids[0], os.WNOHANG)


# encode_arguments and parse_result


def test_encode_arguments_gives_what_a_module_reads():
    args = {"behaviour": "ok", "data": {"text": "caf\u00e9 \u2713", "n": [1, None, True]}, "_ansible_check_mode": False}
    encoded = in_process.encode_arguments(args)
    assert isinstance(encoded, bytes)
    assert json.loads(encoded) == {"ANSIBLE_MODULE_ARGS": args}
    result = in_process.run(FAKE_MODULE, encoded)
    assert result["rc"] == 0
    output = json.loads(result["stdout"])
    assert output["text"] == "caf\u00e9 \u2713" and output["n"] == [1, None, True]


class ParserWithProfile:
    def _parse_returned_data(self, res, profile):
        return {"parsed": res, "profile": profile}


class ParserWithoutProfile:
    def _parse_returned_data(self, res):
        return {"parsed": res}


def test_parse_result_passes_the_profile_to_a_parser_that_takes_it():
    res = {"stdout": "{}", "stderr": "", "rc": 0}
    assert in_process.parse_result(ParserWithProfile(), res) == {"parsed": res, "profile": "legacy"}
    assert in_process.parse_result(ParserWithoutProfile(), res) == {"parsed": res}


# _shared_loader and warm


def test_shared_loader_is_the_warm_loader_for_the_default_data_path(monkeypatch):
    loader = botocore.loaders.Loader()
    monkeypatch.setitem(in_process._state, "loader", loader)
    assert in_process._shared_loader() is loader
    assert in_process._shared_loader(None) is loader


def test_shared_loader_makes_a_loader_for_another_data_path(monkeypatch, tmp_path):
    warm_loader = botocore.loaders.Loader()
    monkeypatch.setitem(in_process._state, "loader", warm_loader)
    loader = in_process._shared_loader(str(tmp_path))
    assert isinstance(loader, botocore.loaders.Loader) and loader is not warm_loader
    assert str(tmp_path) in loader.search_paths


def test_shared_loader_makes_a_loader_before_the_warm_up(monkeypatch):
    monkeypatch.setitem(in_process._state, "loader", None)
    create = mock.MagicMock(return_value="a new loader")
    assert in_process._shared_loader(None, _create=create) == "a new loader"
    create.assert_called_once_with(None)
    loader = in_process._shared_loader()
    assert isinstance(loader, botocore.loaders.Loader) and loader is not in_process._shared_loader()


@pytest.fixture(name="cold")
def cold_fixture(monkeypatch):
    """A controller that has not warmed up yet, whose botocore clients are recorded."""
    monkeypatch.setattr(in_process, "_state", {"warm": False, "loader": None})
    monkeypatch.delenv("AWS_DATA_PATH", raising=False)
    services = []
    create_client = botocore.session.Session.create_client

    def recording_create_client(self, service_name, *args, **kwargs):
        services.append(service_name)
        return create_client(self, service_name, *args, **kwargs)

    monkeypatch.setattr(botocore.session.Session, "create_client", recording_create_client)
    # The Jinja plugins have tests of their own (below); here they are only counted.
    monkeypatch.setattr(in_process, "warm_jinja_plugins", lambda: services.append("jinja plugins"))
    return services


def test_warm_reads_the_models_once(cold, monkeypatch):
    in_process.warm(services=("sts",), imports=("json", "no_such_module_for_the_warm_up"))
    loader = in_process._state["loader"]
    assert isinstance(loader, botocore.loaders.Loader)
    assert in_process._state["warm"] is True
    assert cold == ["jinja plugins", "sts"]
    create_loader = mock.MagicMock()
    monkeypatch.setattr(botocore.loaders, "create_loader", create_loader)
    in_process.warm(services=("sts",), imports=("json",))
    create_loader.assert_not_called()
    assert cold == ["jinja plugins", "sts"]
    assert in_process._state["loader"] is loader


def test_warm_freezes_what_it_loaded(cold, monkeypatch):
    frozen = []
    monkeypatch.setattr(in_process, "freeze", lambda collect=True: frozen.append(collect))
    in_process.warm(services=("sts",), imports=("json",))
    assert frozen == [True]


def test_freeze_moves_the_objects_to_the_permanent_generation():
    import gc  # pylint: disable=import-outside-toplevel

    try:
        gc.unfreeze()
        assert gc.get_freeze_count() == 0
        in_process.freeze(collect=False)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_worker_freezes_before_it_forks(monkeypatch):
    events = []
    monkeypatch.setattr(in_process, "freeze", lambda collect=True: events.append(("freeze", collect)))
    fork = os.fork

    def recording_fork():
        events.append(("fork",))
        return fork()

    monkeypatch.setattr(in_process.os, "fork", recording_fork)
    result = run_fake(behaviour="ok")
    assert result["rc"] == 0, result
    assert events == [("freeze", False), ("fork",)]


def test_warm_imports_what_it_is_given(cold, monkeypatch):
    imported = []
    monkeypatch.setattr(in_process.importlib, "import_module", imported.append)
    in_process.warm(services=(), imports=("json", "boto3"))
    assert imported == ["json", "boto3"]
    assert cold == ["jinja plugins"]


def test_warm_keeps_no_loader_with_a_data_path_of_its_own(cold, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    in_process.warm(services=("sts",), imports=("json",))
    assert in_process._state == {"warm": True, "loader": None}
    assert cold == ["jinja plugins"]


def test_warm_never_fails(cold, monkeypatch):
    monkeypatch.setattr(botocore.loaders, "create_loader", mock.MagicMock(side_effect=OSError("unreadable")))
    in_process.warm(services=("sts",), imports=("json",))
    assert in_process._state == {"warm": True, "loader": None}
    assert cold == ["jinja plugins"]


class FakeJinjaLoader:
    """A filter or test plugin loader that records what it is asked."""

    def __init__(self, events, kind, fail=False):
        self.events, self.kind, self.fail = events, kind, fail

    def all(self):
        self.events.append((self.kind, "all"))
        if self.fail:
            raise OSError("unreadable plugin directory")
        yield from ("a plugin", "another")

    def get(self, name):
        self.events.append((self.kind, "get", name))
        return mock.Mock()


def test_warm_jinja_plugins_loads_the_filters_and_tests_then_renders_a_template(monkeypatch):
    import ansible.plugins.loader as plugin_loader  # pylint: disable=import-outside-toplevel
    import ansible.template  # pylint: disable=import-outside-toplevel

    events = []
    monkeypatch.setattr(plugin_loader, "filter_loader", FakeJinjaLoader(events, "filter"))
    monkeypatch.setattr(plugin_loader, "test_loader", FakeJinjaLoader(events, "test"))

    # ansible-core 2.19+ renders trusted strings only; before, any string.
    trusted = getattr(ansible.template, "is_trusted_as_template", lambda value: isinstance(value, str))

    class RecordingTemplar(ansible.template.Templar):
        def template(self, variable, *args, **kwargs):
            rendered = super().template(variable, *args, **kwargs)
            events.append(("template", variable, trusted(variable), rendered))
            return rendered

    monkeypatch.setattr(ansible.template, "Templar", RecordingTemplar)
    assert in_process.warm_jinja_plugins() is True
    assert events == [
        ("filter", "all"),
        ("test", "all"),
        ("filter", "get", "multiaccount.apigateway.attachment_subnets"),
        ("template", in_process.JINJA_WARM_TEMPLATE, True, True),
    ]


def test_warm_jinja_plugins_never_fails(monkeypatch):
    import ansible.plugins.loader as plugin_loader  # pylint: disable=import-outside-toplevel

    events = []
    monkeypatch.setattr(plugin_loader, "filter_loader", FakeJinjaLoader(events, "filter", fail=True))
    assert in_process.warm_jinja_plugins() is False
    assert events == [("filter", "all")]


WARM_JINJA_SCRIPT = """
import json, os, sys
from ansible.plugins.loader import filter_loader, init_plugin_loader, test_loader
init_plugin_loader([sys.argv[1]])
from ansible_collections.multiaccount.apigateway.plugins.plugin_utils import in_process
before = set(sys.modules)
warmed = in_process.warm_jinja_plugins()
loaded = sorted(set(sys.modules) - before)
before = set(sys.modules)
found = [filter_loader.get(name) is not None for name in ("ansible.builtin.combine", "ansible.builtin.to_json", in_process.JINJA_PROBE)]
found.append(test_loader.get("ansible.builtin.subset") is not None)
print(json.dumps({"warmed": warmed, "loaded": loaded, "found": found, "then_imported": sorted(set(sys.modules) - before)}))
"""


def test_warm_jinja_plugins_with_ansible_cores_own_loaders():
    """With ansible-core's loaders (in a Python of its own, as ansible-playbook sets them up): the
    warm-up imports ansible-core's filter and test files and this collection's filters, after which
    templates that name them import nothing (what a worker forked later no longer does)."""
    collections = os.path.join(ROOT, ".venv", "collections")
    if not os.path.isdir(collections):
        pytest.skip("no .venv/collections (make venv) to resolve the collection from")
    out = subprocess.run(
        [sys.executable, "-c", WARM_JINJA_SCRIPT, collections], capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["warmed"] is True
    # ansible-core names the files it loads with a hash: core_<hash> (2.19), <hash>_core (2.17).
    for kind in ("filter", "test"):
        core = [name for name in result["loaded"] if name.startswith(f"ansible.plugins.{kind}.") and "core" in name]
        assert core, result["loaded"]
    assert "ansible_collections.multiaccount.apigateway.plugins.filter.apply" in result["loaded"]
    assert result["found"] == [True, True, True, True]
    assert result["then_imported"] == []


def test_warm_does_nothing_without_botocore(cold, monkeypatch):
    monkeypatch.setattr(in_process, "HAS_BOTOCORE", False)
    in_process.warm(services=("sts",), imports=("json",))
    assert in_process._state == {"warm": False, "loader": None}
    assert cold == []


def test_warm_imports_the_module_of_the_action_plugin_once(cold, monkeypatch):
    imported = []
    frozen = []
    monkeypatch.setattr(in_process.importlib, "import_module", imported.append)
    monkeypatch.setattr(in_process, "freeze", lambda collect=True: frozen.append(collect))
    monkeypatch.delitem(
        sys.modules, "ansible_collections.multiaccount.apigateway.plugins.modules.rest_api", raising=False
    )
    in_process.warm("ansible_collections.multiaccount.apigateway.plugins.action.rest_api", services=(), imports=())
    assert imported == ["ansible_collections.multiaccount.apigateway.plugins.modules.rest_api"]
    # Imported once: the children find it in sys.modules, compiled, and so does the next warm-up.
    assert frozen[-1] is False
    monkeypatch.setitem(
        sys.modules, "ansible_collections.multiaccount.apigateway.plugins.modules.rest_api", mock.Mock()
    )
    in_process.warm("ansible_collections.multiaccount.apigateway.plugins.action.rest_api", services=(), imports=())
    assert imported == ["ansible_collections.multiaccount.apigateway.plugins.modules.rest_api"]


def test_warm_module_imports_the_real_module_without_running_it(monkeypatch):
    """Its main() would exit (SystemExit) for want of arguments: the import runs the top level only."""
    name = "ansible_collections.multiaccount.apigateway.plugins.modules.vpc_routes"
    monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(in_process, "freeze", lambda collect=True: None)
    assert in_process.warm_module("ansible_collections.multiaccount.apigateway.plugins.action.vpc_routes") == name
    assert name in sys.modules and callable(sys.modules[name].main)


@pytest.mark.parametrize(
    "action_name", [None, 3, "ansible_collections.multiaccount.apigateway.plugins.action.not an identifier"]
)
def test_warm_module_ignores_what_names_no_module(action_name, monkeypatch):
    monkeypatch.setattr(in_process.importlib, "import_module", mock.Mock(side_effect=AssertionError("no import")))
    assert in_process.warm_module(action_name) is None


def test_warm_module_never_fails(monkeypatch):
    monkeypatch.setattr(in_process.importlib, "import_module", mock.Mock(side_effect=SyntaxError("broken module")))
    assert in_process.warm_module("ansible_collections.multiaccount.apigateway.plugins.action.no_such_module") is None


def test_warm_foreign_imports_the_read_only_module_of_another_collection(monkeypatch):
    """demo_instances' wait polls amazon.aws.ec2_instance_info in a child: imported once, not per poll."""
    path = in_process.FOREIGN_MODULES["amazon.aws.ec2_instance_info"]
    monkeypatch.delitem(sys.modules, path, raising=False)
    frozen = []
    monkeypatch.setattr(in_process, "freeze", lambda collect=True: frozen.append(collect))
    assert in_process.warm_foreign("amazon.aws.ec2_instance_info") == path
    assert path in sys.modules and callable(sys.modules[path].main)
    assert frozen == [False]
    # Imported already: nothing more.
    assert in_process.warm_foreign("amazon.aws.ec2_instance_info") == path
    assert frozen == [False]


@pytest.mark.parametrize("name", [None, 3, "amazon.aws.ec2_instance", "multiaccount.apigateway.vpc_routes"])
def test_warm_foreign_imports_only_the_foreign_modules(name, monkeypatch):
    monkeypatch.setattr(in_process.importlib, "import_module", mock.Mock(side_effect=AssertionError("no import")))
    assert in_process.warm_foreign(name) is None


def test_warm_foreign_never_fails(monkeypatch):
    monkeypatch.delitem(sys.modules, in_process.FOREIGN_MODULES["amazon.aws.ec2_instance_info"], raising=False)
    monkeypatch.setattr(in_process.importlib, "import_module", mock.Mock(side_effect=SyntaxError("broken module")))
    assert in_process.warm_foreign("amazon.aws.ec2_instance_info") is None


def test_warm_passes_foreign_on(monkeypatch):
    warmed = []
    monkeypatch.setattr(in_process, "_state", {"warm": True, "loader": None})
    monkeypatch.setattr(in_process, "warm_module", lambda action: None)
    monkeypatch.setattr(in_process, "warm_foreign", warmed.append)
    in_process.warm("ansible_collections.multiaccount.apigateway.plugins.action.demo_instances", foreign=("a.b.c",))
    assert warmed == ["a.b.c"]


def test_every_action_plugin_warms_its_own_module():
    """Each file under plugins/action/ that warms the controller names itself, so that its module is imported."""
    directory = os.path.join(ROOT, "plugins", "action")
    warming = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".py") and name != "__init__.py":
            with open(os.path.join(directory, name), encoding="utf-8") as handle:
                source = handle.read()
            if "import InProcessAction" in source or "warm" in source:
                warming[name] = re.search(r"\nwarm\(__name__(\)|, foreign=\([^)]*\)\))\n", source) is not None
                assert os.path.exists(os.path.join(ROOT, "plugins", "modules", name)), name
    assert warming and all(warming.values()), [name for name, ok in warming.items() if not ok]


# the mixin, through the action of a module


def action(tmp_path, args, check_mode=True, **task_attributes):
    """A module's action for a local connection, whose module is the fake module.

    The real _update_module_args runs: it reads the connection's socket_path, become, _shell.tmpdir and
    the shell's remote_tmp option, and the play context's executable, which must be JSON values."""
    task = mock.MagicMock()
    task.args = dict(args)
    task.action = FAKE_NAME
    task.async_val = 0
    task.environment = []
    task.collections = []
    task.check_mode = check_mode
    task.diff = True
    task.no_log = False
    task.delegate_to = None
    for name, value in task_attributes.items():
        setattr(task, name, value)
    connection = mock.MagicMock()
    connection.transport = "local"
    connection.become = None
    connection.socket_path = None
    connection.has_native_async = False
    connection._shell.tmpdir = None
    connection._shell.get_option.side_effect = lambda option: {"remote_tmp": str(tmp_path)}[option]
    play_context = mock.MagicMock()
    play_context.become = False
    play_context.executable = "/bin/sh"
    templar = mock.MagicMock()
    templar.template.side_effect = lambda value: value
    return module_action.ActionModule(task, connection, play_context, None, templar, None)


@pytest.fixture(name="fake_routes")
def fake_routes_fixture(monkeypatch):
    """FAKE_NAME is the fake module; the usual way and the fork are recorded."""
    routes = {FAKE_NAME: FAKE_MODULE}
    monkeypatch.setattr(in_process, "module_path", lambda name, collections=(): routes.get(name))
    usual = mock.MagicMock(return_value={"changed": False, "usual": True})
    monkeypatch.setattr(ActionBase, "_execute_module", usual)
    forks = []
    run = in_process.run

    def recording_run(module, json_params):
        forks.append(json.loads(json_params)["ANSIBLE_MODULE_ARGS"])
        return run(module, json_params)

    monkeypatch.setattr(in_process, "run", recording_run)
    return usual, forks


def integration_normal_plugin():
    """tests/integration/action_plugins/normal.py, loaded as a module of its own."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "integration", "action_plugins", "normal.py")
    spec = importlib.util.spec_from_file_location("integration_normal_action", path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def test_the_test_playbooks_normal_action_runs_the_stock_aws_modules_in_a_fork():
    normal = integration_normal_plugin().ActionModule
    assert issubclass(normal, in_process.InProcessAction)
    assert normal.IN_PROCESS_COLLECTIONS == ("amazon.aws", "community.aws")
    assert in_process.InProcessAction.IN_PROCESS_COLLECTIONS == ()


def test_the_test_playbooks_normal_action_leaves_the_roles_of_this_collection_as_they_are():
    plugin = integration_normal_plugin()
    role = mock.MagicMock(_role_collection="multiaccount.apigateway")
    role.get_name.return_value = "multiaccount.apigateway.shared_gateway"
    assert plugin.role_of_this_collection(mock.MagicMock(_role=role)) == "multiaccount.apigateway.shared_gateway"
    # A play's own task, and a task of a test role (an integration target) or of another collection's role.
    assert plugin.role_of_this_collection(mock.MagicMock(_role=None)) is None
    assert plugin.role_of_this_collection(mock.MagicMock(_role=mock.MagicMock(_role_collection=None))) is None
    assert plugin.role_of_this_collection(mock.MagicMock(_role=mock.MagicMock(_role_collection="amazon.aws"))) is None

    action = plugin.ActionModule.__new__(plugin.ActionModule)
    action._task = mock.MagicMock(_role=role)
    reason = action._in_process_refusal("amazon.aws.ec2_tag", {}, False)
    assert reason == (
        "a task of the role multiaccount.apigateway.shared_gateway, which runs its stock modules the usual way, as for users"
    )


def test_this_collection_does_not_import_ansibles_normal_action():
    # A playbook's action_plugins/normal.py (tests/integration has one) is loaded under the Python name of
    # Ansible's own normal action: had this collection imported that one first, it would be ignored.
    code = (
        "import sys\n"
        "from ansible_collections.multiaccount.apigateway.plugins.plugin_utils import in_process\n"
        "from ansible_collections.multiaccount.apigateway.plugins.action import rest_api, vpc_routes\n"
        "print('ansible.plugins.action.normal' in sys.modules)\n"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ)
    assert found.stdout.strip() == "False"


def test_the_action_runs_the_module_in_a_fork_with_the_task_modes(fake_routes, tmp_path):
    usual, forks = fake_routes
    result = action(tmp_path, {"behaviour": "modes"}).run(task_vars={"ansible_python_interpreter": sys.executable})
    usual.assert_not_called()
    assert len(forks) == 1
    assert forks[0]["_ansible_check_mode"] is True and forks[0]["_ansible_diff"] is True
    assert forks[0]["_ansible_module_name"] == FAKE_NAME
    assert forks[0]["_ansible_remote_tmp"] == str(tmp_path)
    assert result["check_mode"] is True and result["diff"] is True
    assert result["changed"] is False and not result.get("failed")
    assert result["invocation"]["module_args"]["behaviour"] == "modes"
    assert not [key for key in result["invocation"]["module_args"] if key.startswith("_ansible_")]


def test_the_action_cleans_the_result_as_the_usual_way_does(fake_routes, tmp_path):
    data = {"_ansible_sneaky": "internal", "results": {"a": 1}, "stdout": "one\ntwo", "warnings": []}
    plugin = action(tmp_path, {"behaviour": "ok", "changed": True, "data": data}, check_mode=False)
    result = plugin.run(task_vars={"ansible_python_interpreter": sys.executable})
    fake_routes[0].assert_not_called()
    assert result["changed"] is True
    assert [key for key in result if key.startswith("_ansible_")] == ["_ansible_parsed"]
    assert result["ansible_module_results"] == {"a": 1} and "results" not in result
    assert result["stdout_lines"] == ["one", "two"]
    assert "warnings" not in result
    assert plugin._used_interpreter == sys.executable


def test_the_action_keeps_no_log_values_out_of_the_result(fake_routes, tmp_path):
    plugin = action(tmp_path, {"behaviour": "secret", "secret": SECRET})
    result = plugin.run(task_vars={"ansible_python_interpreter": sys.executable})
    assert len(fake_routes[1]) == 1
    assert result["msg"] == "the secret is ********"
    assert SECRET not in json.dumps(result)


def test_the_action_fails_the_task_of_a_module_without_a_result(fake_routes, tmp_path):
    result = action(tmp_path, {"behaviour": "exit3"}).run(task_vars={"ansible_python_interpreter": sys.executable})
    assert len(fake_routes[1]) == 1
    assert result["failed"] is True and result["rc"] == 3
    assert result["module_stdout"] == ""
    # Ansible's own words for a module without a result: 2.19+, and before.
    assert "deserialization failed" in result["msg"] or result["msg"].startswith("MODULE FAILURE")


def test_the_action_leaves_no_module_tmpdir_behind(fake_routes, tmp_path):
    result = action(tmp_path, {"behaviour": "tmpdir"}).run(task_vars={"ansible_python_interpreter": sys.executable})
    assert len(fake_routes[1]) == 1 and not result.get("failed")
    assert result["tmpdir"].startswith(str(tmp_path))
    assert not os.path.exists(result["tmpdir"])


def test_the_action_templates_the_interpreter(fake_routes, tmp_path):
    plugin = action(tmp_path, {"behaviour": "modes"})
    plugin._templar.template.side_effect = lambda value: {"{{ python }}": sys.executable}.get(value, value)
    result = plugin.run(task_vars={"ansible_python_interpreter": "{{ python }}"})
    fake_routes[0].assert_not_called()
    assert len(fake_routes[1]) == 1 and result["check_mode"] is True


@pytest.mark.parametrize(
    "task_vars",
    [
        {"ansible_python_interpreter": OTHER_PYTHON},
        {"ansible_python_interpreter": sys.executable, "multiaccount_apigateway_in_process": False},
        {"ansible_python_interpreter": sys.executable, "multiaccount_apigateway_in_process": "false"},
        {},
    ],
)
def test_the_action_runs_the_module_the_usual_way_when_ineligible(fake_routes, tmp_path, task_vars):
    usual, forks = fake_routes
    result = action(tmp_path, {"behaviour": "modes"}).run(task_vars=task_vars)
    usual.assert_called_once()
    assert usual.call_args.kwargs["task_vars"] == task_vars and usual.call_args.kwargs["module_name"] is None
    assert forks == []
    assert result["usual"] is True


@pytest.mark.parametrize(
    "task_attributes",
    [{"environment": [{"HTTPS_PROXY": "http://proxy:3128"}]}, {"async_val": 30}],
)
def test_the_action_runs_the_module_the_usual_way_with_a_task_environment_or_async(
    fake_routes, tmp_path, task_attributes
):
    usual, forks = fake_routes
    plugin = action(tmp_path, {"behaviour": "modes"}, **task_attributes)
    plugin._execute_module(task_vars={"ansible_python_interpreter": sys.executable})
    usual.assert_called_once()
    assert forks == []


def test_the_action_runs_the_module_the_usual_way_over_another_connection(fake_routes, tmp_path):
    usual, forks = fake_routes
    plugin = action(tmp_path, {"behaviour": "modes"})
    plugin._connection.transport = "ssh"
    plugin.run(task_vars={"ansible_python_interpreter": sys.executable})
    usual.assert_called_once()
    assert forks == []


def test_the_action_runs_the_module_the_usual_way_when_the_variables_cannot_be_templated(fake_routes, tmp_path):
    usual, forks = fake_routes
    plugin = action(tmp_path, {"behaviour": "modes"})
    plugin._templar.template.side_effect = ValueError("undefined variable")
    assert plugin._in_process_refusal(FAKE_NAME, {"ansible_python_interpreter": "{{ nope }}"}, False) == (
        "ansible_python_interpreter or multiaccount_apigateway_in_process cannot be templated here"
    )
    plugin.run(task_vars={"ansible_python_interpreter": "{{ nope }}"})
    usual.assert_called_once()
    assert forks == []


def test_resolve_module_returns_the_fqcn_the_module_loader_finds(monkeypatch, tmp_path):
    from ansible.plugins.loader import module_loader

    plugin = action(tmp_path, {}, collections=["multiaccount.apigateway"])
    find = mock.MagicMock()
    monkeypatch.setattr(module_loader, "find_plugin_with_context", find)
    find.return_value = mock.MagicMock(resolved=True, resolved_fqcn="multiaccount.apigateway.rest_api")
    assert plugin._resolve_module("rest_api") == "multiaccount.apigateway.rest_api"
    find.assert_called_once_with("rest_api", collection_list=["multiaccount.apigateway"])
    find.return_value = mock.MagicMock(resolved=False, resolved_fqcn=None)
    assert plugin._resolve_module("no_such_module") == "no_such_module"
    find.side_effect = RuntimeError("broken loader")
    assert plugin._resolve_module("rest_api") == "rest_api"


# every module has an action plugin that runs it in a fork


def plugins(kind):
    return {name[:-3] for name in os.listdir(os.path.join(ROOT, "plugins", kind)) if name.endswith(".py")} - {
        "__init__"
    }


def test_every_module_that_an_action_runs_runs_in_a_fork_when_it_can():
    modules = plugins("modules")
    assert len(modules) > 20
    assert (
        sorted(modules - plugins("action")) == []
    ), "modules without an action plugin (copy plugins/action/vpc_routes.py)"
    executing = []
    for name in sorted(modules):
        with open(os.path.join(ROOT, "plugins", "action", f"{name}.py"), encoding="utf-8") as source:
            runs_a_module = "_execute_module" in source.read()
        plugin = importlib.import_module(f"ansible_collections.multiaccount.apigateway.plugins.action.{name}")
        if issubclass(plugin.ActionModule, in_process.InProcessModules):
            executing.append(name)
        else:
            assert not runs_a_module, f"plugins/action/{name}.py runs its module the usual way only"
    # preflight and path_verify compute on the controller and never run their module.
    assert sorted(modules - set(executing)) == ["path_verify", "preflight"]
