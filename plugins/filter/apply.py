# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters the roles use to join the plan with the ids AWS assigned (see module_utils/joins.py).

Each filter is a thin wrapper around a pure, unit-tested function of
``plugins/module_utils/joins.py``; its documentation is the YAML file of the same name here.
"""

from ansible_collections.multiaccount.apigateway.plugins.module_utils import joins


class FilterModule:
    """multiaccount.apigateway filters."""

    def filters(self):
        return {
            "attachment_subnets": joins.attachment_subnets,
            "certificate_host": joins.certificate_host,
            "connectivity_routes": joins.connectivity_routes,
            "deleted_route_keys": joins.deleted_route_keys,
            "demo_instance_specs": joins.demo_instance_specs,
            "foreign_groups": joins.foreign_groups,
            "gateway_routes": joins.gateway_routes,
            "gateway_waits": joins.gateway_waits,
            "groups_in_order": joins.groups_in_order,
            "hostvar_map": joins.hostvar_map,
            "inventory_accounts": joins.inventory_accounts,
            "peering_choice": joins.peering_choice,
            "peering_requests": joins.peering_requests,
            "peering_specs": joins.peering_specs,
            "private_integration_in_place": joins.private_integration_in_place,
            "probe_results": joins.probe_results,
            "rest_api_routes": joins.rest_api_routes,
            "route_urls": joins.route_urls,
            "security_group_ids": joins.security_group_ids,
            "service_lines": joins.service_lines,
            "stale_vpc_links": joins.stale_vpc_links,
            "transit_gateway_spokes": joins.transit_gateway_spokes,
            "verify_providers": joins.verify_providers,
            "vpc_link_changes": joins.vpc_link_changes,
            "vpc_link_v2_changes": joins.vpc_link_v2_changes,
        }
