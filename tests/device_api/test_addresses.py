"""check_address: what an owner may type as a device's address. No test touches the network."""

import ipaddress

import pytest

from device_api import AddressReason, AddressRefused, check_address
from device_api.addresses import IpAddress

NO_LIMIT: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []


def resolver(*addresses: str):
    async def resolve(host: str, port: int) -> list[IpAddress]:
        return [ipaddress.ip_address(address) for address in addresses]

    return resolve


@pytest.mark.parametrize(
    "host", ["192.168.1.64", "10.0.0.5", "172.16.3.4", "127.0.0.1", "::1", "[::1]", "8.8.8.8"]
)
async def test_private_loopback_and_public_addresses_are_allowed(host: str) -> None:
    await check_address(host, 80, allowed_networks=NO_LIMIT)


async def test_localhost_resolves_to_loopback_and_is_allowed() -> None:
    await check_address("localhost", 8080, allowed_networks=NO_LIMIT)


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("169.254.169.254", AddressReason.CLOUD_METADATA),
        ("fd00:ec2::254", AddressReason.CLOUD_METADATA),
        ("100.100.100.200", AddressReason.CLOUD_METADATA),
        ("::ffff:169.254.169.254", AddressReason.CLOUD_METADATA),
        ("169.254.10.20", AddressReason.LINK_LOCAL),
        ("fe80::1", AddressReason.LINK_LOCAL),
        ("0.0.0.0", AddressReason.NOT_A_HOST),
        ("224.0.0.1", AddressReason.NOT_A_HOST),
        ("bad host", AddressReason.BAD_HOST),
        ("-camera.local", AddressReason.BAD_HOST),
        ("", AddressReason.BAD_HOST),
        ("1.2.3.999", AddressReason.BAD_HOST),
        ("a" * 64 + ".example", AddressReason.BAD_HOST),
    ],
)
async def test_refused_addresses(host: str, reason: AddressReason) -> None:
    with pytest.raises(AddressRefused) as refused:
        await check_address(host, 80, allowed_networks=NO_LIMIT)

    assert refused.value.reason is reason


@pytest.mark.parametrize("port", [0, -1, 65536])
async def test_ports_outside_1_to_65535_are_refused(port: int) -> None:
    with pytest.raises(AddressRefused) as refused:
        await check_address("192.168.1.64", port, allowed_networks=NO_LIMIT)

    assert refused.value.reason is AddressReason.BAD_PORT


async def test_a_name_is_judged_by_every_address_it_resolves_to() -> None:
    resolve = resolver("192.168.1.64", "169.254.169.254")

    with pytest.raises(AddressRefused) as refused:
        await check_address("nvr.example.com", 80, allowed_networks=NO_LIMIT, resolve=resolve)

    assert refused.value.reason is AddressReason.CLOUD_METADATA


async def test_a_name_that_resolves_to_nothing_is_refused() -> None:
    with pytest.raises(AddressRefused) as refused:
        await check_address("nvr.example.com", 80, allowed_networks=NO_LIMIT, resolve=resolver())

    assert refused.value.reason is AddressReason.UNRESOLVABLE


async def test_allowed_networks_confine_every_address() -> None:
    home = [ipaddress.ip_network("192.168.1.0/24"), ipaddress.ip_network("fd12:3456::/32")]

    await check_address("192.168.1.64", 80, allowed_networks=home)
    await check_address("fd12:3456::10", 80, allowed_networks=home)
    await check_address("nvr.home.arpa", 80, allowed_networks=home, resolve=resolver("192.168.1.9"))
    with pytest.raises(AddressRefused) as outside:
        await check_address(
            "nvr.home.arpa", 80, allowed_networks=home, resolve=resolver("192.168.1.9", "10.0.0.1")
        )
    assert outside.value.reason is AddressReason.OUTSIDE_ALLOWED_NETWORKS
