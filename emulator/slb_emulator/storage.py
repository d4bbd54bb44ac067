"""Storage: the database under the emulator's state, kept apart from the domain.

Owns the one sqlite connection (in memory, or the ``--db`` file in WAL mode) and its lock,
transactions (committed whole or rolled back whole), the used nonces' own transaction, the
database's size limit and the simulated full disk. A failure that is the storage's own (a
full disk, an I/O error, a locked file) becomes ``exceptions.ServiceUnavailable``. What the
rows hold is tables.py's; no rule of SLB's is applied here. Imports tables.py and
exceptions.py only.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from . import exceptions as exc
from .tables import Tables

# sqlite's answers when the storage, not the request, is at fault: a full disk (or the
# max_page_count limit), an I/O error, another writer holding the file, a file that cannot
# be opened or written. Error names need Python 3.11; the messages are sqlite's own.
_STORAGE_ERROR_NAMES = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_BUSY", "SQLITE_LOCKED",
                        "SQLITE_CANTOPEN", "SQLITE_READONLY")
_STORAGE_ERROR_TEXTS = ("database or disk is full", "disk i/o error", "database is locked",
                        "database table is locked", "unable to open database file",
                        "attempt to write a readonly database")


def storage_failure(error: BaseException) -> bool:
    """True when a failed transaction is the storage's fault (the client did nothing wrong)."""
    if isinstance(error, OSError):
        return True
    if not isinstance(error, sqlite3.OperationalError):
        return False
    name = getattr(error, "sqlite_errorname", None) or ""
    return name.startswith(_STORAGE_ERROR_NAMES) or any(
        text in str(error).lower() for text in _STORAGE_ERROR_TEXTS)


@dataclass
class StorageSize:
    """The database's size in pages and its limit (sqlite's max_page_count)."""
    page_count: int
    max_page_count: int
    limited: bool


class Reading:
    """``with store.reading() as tables``: the tables under the store's lock (a class, not a
    generator: every signed call reads its account through it)."""

    def __init__(self, lock: threading.RLock, tables: Tables) -> None:
        self._lock = lock
        self._tables = tables

    def __enter__(self) -> Tables:
        self._lock.acquire()
        return self._tables

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


class Store:
    """One sqlite connection (``check_same_thread=False``) guarded by one lock, so that the
    requests ThreadingHTTPServer serves at once each see a consistent state."""

    def __init__(self, db_path: str | None = None) -> None:
        self.db_path = db_path or ":memory:"
        self._lock = threading.RLock()
        self._request = threading.local()   # per request thread: do its writes fail?
        self._conn = sqlite3.connect(self.db_path, check_same_thread=False,
                                     isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._tables = Tables(self._conn)
        self._reading = Reading(self._lock, self._tables)
        self._unlimited_pages: int = self._pragma("max_page_count")
        with self._lock:
            if self.db_path != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")
                # Every signed call writes its nonce: no fsync per request (WAL keeps the
                # file consistent; an OS crash may lose the last few nonces).
                self._conn.execute("PRAGMA synchronous=NORMAL")
            Tables.create(self._conn)

    def _pragma(self, name: str) -> int:
        value: int = self._conn.execute("PRAGMA %s" % name).fetchone()[0]
        return value

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tables]:
        """One transaction: committed whole or rolled back whole. A storage failure (a full
        disk) becomes 503 ServiceUnavailable, as the real API answers its own trouble: the
        request was fine and may be sent again, and nothing of it was applied."""
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                changes = conn.total_changes
                try:
                    yield self._tables
                    if getattr(self._request, "disk_full", False) and conn.total_changes != changes:
                        raise sqlite3.OperationalError("database or disk is full")
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:  # sqlite may have rolled back already (a full disk does)
                        conn.execute("ROLLBACK")
                    raise
            except (sqlite3.OperationalError, OSError) as error:
                if storage_failure(error):
                    raise exc.ServiceUnavailable() from error
                raise

    def reading(self) -> Reading:
        """One read of a single statement: the lock alone, no transaction."""
        return self._reading

    def use_nonce(self, key_id: str, nonce: str, expires_at: float, now: float) -> bool:
        """Remember a nonce until expires_at; False if it is still remembered (a replay).

        Kept in the same sqlite file as the state, so with --db a restart does not reopen
        the replay window."""
        with self.transaction() as tables:
            return tables.remember_nonce(key_id, nonce, expires_at, now)

    # --- a full disk, for the admin API and the disk_full fault ----------------------

    @contextlib.contextmanager
    def disk_full(self, on: bool = True) -> Iterator[None]:
        """Within this block (this request's thread), every transaction that writes fails
        as on a full disk and is rolled back; reads go on."""
        before = getattr(self._request, "disk_full", False)
        self._request.disk_full = bool(on) or before
        try:
            yield
        finally:
            self._request.disk_full = before

    def size(self) -> StorageSize:
        with self._lock:
            pages = self._pragma("page_count")
            limit = self._pragma("max_page_count")
        return StorageSize(pages, limit, limit != self._unlimited_pages)

    def set_max_pages(self, max_pages: int | None) -> StorageSize:
        """sqlite's max_page_count: a write that would grow the database past it fails with
        "database or disk is full" (sqlite never sets it below the current size). None lifts it."""
        value = self._unlimited_pages if max_pages is None else int(max_pages)
        with self._lock:
            self._conn.execute("PRAGMA max_page_count = %d" % value)
        return self.size()
