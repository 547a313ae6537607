"""The mail that carries a quote to the client: a text and an HTML body with the same lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html import escape
from typing import Any

from servelo_common.mail import Attachment, Mail

from crm.quote_pdf import render_pdf
from crm.totals import plain_decimal


@dataclass(frozen=True, slots=True)
class Sender:
    """Who the quote comes from, from the org settings auth publishes."""

    company_name: str | None
    currency: str | None


def _money(value: Decimal | str, currency: str | None) -> str:
    amount = f"{Decimal(value):,.2f}"
    return f"{amount} {currency}" if currency else amount


def render_quote_mail(*, to: str, client_name: str, quote: Any, sender: Sender) -> Mail:
    """`quote` is the quote row: number, line_items, tax_rate, subtotal, tax, total, ..."""
    # Collapse whitespace: a newline in a header would make the message unbuildable.
    company = " ".join((sender.company_name or "").split()) or "Servelo"
    cur = sender.currency
    number = quote["number"]
    rate = plain_decimal(quote["tax_rate"], min_places=2)
    lines = quote["line_items"]
    valid: date | None = quote["valid_until"]
    validity = f"This quote is valid until {valid.isoformat()}." if valid else ""

    body: list[str] = []
    for item in lines:
        qty = plain_decimal(Decimal(item["quantity"]))
        body.append(
            f"- {item['description']}: {qty} x {_money(item['unit_price'], cur)}"
            f" = {_money(item['total'], cur)}"
        )
    body += [
        "",
        f"Subtotal: {_money(quote['subtotal'], cur)}",
        f"Tax ({rate}%): {_money(quote['tax'], cur)}",
        f"Total: {_money(quote['total'], cur)}",
    ]
    if validity:
        body += ["", validity]
    if quote["notes"]:
        body += ["", quote["notes"]]
    text_lines = [
        f"Hello {client_name},",
        "",
        f"Here is quote #{number} from {company}.",
        "",
        *body,
        "",
        "Reply to this email to accept or ask a question.",
        "",
        company,
    ]

    rows = "".join(
        f"<tr><td>{escape(item['description'])}</td>"
        f'<td style="text-align:right">{plain_decimal(Decimal(item["quantity"]))}</td>'
        f'<td style="text-align:right">{_money(item["unit_price"], cur)}</td>'
        f'<td style="text-align:right">{_money(item["total"], cur)}</td></tr>'
        for item in lines
    )
    html = (
        f"<p>Hello {escape(client_name)},</p>"
        f"<p>Here is quote #{number} from {escape(company)}.</p>"
        '<table cellpadding="4" style="border-collapse:collapse">'
        "<tr><th>Description</th><th>Quantity</th><th>Unit price</th><th>Amount</th></tr>"
        f"{rows}"
        f'<tr><td colspan="3">Subtotal</td><td style="text-align:right">'
        f"{_money(quote['subtotal'], cur)}</td></tr>"
        f'<tr><td colspan="3">Tax ({rate}%)</td><td style="text-align:right">'
        f"{_money(quote['tax'], cur)}</td></tr>"
        f'<tr><td colspan="3"><strong>Total</strong></td><td style="text-align:right">'
        f"<strong>{_money(quote['total'], cur)}</strong></td></tr></table>"
        + (f"<p>{escape(validity)}</p>" if validity else "")
        + (f"<p>{escape(quote['notes'])}</p>" if quote["notes"] else "")
        + f"<p>Reply to this email to accept or ask a question.</p><p>{escape(company)}</p>"
    )
    title = f"Quote #{number} from {company}"
    pdf = render_pdf(title, [f"For: {client_name}", "", *body])
    return Mail(
        to=to,
        subject=title,
        text="\n".join(text_lines) + "\n",
        html=html,
        attachments=[Attachment(f"quote-{number}.pdf", "application/pdf", pdf)],
    )
