"""The gateway in front of the real auth service, NATS and Postgres (issue 2's promises)."""

import re
import time
import uuid

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from openapi_spec_validator import validate as validate_spec
from servelo_common.identity import Identity, encode_identity
from servelo_common.jwt import SigningKey, parse_signing_keys
from servelo_common.testing import eventually


def claims_for(client, **overrides):
    now = time.time()
    issued = pyjwt.decode(client.token, options={"verify_signature": False})
    claims = {
        "sub": client.user["id"],
        "org": client.host.split(".")[0],
        "org_id": issued["org_id"],
        "role": "admin",
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "iss": "servelo",
        "aud": "servelo-api",
    }
    claims.update(overrides)
    return claims


async def test_healthz_and_readyz_answer_on_any_host(stack, tenant):
    assert (await tenant.anon.get("/healthz")).status == 200
    assert (await tenant.anon.on_host("nobody.example.org").get("/readyz")).status == 200


async def test_unknown_tenant_is_404(stack, tenant):
    resp = await tenant.anon.on_host("no-such-org.localhost").post(
        "/api/auth/login", json={"email": "a@example.com", "password": "x"}
    )
    assert resp.status == 404
    assert resp.error_body == {"error": "Unknown tenant", "message": "Unknown tenant"}


async def test_host_outside_base_domain_is_unknown_tenant(stack, tenant):
    resp = await tenant.anon.on_host("acme.example.org").get("/api/auth/me")
    assert resp.status == 404


async def test_port_in_host_header_is_ignored(stack, tenant):
    resp = await tenant.admin.on_host(f"{tenant.slug}.localhost:8080").get("/api/auth/me")
    assert resp.status == 200, resp


async def test_token_of_tenant_a_is_refused_on_tenant_b(tenant, other_tenant):
    resp = await tenant.admin.on_host(other_tenant.anon.host).get("/api/auth/me")
    assert resp.status == 401
    assert set(resp.json) >= {"error", "message"}


async def test_missing_token_is_401(tenant):
    resp = await tenant.anon.get("/api/auth/me")
    assert resp.status == 401
    assert resp.json["error"] == resp.json["message"]


async def test_malformed_json_is_400(tenant):
    resp = await tenant.anon.post(
        "/api/auth/login", data=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    assert resp.status == 400
    assert resp.json["error"] == "Malformed JSON"


def real_key(stack) -> SigningKey:
    return parse_signing_keys(stack.stack.secrets["jwt_keys"])[0]


async def test_token_signed_with_the_real_key_is_accepted(stack, tenant):
    """The control for the forgeries below: only the one thing they change makes them fail."""
    key = real_key(stack)
    token = pyjwt.encode(
        claims_for(tenant.admin), key.private_key, algorithm="EdDSA", headers={"kid": key.kid}
    )
    assert (await tenant.admin.with_token(token).get("/api/auth/me")).status == 200


@pytest.mark.parametrize(
    "forgery",
    ["alg_none", "wrong_key", "expired", "wrong_aud", "wrong_iss", "other_org", "garbage"],
)
async def test_forged_tokens_are_401(stack, tenant, forgery):
    key = real_key(stack)
    claims = claims_for(tenant.admin)
    signer, headers = key.private_key, {"kid": key.kid}
    if forgery == "alg_none":
        token = pyjwt.encode(claims, None, algorithm="none", headers=headers)
    elif forgery == "wrong_key":
        token = pyjwt.encode(
            claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers=headers
        )
    elif forgery == "garbage":
        token = "not-a-jwt"
    else:
        changed = {
            "expired": {"exp": time.time() - 60, "iat": time.time() - 1000},
            "wrong_aud": {"aud": "someone-else"},
            "wrong_iss": {"iss": "someone-else"},
            "other_org": {"org": "admin"},
        }[forgery]
        token = pyjwt.encode(
            claims_for(tenant.admin, **changed), signer, algorithm="EdDSA", headers=headers
        )
    resp = await tenant.admin.with_token(token).get("/api/auth/me")
    assert resp.status == 401, resp
    assert resp.json["error"] == resp.json["message"]


async def test_client_sent_identity_header_is_ignored(stack, tenant, other_tenant):
    tech = await tenant.create_user(role="technician")
    forged = encode_identity(
        Identity(
            org_id=other_tenant.org_id,
            org_slug=other_tenant.slug,
            user_id=other_tenant.admin.user["id"],
            role="admin",
        ),
        b"guessed-secret-guessed-secret-123",
    )
    # Without a token, a forged identity does not authenticate anyone.
    resp = await tenant.anon.get("/api/auth/me", headers={"X-Servelo-Identity": forged})
    assert resp.status == 401
    # With a token, the gateway's identity wins: still the technician, not an admin.
    resp = await tech.get(
        "/api/auth/me", headers={"X-Servelo-Identity": forged, "X-Servelo-Internal": "1;x"}
    )
    assert resp.status == 200
    assert resp.json["id"] == tech.user["id"]
    assert resp.json["role"] == "technician"


async def test_suspended_org_is_403_on_every_route(stack, http, tenant):
    sysadmin = await stack.system_admin(http)
    resp = await sysadmin.put(f"/api/admin/orgs/{tenant.slug}", json={"active": False})
    assert resp.status == 200, resp

    async def suspended():
        me = await tenant.admin.get("/api/auth/me")
        login = await tenant.anon.post(
            "/api/auth/login", json={"email": tenant.admin.email, "password": "x"}
        )
        for r in (me, login):
            assert r.status == 403, r
            assert r.json["error"] == "Organization is suspended"

    await eventually(suspended, timeout=1.0)
    resp = await sysadmin.put(f"/api/admin/orgs/{tenant.slug}", json={"active": True})
    assert resp.status == 200

    async def active_again():
        # Suspension revoked the org (CONTRACT.md, Tokens): sign in again after it.
        assert (await tenant.admin.get("/api/auth/me")).status == 401
        fresh = await tenant.anon.post(
            "/api/auth/login", json={"email": tenant.admin.email, "password": tenant.admin.password}
        )
        assert fresh.status == 200, fresh
        me = await tenant.admin.with_token(fresh.json["access_token"]).get("/api/auth/me")
        assert me.status == 200, me

    await eventually(active_again, timeout=1.0)


async def test_request_id_is_propagated(tenant):
    resp = await tenant.admin.get("/api/auth/me", headers={"X-Request-Id": "abc-123"})
    assert resp.headers["X-Request-Id"] == "abc-123"


async def test_openapi_document_covers_the_services(stack, tenant):
    resp = await tenant.anon.get("/api/openapi.json")
    assert resp.status == 200
    doc = resp.json
    assert doc["openapi"].startswith("3.1")
    assert "/api/auth/login" in doc["paths"]


async def test_docs_page_loads_its_assets_and_the_document_from_the_tenant_host(tenant):
    page = await tenant.anon.get("/api/docs")
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert refs and all(r.startswith("/api/docs/assets/") for r in refs), refs
    scripts = []
    for ref in refs:
        asset = await tenant.anon.get(ref)
        assert asset.status == 200, (ref, asset)
        if ref.split("?")[0].endswith(".js"):
            scripts.append(asset.text)
    assert any('url: "/api/openapi.json"' in js for js in scripts)
    assert (await tenant.anon.get("/api/openapi.json")).status == 200


async def test_openapi_document_is_valid_and_every_operation_has_a_unique_id(tenant):
    """A client generator needs a valid document and one operationId per operation."""
    doc = (await tenant.anon.get("/api/openapi.json")).json
    validate_spec(doc)
    ids = [
        op["operationId"]
        for item in doc["paths"].values()
        for method, op in item.items()
        if method in ("get", "put", "post", "patch", "delete")
    ]
    assert len(ids) > 90
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for item in doc["paths"].values():
        for method, op in item.items():
            assert op["responses"], (method, op["operationId"])
            assert "default" not in op["responses"], op["operationId"]


@pytest.mark.slow
async def test_gateway_learns_new_orgs_after_a_nats_restart(stack, http, tenant):
    """The gateway's ephemeral consumer does not outlive the server: it must resubscribe."""
    if not stack.can_restart_nats:
        pytest.skip("NATS is external to this test session")
    stack.stop_nats()
    stack.start_nats()
    sysadmin = await stack.system_admin(http)
    slug = "after-restart-" + uuid.uuid4().hex[:6]

    async def created():
        # Auth's relay may still be reconnecting; the org row is committed either way.
        resp = await sysadmin.post(
            "/api/admin/orgs",
            json={
                "slug": slug,
                "name": "After restart",
                "plan": "pro",
                "admin": {"email": f"a@{slug}.example.com", "name": "A", "password": "pw-12345678"},
            },
        )
        assert resp.status in (201, 409), resp

    await eventually(created, timeout=10)
    anon = tenant.anon.on_host(f"{slug}.localhost")

    async def reachable():
        resp = await anon.post(
            "/api/auth/login", json={"email": f"a@{slug}.example.com", "password": "pw-12345678"}
        )
        assert resp.status == 200, resp

    # Within seconds, not after the ordered consumer's own ~10 s missed-heartbeat reset.
    await eventually(reachable, timeout=4)
