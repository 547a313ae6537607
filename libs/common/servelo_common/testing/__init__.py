"""Test helpers for every service: a client for the real gateway, tenants, mail, `eventually`."""

from servelo_common.testing.client import ApiClient, ApiResponse
from servelo_common.testing.events import EventPublisher
from servelo_common.testing.mail import MailCatcher
from servelo_common.testing.tenants import Tenant, eventually

__all__ = ["ApiClient", "ApiResponse", "EventPublisher", "MailCatcher", "Tenant", "eventually"]
