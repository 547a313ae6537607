"""The address rule of deliveries, in production and elsewhere."""

from __future__ import annotations

import pytest
from webhooks.addresses import AddressNotAllowed, AddressPolicy, embedded_ipv4, ip_literal

PRODUCTION = AddressPolicy.for_env("production")
TEST = AddressPolicy.for_env("test")

REFUSED_EVERYWHERE = [
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.100.100.200",  # Alibaba's metadata (carrier-grade NAT space)
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "192.0.2.10",  # documentation
    "fd00:ec2::254",  # AWS metadata over IPv6 (unique local)
    "fe80::1",
    "::",
    "::ffff:10.0.0.1",  # IPv4-mapped
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "2002:c0a8:0101::1",  # 6to4 of 192.168.1.1
]
LOOPBACK = ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"]
PUBLIC = ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"]


@pytest.mark.parametrize("address", REFUSED_EVERYWHERE)
def test_private_link_local_and_metadata_addresses_are_refused_everywhere(address: str) -> None:
    assert not PRODUCTION.permits(address)
    assert not TEST.permits(address)


@pytest.mark.parametrize("address", LOOPBACK)
def test_loopback_is_refused_in_production_only(address: str) -> None:
    assert not PRODUCTION.permits(address)
    assert TEST.permits(address)
    assert AddressPolicy.for_env("development").permits(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address: str) -> None:
    assert PRODUCTION.permits(address)


def test_an_operator_may_allow_a_network() -> None:
    policy = AddressPolicy.for_env("production", ["10.20.0.0/16"])
    assert policy.permits("10.20.3.4")
    assert not policy.permits("10.21.0.1")


def test_one_refused_address_among_public_ones_refuses_the_name() -> None:
    PRODUCTION.check(["8.8.8.8", "1.1.1.1"])
    with pytest.raises(AddressNotAllowed):
        PRODUCTION.check(["8.8.8.8", "127.0.0.1"])
    with pytest.raises(AddressNotAllowed):
        PRODUCTION.check([])


def test_a_zoned_ipv6_address_is_refused() -> None:
    assert not TEST.permits("fe80::1%eth0")


def test_helpers() -> None:
    assert str(embedded_ipv4(ip_literal("::ffff:1.2.3.4"))) == "1.2.3.4"  # type: ignore[arg-type]
    assert ip_literal("[::1]") is not None
    assert ip_literal("hooks.example.com") is None
