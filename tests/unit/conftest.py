# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shared by every unit test: botocore's data files are parsed once per test process, and moto
creates its EC2 backends without the default images.

A module under test builds a new boto3 session on each run, as it does under Ansible, and botocore
caches what it parses per session only: each run parsed the endpoints (1.2 MB of JSON) and the EC2
model (4.3 MB) again, about half of the unit tests' time. Here the parsed files are kept for the
whole process. Botocore never changes them after loading a service model (the "extras" it merges
into a model are merged once, by the first load), so sharing them across sessions changes no
behaviour, only the time. For the same reason the methods of a client class (one function per
operation, 600 for EC2: a quarter of the unit tests' time went into making them for each of 1,500
clients) are made once per service model: each only calls ``self._make_api_call`` with its operation's
name, whatever the session.

moto fills every new EC2 backend (one per account and region, new in each test) with about 1,300
default images, each with its snapshot: 57% of the time of the module tests went there. Only the
tests that use an image need them; they are marked ``default_amis``.
"""

import botocore.client
import botocore.loaders
import pytest

_FILES = {}


def pytest_configure(config):
    config.addinivalue_line("markers", "default_amis: moto's EC2 backends get their default images")


@pytest.fixture(autouse=True)
def _no_default_amis(request, monkeypatch):
    if request.node.get_closest_marker("default_amis") is None:
        monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")


@pytest.fixture(autouse=True, scope="session")
def _parse_botocore_data_once():
    original_data = botocore.loaders.Loader.load_data_with_path
    original_model = botocore.loaders.Loader.load_service_model

    def load_data_with_path(self, name):
        key = ("data", tuple(self.search_paths), name)
        if key not in _FILES:
            _FILES[key] = original_data(self, name)
        return _FILES[key]

    def load_service_model(self, service_name, type_name, api_version=None):
        key = ("model", tuple(self.search_paths), service_name, type_name, api_version)
        if key not in _FILES:
            _FILES[key] = original_model(self, service_name, type_name, api_version)
        return _FILES[key]

    original_methods = botocore.client.ClientCreator._create_methods

    def create_methods(self, service_model):
        # The parsed model is the one kept above: its identity names the service and version.
        description = service_model._service_description  # pylint: disable=protected-access
        key = ("methods", id(description))
        if key not in _FILES or _FILES[key][0] is not description:
            _FILES[key] = (description, original_methods(self, service_model))
        return dict(_FILES[key][1])  # the class's own dict: creating-client-class handlers add to it

    botocore.loaders.Loader.load_data_with_path = load_data_with_path
    botocore.loaders.Loader.load_service_model = load_service_model
    botocore.client.ClientCreator._create_methods = create_methods
    yield
    botocore.loaders.Loader.load_data_with_path = original_data
    botocore.loaders.Loader.load_service_model = original_model
    botocore.client.ClientCreator._create_methods = original_methods
