"""The quote mail: every line and the totals, user text escaped in HTML."""

from datetime import date
from decimal import Decimal

from crm.quote_mail import Sender, render_quote_mail

QUOTE = {
    "number": 12,
    "tax_rate": Decimal("8.2500"),
    "subtotal": Decimal("1049.98"),
    "tax": Decimal("86.62"),
    "total": Decimal("1136.60"),
    "valid_until": date(2026, 5, 31),
    "notes": "Price <includes> parts",
    "line_items": [
        {
            "description": "Boiler <service>",
            "quantity": "2.5",
            "unit_price": "19.99",
            "total": "49.98",
        },
        {"description": "Call-out", "quantity": "1", "unit_price": "1000.00", "total": "1000.00"},
    ],
}


def test_text_lists_lines_and_totals_with_the_currency() -> None:
    mail = render_quote_mail(
        to="dana@example.com",
        client_name="Dana",
        quote=QUOTE,
        sender=Sender(company_name="Fixit Co", currency="EUR"),
    )
    assert mail.to == "dana@example.com"
    assert mail.subject == "Quote #12 from Fixit Co"
    assert "- Boiler <service>: 2.5 x 19.99 EUR = 49.98 EUR" in mail.text
    assert "- Call-out: 1 x 1,000.00 EUR = 1,000.00 EUR" in mail.text
    assert "Tax (8.25%): 86.62 EUR" in mail.text
    assert "Total: 1,136.60 EUR" in mail.text
    assert "valid until 2026-05-31" in mail.text


def test_html_escapes_what_users_typed() -> None:
    mail = render_quote_mail(
        to="d@example.com",
        client_name="<b>Dana</b>",
        quote=QUOTE,
        sender=Sender(company_name="A & B", currency=None),
    )
    assert mail.html is not None
    assert "&lt;b&gt;Dana&lt;/b&gt;" in mail.html
    assert "Boiler &lt;service&gt;" in mail.html
    assert "Price &lt;includes&gt; parts" in mail.html
    assert "A &amp; B" in mail.html
    assert "<strong>1,136.60</strong>" in mail.html  # no currency known: amount only


def test_unknown_company_and_a_newline_in_its_name_make_a_valid_subject() -> None:
    plain = render_quote_mail(
        to="d@example.com",
        client_name="Dana",
        quote=QUOTE,
        sender=Sender(company_name=None, currency=None),
    )
    assert plain.subject == "Quote #12 from Servelo"
    odd = render_quote_mail(
        to="d@example.com",
        client_name="Dana",
        quote=QUOTE,
        sender=Sender(company_name="Evil\r\nBcc: x@y", currency=None),
    )
    assert "\n" not in odd.subject and "\r" not in odd.subject


def test_mail_carries_a_pdf_of_the_quote() -> None:
    mail = render_quote_mail(
        to="d@example.com",
        client_name="Dana",
        quote=QUOTE,
        sender=Sender(company_name="Fixit Co", currency="USD"),
    )
    [attachment] = mail.attachments
    assert (attachment.filename, attachment.content_type) == ("quote-12.pdf", "application/pdf")
    assert attachment.content.startswith(b"%PDF-1.4")
    assert b"(Total: 1,136.60 USD) Tj" in attachment.content
    assert b"(- Boiler <service>: 2.5 x 19.99 USD = 49.98 USD) Tj" in attachment.content
