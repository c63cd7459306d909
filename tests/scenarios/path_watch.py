# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Watch the network path of every provider while a converge switches connectivity (peering, Transit Gateway).

    python path_watch.py watch OUT.json PROVIDERS.json   # samples until SIGTERM, then writes OUT.json
                                                         # (OUT.json.ready once the first sample is in)
    python path_watch.py state PROVIDERS.json            # one sample, as JSON

PROVIDERS.json: ``[{"name", "account", "region", "target"}]`` (one target IP per provider). A sample
reads (every 0.5 s), for each provider, the route the gateway route table (``open-banking-gateway``) takes to the
target (longest prefix) and the route each route table of the target's subnet takes back to every
gateway subnet, and judges each route's target: a peering must be ``active``; the Transit Gateway
needs, in the gateway account's view, the provider's VPC attachment ``available`` and associated,
the gateway VPC's attachment ``available`` and associated, and a route to the provider's CIDR in the
route table of the gateway's attachment (and back, one to the gateway's CIDR in the provider's). A
path with no route, or a route through a target that cannot carry it, is *broken*. ``watch`` keeps
every broken sample (time, provider, direction, why), the number of samples, when the first and the
last ran and the longest gap between two (epoch seconds), and the targets seen per provider, so that a
test can assert that the samples covered the switch and that at no sampled moment did a path break.
Only talks to the emulator at $AWS_ENDPOINT_URL (loopback).
"""

import ipaddress
import json
import signal
import sys
import time

from foreign_resources import GATEWAY, session

GATEWAY_TABLE = "open-banking-gateway"
INTERVAL = 0.5


def _longest(routes, ip):
    best = None
    for route in routes:
        dest = route.get("DestinationCidrBlock")
        if not dest or route.get("State") == "blackhole":
            continue
        network = ipaddress.ip_network(dest)
        if ipaddress.ip_address(ip) in network and (best is None or network.prefixlen > best[0].prefixlen):
            best = (network, route)
    return best[1] if best else None


def _target(route):
    for key in ("VpcPeeringConnectionId", "TransitGatewayId", "GatewayId", "NatGatewayId", "NetworkInterfaceId"):
        if route.get(key):
            return route[key]
    return None


class Sampler:
    def __init__(self, providers):
        self.providers = providers
        self.gw = session(*GATEWAY).client("ec2")
        self.clients = {p["name"]: session(p["account"], p["region"]).client("ec2") for p in providers}

    def _tgw_view(self):
        """The gateway account's view: attachments by id, associations and routes of each TGW route table."""
        attachments = {
            a["TransitGatewayAttachmentId"]: a
            for a in self.gw.describe_transit_gateway_attachments()["TransitGatewayAttachments"]
        }
        tables = {}
        for table in self.gw.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]:
            table_id = table["TransitGatewayRouteTableId"]
            associated = [
                a["TransitGatewayAttachmentId"]
                for a in self.gw.get_transit_gateway_route_table_associations(TransitGatewayRouteTableId=table_id)[
                    "Associations"
                ]
                if a.get("State", "associated") == "associated"
            ]
            routes = self.gw.search_transit_gateway_routes(
                TransitGatewayRouteTableId=table_id, Filters=[{"Name": "state", "Values": ["active"]}]
            )["Routes"]
            tables[table_id] = {"associated": associated, "routes": routes}
        return attachments, tables

    def _tgw_carries(self, view, vpc_from, vpc_to, ip):
        """Why the TGW cannot carry traffic from the VPC ``vpc_from`` to ``ip`` in ``vpc_to`` ('' when it can)."""
        attachments, tables = view
        by_vpc = {a.get("ResourceId"): a for a in attachments.values() if a.get("State") == "available"}
        source, dest = by_vpc.get(vpc_from), by_vpc.get(vpc_to)
        if not source or not dest:
            return f"no available attachment of {vpc_from if not source else vpc_to}"
        table = next((t for t in tables.values() if source["TransitGatewayAttachmentId"] in t["associated"]), None)
        if table is None:
            return f"attachment {source['TransitGatewayAttachmentId']} is associated with no route table"
        route = _longest(table["routes"], ip)
        if route is None:
            return f"no active TGW route to {ip}"
        through = [a.get("TransitGatewayAttachmentId") for a in route.get("TransitGatewayAttachments") or []]
        if dest["TransitGatewayAttachmentId"] not in through:
            return f"the TGW route to {ip} goes through {through}, not {dest['TransitGatewayAttachmentId']}"
        return ""

    def sample(self):
        # Routes first, then what they go through: a route moves only to a path that is ready, and a
        # path goes only once no route uses it, so this order never reports a move that is in order.
        gateway_table = self.gw.describe_route_tables(Filters=[{"Name": "tag:Name", "Values": [GATEWAY_TABLE]}])[
            "RouteTables"
        ]
        if not gateway_table:
            return {"broken": [{"provider": "*", "direction": "-", "why": "no gateway route table"}], "targets": {}}
        gateway_table = gateway_table[0]
        gateway_vpc = gateway_table["VpcId"]
        gateway_subnets = [
            s["CidrBlock"]
            for s in self.gw.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [gateway_vpc]}])["Subnets"]
        ]
        hops = []
        for provider in self.providers:
            name, ip = provider["name"], provider["target"]
            ec2 = self.clients[name]
            subnet = next(
                s
                for s in ec2.describe_subnets()["Subnets"]
                if ipaddress.ip_address(ip) in ipaddress.ip_network(s["CidrBlock"])
            )
            vpc = subnet["VpcId"]
            tables = ec2.describe_route_tables(
                Filters=[{"Name": "association.subnet-id", "Values": [subnet["SubnetId"]]}]
            )["RouteTables"]
            if not tables:
                tables = ec2.describe_route_tables(
                    Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
                )["RouteTables"]
            hops.append((name, "to", _longest(gateway_table["Routes"], ip), ip, gateway_vpc, vpc))
            for table in tables:
                for cidr in gateway_subnets:
                    address = str(ipaddress.ip_network(cidr)[4])
                    hops.append((name, "back", _longest(table["Routes"], address), address, vpc, gateway_vpc))
        peerings = {
            p["VpcPeeringConnectionId"]: p["Status"]["Code"]
            for p in self.gw.describe_vpc_peering_connections()["VpcPeeringConnections"]
        }
        view = self._tgw_view()
        broken, targets = [], {}
        for name, direction, route, address, vpc_from, vpc_to in hops:
            target = _target(route) if route else None
            targets.setdefault(name, set()).add(target)
            why = ""
            if target is None:
                why = f"no route to {address}"
            elif target.startswith("pcx-"):
                status = peerings.get(target) or self._peering_status(self.clients[name], target)
                if status != "active":
                    why = f"route to {address} through {target}, which is {status}"
            elif target.startswith("tgw-"):
                why = self._tgw_carries(view, vpc_from, vpc_to, address)
            elif target != "local":
                why = f"route to {address} through {target}"
            if why:
                broken.append({"provider": name, "direction": direction, "why": why})
        return {"broken": broken, "targets": {name: sorted(t[:4] for t in seen if t) for name, seen in targets.items()}}

    @staticmethod
    def _peering_status(ec2, peering_id):
        found = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[peering_id])["VpcPeeringConnections"]
        return found[0]["Status"]["Code"] if found else "missing"


def watch(out, providers):
    sampler = Sampler(providers)
    summary = {"samples": 0, "broken": [], "targets_seen": {}}
    running = [True]
    signal.signal(signal.SIGTERM, lambda *_args: running.__setitem__(0, False))
    started = time.time()
    while running[0]:
        try:
            sample = sampler.sample()
        except Exception as error:  # pylint: disable=broad-except  # a read failing mid-change is a sample to retry
            summary.setdefault("errors", []).append(str(error)[:200])
            time.sleep(INTERVAL)
            continue
        summary["samples"] += 1
        # When the samples ran (epoch seconds): the test checks they cover the whole converge.
        now = time.time()
        summary["max_gap"] = round(max(summary.get("max_gap", 0.0), now - summary.get("last", now)), 2)
        if "first" not in summary:
            summary["first"] = now
            # The caller starts the converge once this file exists: the samples begin before the switch.
            with open(out + ".ready", "w", encoding="utf-8") as handle:
                handle.write(str(now))
        summary["last"] = now
        for item in sample["broken"]:
            summary["broken"].append(dict(item, t=round(time.time() - started, 2)))
        for name, seen in sample["targets"].items():
            summary["targets_seen"][name] = sorted(set(summary["targets_seen"].get(name, [])) | set(seen))
        time.sleep(INTERVAL)
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(summary, handle, indent=1)


def main():
    command = sys.argv[1]
    if command == "watch":
        with open(sys.argv[3], encoding="utf-8") as handle:
            watch(sys.argv[2], json.load(handle))
    elif command == "state":
        with open(sys.argv[2], encoding="utf-8") as handle:
            print(json.dumps(Sampler(json.load(handle)).sample(), indent=1))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
