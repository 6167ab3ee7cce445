"""Which addresses the product may connect to when an owner types one in.

Devices live on local networks, so private and loopback addresses are fine. What is refused
is what no camera uses and an attacker would like the bot to fetch: link-local addresses and
the cloud providers' metadata services (which would hand out the host's credentials). A name
is checked by every address it resolves to, since the connection may use any of them.
"""

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeAlias

from device_api.errors import AddressReason, AddressRefused

IpAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver: TypeAlias = Callable[[str, int], Awaitable[list[IpAddress]]]

_CLOUD_METADATA = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
_BROADCAST = ipaddress.IPv4Address("255.255.255.255")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_MAX_NAME_LENGTH = 253


async def check_address(
    host: str,
    port: int,
    *,
    allowed_networks: Sequence[IpNetwork],
    resolve: Resolver | None = None,
) -> None:
    """Raise `AddressRefused` unless `host:port` is an address a device may have.

    `allowed_networks`, when not empty, confines every resolved address to those networks.
    `resolve` defaults to the event loop's getaddrinfo; tests pass their own.
    """
    if not 1 <= port <= 65535:
        raise AddressRefused(AddressReason.BAD_PORT, f"port {port} is not 1-65535")
    literal = _ip_literal(host)
    if literal is not None:
        addresses = [literal]
    elif _is_host_name(host):
        addresses = await (resolve or _resolve_with_loop)(host, port)
    else:
        raise AddressRefused(AddressReason.BAD_HOST, f"{host!r} is not a host name or address")
    if not addresses:
        raise AddressRefused(AddressReason.UNRESOLVABLE, f"{host} has no address")
    for address in addresses:
        _check_ip(address, allowed_networks)


def _ip_literal(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None


def _is_host_name(host: str) -> bool:
    name = host.removesuffix(".")
    return (
        0 < len(name) <= _MAX_NAME_LENGTH
        and all(_LABEL.fullmatch(label) for label in name.split("."))
        and not name.split(".")[-1].isdigit()  # 1.2.3.999 is a bad address, not a name
    )


async def _resolve_with_loop(host: str, port: int) -> list[IpAddress]:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise AddressRefused(AddressReason.UNRESOLVABLE, f"{host} does not resolve") from error
    # sockaddr[0] of AF_INET6 may carry a zone ("fe80::1%eth0"): ip_address wants it without.
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def _check_ip(address: IpAddress, allowed_networks: Sequence[IpNetwork]) -> None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:169.254.169.254 is 169.254.169.254
    if address in _CLOUD_METADATA:
        raise AddressRefused(AddressReason.CLOUD_METADATA, f"{address} is a metadata service")
    if address.is_link_local:
        raise AddressRefused(AddressReason.LINK_LOCAL, f"{address} is link-local")
    if address.is_unspecified or address.is_multicast or address == _BROADCAST:
        raise AddressRefused(AddressReason.NOT_A_HOST, f"{address} is not a host")
    if allowed_networks and not any(
        address.version == network.version and address in network for network in allowed_networks
    ):
        raise AddressRefused(
            AddressReason.OUTSIDE_ALLOWED_NETWORKS, f"{address} is outside the allowed networks"
        )
