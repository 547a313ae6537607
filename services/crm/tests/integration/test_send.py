"""Sending a quote: a mail to the client with the lines and totals, through the mail queue."""

from __future__ import annotations

from typing import Any

from servelo_dev.testing.factories import make_customer, make_quote
from servelo_dev.testing.mail import text_of
from servelo_dev.testing.tenants import eventually


async def test_sending_mails_the_quote_to_the_client(stack: Any, tenant: Any, publish: Any) -> None:
    await publish(
        "auth",
        "settings-updated",
        {
            "org_id": tenant.org_id,
            "settings": {
                "default_tax_rate": "8.25",
                "currency": "USD",
                "company_name": "Fixit <Co>",
            },
        },
        tenant=tenant.org_id,
    )
    client = await make_customer(tenant.admin, name="Dana Doe")
    resp = await tenant.admin.post(
        "/api/quotes",
        json={
            "customer_id": client["id"],
            "tax_rate": "8.25",
            "valid_until": "2999-01-31",
            "line_items": [
                {"description": "Boiler <service>", "quantity": "2.5", "unit_price": "19.99"},
                {"description": "Call-out", "quantity": "1", "unit_price": "1000"},
            ],
        },
    )
    quote = resp.json
    assert quote["total"] == "1136.60"  # 49.98 + 1000.00 = 1049.98; tax 86.62

    async def company_known() -> None:
        # The settings event is consumed asynchronously; wait until crm has it.
        probe = await tenant.admin.post("/api/quotes", json={"customer_id": client["id"]})
        assert probe.json["tax_rate"] == "8.25"

    await eventually(company_known, timeout=10)
    sent = await tenant.admin.post(f"/api/quotes/{quote['id']}/send")
    assert sent.status == 200, sent
    assert sent.json["status"] == "sent"
    assert sent.json["sent_at"].endswith("Z")
    assert sent.json["total"] == "1136.60"

    mail = await stack.mail.wait_for(to=client["email"])
    assert f"Quote #{quote['number']}" in mail["Subject"]
    assert "Fixit <Co>" in mail["Subject"]
    text = text_of(mail)
    assert "Hello Dana Doe" in text
    assert "Boiler <service>: 2.5 x 19.99 USD = 49.98 USD" in text
    assert "Tax (8.25%): 86.62 USD" in text
    assert "Total: 1,136.60 USD" in text
    assert "valid until 2999-01-31" in text
    html = mail.get_body(("html",))
    assert html is not None
    content = html.get_content()
    assert "Boiler &lt;service&gt;" in content and "1,136.60 USD" in content
    [pdf] = list(mail.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == f"quote-{quote['number']}.pdf"
    assert b"(Total: 1,136.60 USD) Tj" in pdf.get_content()


async def test_sent_quote_can_be_mailed_again(stack: Any, tenant: Any) -> None:
    client = await make_customer(tenant.admin)
    quote = await make_quote(tenant.admin, customer_id=client["id"])
    first = await tenant.admin.post(f"/api/quotes/{quote['id']}/send")
    again = await tenant.admin.post(f"/api/quotes/{quote['id']}/send")
    assert first.status == again.status == 200
    assert again.json["sent_at"] >= first.json["sent_at"]
    await stack.mail.wait_for(to=client["email"], count=2)


async def test_send_is_400_when_the_client_has_no_email(tenant: Any) -> None:
    client = await make_customer(tenant.admin, email=None)
    quote = await make_quote(tenant.admin, customer_id=client["id"])
    resp = await tenant.admin.post(f"/api/quotes/{quote['id']}/send")
    assert resp.status == 400, resp
    assert "no email" in resp.json["error"]
    assert (await tenant.admin.get(f"/api/quotes/{quote['id']}")).json["status"] == "draft"


async def test_decided_quote_cannot_be_sent(tenant: Any) -> None:
    client = await make_customer(tenant.admin)
    quote = await make_quote(tenant.admin, customer_id=client["id"])
    path = f"/api/quotes/{quote['id']}"
    await tenant.admin.put(path, json={"status": "sent"})
    await tenant.admin.put(path, json={"status": "declined"})
    resp = await tenant.admin.post(f"{path}/send")
    assert resp.status == 409
    assert "can no longer be sent" in resp.json["error"]


async def test_send_with_idempotency_key_mails_once(stack: Any, tenant: Any) -> None:
    client = await make_customer(tenant.admin)
    quote = await make_quote(tenant.admin, customer_id=client["id"])
    headers = {"Idempotency-Key": "send-once"}
    first = await tenant.admin.post(f"/api/quotes/{quote['id']}/send", headers=headers)
    again = await tenant.admin.post(f"/api/quotes/{quote['id']}/send", headers=headers)
    assert first.status == again.status == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    await stack.mail.wait_for(to=client["email"])
    # A second mail would have been queued in the same moment as the first.
    marker = await make_customer(tenant.admin)
    await tenant.admin.post(
        f"/api/quotes/{(await make_quote(tenant.admin, customer_id=marker['id']))['id']}/send"
    )
    await stack.mail.wait_for(to=marker["email"])
    assert len(stack.mail.to(client["email"])) == 1
