# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The launcher CLI (tools/emulator/launcher.py) and the guards of tools/emulator/patches.py."""

import http.server
import os
import sys
import threading

import pytest
from emulator_support import ROOT, free_port, launcher

sys.path.insert(0, os.path.join(ROOT, "tools", "emulator"))
import launcher as launcher_module  # noqa: E402  (tools/emulator/launcher.py)
import patches  # noqa: E402  (tools/emulator/patches.py)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.1", "128.0.0.1", "localhost", "::1", "example.com"])
def test_refuses_non_loopback_host(host, tmp_path):
    result = launcher("--host", host, "--port", "5999", "--state-dir", str(tmp_path), "start")
    assert result.returncode == 2
    assert "loopback" in result.stderr
    assert not list(tmp_path.iterdir())


def test_accepts_any_loopback_address(tmp_path):
    result = launcher("--host", "127.0.0.2", "--port", str(free_port()), "--state-dir", str(tmp_path), "status")
    assert result.returncode == 3


def test_down_emulator(tmp_path):
    args = ("--port", str(free_port()), "--state-dir", str(tmp_path))
    assert launcher(*args, "status").returncode == 3
    assert launcher(*args, "reset").returncode == 3
    stopped = launcher(*args, "stop")
    assert stopped.returncode == 0 and "not running" in stopped.stdout


def test_start_is_idempotent(emulator):
    if emulator.state_dir is None:
        pytest.skip("EMULATOR_URL names an emulator these tests did not start")
    args = ("--port", str(emulator.port), "--state-dir", emulator.state_dir)
    again = launcher(*args, "start")
    assert again.returncode == 0 and "already running" in again.stdout
    status = launcher(*args, "status")
    assert status.returncode == 0 and status.stdout.splitlines()[0] == emulator.url
    info = emulator.info()
    disabled = patches.parse_ids(os.environ.get("EMULATOR_DISABLE_PATCHES", ""))
    assert info["moto"] == "5.2.5"
    assert info["patches"] == [pid for pid in patches.PATCHES if pid not in disabled]
    with open(os.path.join(emulator.state_dir, f"emulator-{emulator.port}.pid"), encoding="utf-8") as handle:
        assert int(handle.read()) == info["pid"]


def test_start_fails_fast_on_bad_patch_id(tmp_path, monkeypatch):
    monkeypatch.setenv("EMULATOR_DISABLE_PATCHES", "G99")
    port = free_port()
    result = launcher("--port", str(port), "--state-dir", str(tmp_path), "start")
    assert result.returncode == 1
    assert "G99" in result.stderr
    assert not (tmp_path / f"emulator-{port}.pid").exists()


def test_start_refuses_port_of_something_else(tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        args = ("--port", str(server.server_address[1]), "--state-dir", str(tmp_path))
        result = launcher(*args, "start")
        assert result.returncode == 1 and "not this emulator" in result.stderr
        assert launcher(*args, "status").returncode == 1
    finally:
        server.shutdown()
        server.server_close()


def test_apply_refuses_other_moto_version(monkeypatch):
    import moto

    monkeypatch.setattr(moto, "__version__", "5.2.6")
    with pytest.raises(RuntimeError, match="5.2.5"):
        patches.apply()
    assert patches.ENABLED == set()


def test_parse_ids():
    assert patches.parse_ids(" g1, G6A ,g2b") == ["G1", "G6a", "G2b"]
    assert patches.parse_ids("") == []
    with pytest.raises(ValueError, match="G7"):
        patches.parse_ids("G1,G7")


def test_knobs_from_environment(monkeypatch):
    knobs = {"vpc_link_pending_seconds": 0.0, "target_initial_seconds": 0.0, "throttle_fraction": 0.0}
    monkeypatch.setattr(patches, "KNOBS", knobs)
    patches._read_knobs(
        {
            "EMULATOR_VPC_LINK_PENDING_SECONDS": "2.5",
            "EMULATOR_TARGET_INITIAL_SECONDS": "",
            "EMULATOR_THROTTLE_FRACTION": "0.2",
        }
    )
    assert patches.KNOBS == {"vpc_link_pending_seconds": 2.5, "target_initial_seconds": 0.0, "throttle_fraction": 0.2}
    for bad in ("soon", "-1"):
        with pytest.raises(ValueError, match="EMULATOR_VPC_LINK_PENDING_SECONDS"):
            patches._read_knobs({"EMULATOR_VPC_LINK_PENDING_SECONDS": bad})
    with pytest.raises(ValueError, match="EMULATOR_THROTTLE_FRACTION is a fraction of the calls"):
        patches._read_knobs({"EMULATOR_THROTTLE_FRACTION": "20"})


def test_tune_server_lists_moto_modules_once_with_the_same_answer(monkeypatch):
    from moto import backends  # pylint: disable=import-outside-toplevel

    monkeypatch.setattr(backends, "list_of_moto_modules", backends.list_of_moto_modules)
    before = list(backends.list_of_moto_modules())
    assert "ec2" in before and "elbv2" in before and "apigateway" in before
    changed = launcher_module.tune_server({"EMULATOR_LOG_REQUESTS": "1", "EMULATOR_ECS_AMIS": "1"})
    assert changed == ["moto modules listed once"]
    listed = []
    monkeypatch.setattr(os, "listdir", lambda path: listed.append(path) or [])
    assert list(backends.list_of_moto_modules()) == before == list(backends.list_of_moto_modules())
    assert "127.0.0.1:5000" not in backends.list_of_moto_modules() and "ec2" in backends.list_of_moto_modules()
    assert listed == []
    # A second tuning changes nothing more.
    assert launcher_module.tune_server({"EMULATOR_LOG_REQUESTS": "1", "EMULATOR_ECS_AMIS": "1"}) == []


@pytest.mark.parametrize("value, quiet", [("", True), ("0", True), ("1", False)])
def test_tune_server_leaves_out_the_request_log_unless_asked(value, quiet, monkeypatch):
    import logging  # pylint: disable=import-outside-toplevel

    from moto import backends  # pylint: disable=import-outside-toplevel

    monkeypatch.setattr(backends, "list_of_moto_modules", backends.list_of_moto_modules)
    logger = logging.getLogger("werkzeug")
    monkeypatch.setattr(logger, "level", logging.NOTSET)
    changed = launcher_module.tune_server({"EMULATOR_LOG_REQUESTS": value, "EMULATOR_ECS_AMIS": "1"})
    assert ("request log off" in changed) is quiet
    # Left at NOTSET, werkzeug sets INFO itself at its first line; WARNING keeps its errors only.
    assert logger.level == (logging.WARNING if quiet else logging.NOTSET)
    assert logger.isEnabledFor(logging.ERROR)


def test_tune_server_leaves_out_the_ecs_optimized_images_unless_asked(monkeypatch):
    """A new account's EC2 backend: moto's default and latest images (the demo's Amazon Linux 2023
    among them), without the 1,227 ECS-optimized ones per region; EMULATOR_ECS_AMIS=1 keeps them."""
    import logging  # pylint: disable=import-outside-toplevel

    from moto import backends  # pylint: disable=import-outside-toplevel
    from moto.ec2.models import amis, ec2_backends  # pylint: disable=import-outside-toplevel

    monkeypatch.setattr(backends, "list_of_moto_modules", backends.list_of_moto_modules)
    monkeypatch.setattr(logging.getLogger("werkzeug"), "level", logging.NOTSET)
    monkeypatch.setattr(amis, "load_resource", amis.load_resource)
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "true")

    def names(account):
        return [image.name for image in ec2_backends[account]["us-east-1"].amis.values()]

    full = names("100000000001")
    assert any("-ecs-" in name for name in full)
    assert "no ECS-optimized images" not in launcher_module.tune_server({"EMULATOR_ECS_AMIS": "1"})
    assert names("100000000002") == full

    assert "no ECS-optimized images" in launcher_module.tune_server({"EMULATOR_LOG_REQUESTS": "1"})
    trimmed = names("100000000003")
    assert not any("-ecs-" in name for name in trimmed)
    assert len(full) - len(trimmed) == 1227
    assert any(name.startswith("al2023-ami-2023.") and name.endswith("-x86_64") for name in trimmed)
    assert set(trimmed) < set(full)
    # Once is enough: a second tuning changes nothing more.
    assert "no ECS-optimized images" not in launcher_module.tune_server({})


def test_the_emulator_lists_no_ecs_optimized_images_and_the_demo_image(aws):
    ec2 = aws.client("ec2")
    ecs = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["*-ecs-*"]}])["Images"]
    assert ecs == []
    demo = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["al2023-ami-2023.*-x86_64"]}])
    assert demo["Images"], "the demo instances' default image is gone"
