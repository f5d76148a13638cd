"""POST-06's untrusted-peer check cannot pass when it could not connect from an untrusted
address: no address to use, or one this machine does not have, is `error` with the reason."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from harness.checks import forwarded_for
from harness.failures import CannotProbe


def _probe(untrusted_source: str | None) -> SimpleNamespace:
    target = SimpleNamespace(untrusted_source=untrusted_source)
    return SimpleNamespace(profile=SimpleNamespace(target=target))


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (None, "names no target.untrusted_source_address"),
        ("192.0.2.77", "cannot connect from 192.0.2.77"),  # TEST-NET-1: on no machine here
    ],
)
def test_no_usable_untrusted_address_is_an_error_not_a_pass(source, reason):
    with pytest.raises(CannotProbe, match=reason):
        forwarded_for.forwarded_for_is_believed_only_from_the_trusted_proxy(_probe(source))
