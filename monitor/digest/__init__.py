"""The daily translated digest: select a window, render it (Jinja2), deliver it once.

`window` picks the period, `build` turns stored records into a `Digest`, `render`
makes the text and HTML parts (with the size cap), `message` the MIME message,
`deliver` sends it (smtp, file, maildir), `log` records each digest so that a
window is never sent twice, `job` is the daemon's entry point and `commands` the CLI's.
"""

from monitor.digest.job import DigestJob
from monitor.digest.log import last_sent_at

__all__ = ["DigestJob", "last_sent_at"]
