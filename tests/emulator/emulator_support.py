# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Helpers shared by the emulator tests (a uniquely named module: no clash with other conftest.py)."""

import json
import os
import socket
import subprocess
import sys
import urllib.request

import boto3
from botocore.config import Config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAUNCHER = os.path.join(ROOT, "tools", "emulator", "launcher.py")
REGION = "us-east-1"
ACCOUNT_A = "123456789012"  # the account of the plain test keys
ACCOUNT_B = "222222222222"
# No retries: a 500 from an unpatched operation must fail the test at once, not after backoff.
BOTO_CONFIG = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launcher(*args, check=False):
    """Run the launcher CLI; return the CompletedProcess (stdout and stderr as text)."""
    return subprocess.run(
        [sys.executable, LAUNCHER, *args], capture_output=True, text=True, timeout=60, check=check, cwd=ROOT
    )


def http(url, method="GET", body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, method=method, data=data)
    with urllib.request.urlopen(request, timeout=10) as response:  # nosec - loopback emulator
        return json.loads(response.read() or b"null")


class Emulator:
    def __init__(self, url, port=None, state_dir=None):
        self.url = url
        self.port = port
        self.state_dir = state_dir  # None when EMULATOR_URL names an emulator we did not start

    def reset(self):
        http(self.url + "/moto-api/reset", "POST", {})
        http(
            self.url + "/moto-api/emulator",
            "POST",
            {"vpc_link_pending_seconds": 0, "target_initial_seconds": 0, "throttle_fraction": 0, "hold_seconds": 0},
        )

    def knobs(self, **values):
        return http(self.url + "/moto-api/emulator", "POST", values)

    def info(self):
        return http(self.url + "/moto-api/emulator")


class Accounts:
    """boto3 clients per (service, account); other accounts come from sts.assume_role."""

    def __init__(self, url):
        self.url = url
        self.credentials = {}

    def _session_kwargs(self, account):
        if account in (None, ACCOUNT_A):
            return {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        if account not in self.credentials:
            sts = boto3.client(
                "sts",
                endpoint_url=self.url,
                region_name=REGION,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=BOTO_CONFIG,
            )
            creds = sts.assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/emulator-tests", RoleSessionName="emulator-tests"
            )
            self.credentials[account] = creds["Credentials"]
        creds = self.credentials[account]
        return {
            "aws_access_key_id": creds["AccessKeyId"],
            "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"],
        }

    def client(self, service, account=None, region=REGION):
        return boto3.client(
            service, endpoint_url=self.url, region_name=region, config=BOTO_CONFIG, **self._session_kwargs(account)
        )
