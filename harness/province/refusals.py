"""What a store answers when a request cannot be met: the routers turn these into 404 and 409.

They live apart from every store so that a router can catch them without knowing which store
raised them, and a new store reuses them instead of inventing its own.
"""

from __future__ import annotations


class NotFound(LookupError):
    """The thing asked about does not exist; the message is the reason for the caller."""


class Conflict(RuntimeError):
    """The request clashes with the state (voucher already redeemed, name mismatch, ...)."""
