"""A cache shared by every web process through the database, with atomic increments.

Rate-limit counters (django-ratelimit) must be shared by all gunicorn workers, or each worker counts
on its own and a limit of 10/m becomes 10/m per worker. Django's ``DatabaseCache`` is shared and works
on SQLite and PostgreSQL, but its ``incr`` is a read followed by a ``set``: two processes can read the
same count (a lost increment), and the ``set`` replaces the key's expiry with the default timeout, so a
counter of an hour-long window could vanish after five quiet minutes and start again from 1.

:class:`DatabaseCache` keeps Django's backend and replaces ``incr``/``decr`` by one transaction that
locks the row (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite, paperboy's ``BEGIN IMMEDIATE``
transactions already serialize writers) and updates the value only, keeping the expiry.
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, models, router, transaction
from django.utils.timezone import now as tz_now


class DatabaseCache(DjangoDatabaseCache):
    """``django.core.cache.backends.db.DatabaseCache`` with an atomic, expiry-keeping ``incr``."""

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        """Add ``delta`` to the stored number and return the new value; the expiry stays as it was.

        Raises:
            ValueError: the key is missing or expired (as every Django cache backend does).
        """
        cache_key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        q = connection.ops.quote_name
        table = q(self._table)  # type: ignore[attr-defined]  # set by BaseDatabaseCache, not in the stubs
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {q('value')}, {q('expires')} FROM {table} WHERE {q('cache_key')} = %s{lock}",
                [cache_key],
            )
            row = cursor.fetchone()
            if row is not None:
                expression = models.Expression(output_field=models.DateTimeField())
                expires = row[1]
                for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(
                    connection
                ):
                    expires = converter(expires, expression, connection)
                if expires < tz_now():
                    row = None
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode()))
            new_value = value + delta
            encoded = base64.b64encode(pickle.dumps(new_value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {q('value')} = %s WHERE {q('cache_key')} = %s", [encoded, cache_key]
            )
        return new_value

    def decr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        return self.incr(key, -delta, version=version)
