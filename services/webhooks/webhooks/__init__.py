"""The webhooks service: signed webhook deliveries and the per-tenant event feed."""
