from gateway.tenants import OrgRegistry, tenant_from_host

SUFFIX = b".localhost"


def test_leftmost_label_is_the_tenant_and_port_is_ignored() -> None:
    assert tenant_from_host(b"acme.localhost:8080", SUFFIX) == b"acme"
    assert tenant_from_host(b"ACME.localhost", SUFFIX) == b"acme"


def test_hosts_that_are_not_one_label_under_the_base_domain_are_not_tenants() -> None:
    for host in (
        b"localhost",
        b"a.b.localhost",
        b"acme.example.com",
        b"",
        b".localhost",
        b"-acme.localhost",
        b"acme-.localhost",
        b"ac_me.localhost",
        b"[::1]:8080",
        b"acmelocalhost",
        b"x" * 64 + b".localhost",
    ):
        assert tenant_from_host(host, SUFFIX) is None, host


def test_slug_of_63_characters_is_valid() -> None:
    assert tenant_from_host(b"a" * 63 + b".localhost", SUFFIX) == b"a" * 63


def test_registry_follows_updates_renames_and_deletes() -> None:
    reg = OrgRegistry()
    reg.load([{"id": "1", "slug": "acme", "name": "A", "plan": "pro", "active": True}])
    assert reg.loaded and reg.get(b"acme") is not None
    reg.upsert({"id": "1", "slug": "acme2", "name": "A", "plan": "pro", "active": False})
    assert reg.get(b"acme") is None
    org = reg.get(b"acme2")
    assert org is not None and not org.active
    reg.delete({"id": "1", "slug": "acme2"})
    assert reg.get(b"acme2") is None
