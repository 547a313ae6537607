-- Mail queued in the same transaction as the change that causes it, sent by a background
-- sender. Links with secrets (magic links) stay in this service's own database until sent,
-- rather than travelling on the event stream.
CREATE TABLE mail_outbox (
  id            bigserial PRIMARY KEY,
  org_id        uuid,
  recipient     text NOT NULL,
  subject       text NOT NULL,
  text_body     text NOT NULL,
  html_body     text,
  attachments   jsonb NOT NULL DEFAULT '[]',   -- [{filename, content_type, base64}]
  created_at    timestamptz NOT NULL DEFAULT now(),
  sent_at       timestamptz,
  attempts      integer NOT NULL DEFAULT 0,
  next_attempt  timestamptz NOT NULL DEFAULT now(),
  last_error    text
);
CREATE INDEX mail_outbox_pending ON mail_outbox (next_attempt) WHERE sent_at IS NULL;

CREATE OR REPLACE FUNCTION mail_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('servelo_mail_' || TG_TABLE_SCHEMA, '');
  RETURN NULL;
END $$;
CREATE TRIGGER mail_outbox_notify AFTER INSERT ON mail_outbox
  FOR EACH STATEMENT EXECUTE FUNCTION mail_outbox_notify();
