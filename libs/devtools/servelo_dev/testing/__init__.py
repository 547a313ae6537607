"""Test helpers for every service: a client for the real gateway, tenants, mail, `eventually`."""

from servelo_dev.testing.client import ApiClient, ApiResponse
from servelo_dev.testing.events import EventPublisher
from servelo_dev.testing.mail import MailCatcher
from servelo_dev.testing.tenants import Tenant, eventually

__all__ = ["ApiClient", "ApiResponse", "EventPublisher", "MailCatcher", "Tenant", "eventually"]
