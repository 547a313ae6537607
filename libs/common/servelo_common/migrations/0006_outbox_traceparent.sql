-- The trace context an event was emitted in (W3C `traceparent`), also in the event as the
-- CloudEvents distributed-tracing attribute: the relay continues the trace from it when it
-- publishes, and an operator finds a trace's events without reading their JSON. NULL: the
-- event was emitted outside any trace.
ALTER TABLE outbox ADD COLUMN traceparent text;
