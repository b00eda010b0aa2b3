"""E-mail digests: subscriptions with double opt-in, and sending that never spams, repeats or misses.

- models.py: Subscriber (address, zone, send hour, pause/unsubscribe), Subscription (a stream:
  daily, weekly, saved search, author, category), DigestSend (the send ledger; one row per stream
  and edition is the exactly-once claim), SentPaper (no paper twice in a stream).
- schedule.py: pure send-hour rules per time zone (DST-safe).
- compose.py: which papers an edition carries (queries and ranking, no I/O).
- services.py: claim → SMTP → journal → mark; the guarantee is spelled out in its docstring.
- journal.py: append-only record of Message-IDs the SMTP server accepted.
- subscriptions.py / views.py: subscribe, confirm, manage, unsubscribe (page and RFC 8058
  one-click), staff preview.

Run ``manage.py send_digests`` every few minutes (cron or a systemd timer), or
``manage.py send_digests --loop`` under a process manager.
"""
