"""Watch-term alerts: published records matched against `[[alerts]]` queries, each
(alert, statement, event) recorded once, then mailed and/or posted to a signed webhook."""
