"""The redaction's cheap pre-test (harness/redaction.py) changes no result: a string is passed
through the secret patterns only when it holds the characters they need, and for any text the
outcome equals applying both patterns always."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.redaction import _SECRET_PAIR, _SECRET_PARAM, STRING_LIMIT, _reduce_string

# Text built from the patterns' own pieces, so secrets are often present, not only by chance.
PIECES = st.sampled_from(
    ['"', "'", ":", "=", " ", "&", "token", "password", "API_KEY", "admin_token", "x", "1", "?"]
)
TEXT = st.one_of(st.text(max_size=80), st.lists(PIECES, max_size=30).map("".join))


def _always(value: str) -> str:
    value = _SECRET_PARAM.sub(r"\1=***", _SECRET_PAIR.sub(r"\1\2***\2", value))
    if len(value) > STRING_LIMIT:
        return value[:STRING_LIMIT] + f"… ({len(value)} chars)"
    return value


@settings(max_examples=600, derandomize=True)
@given(TEXT)
def test_the_pre_test_changes_nothing(text: str) -> None:
    assert _reduce_string(text) == _always(text)


def test_secrets_are_still_masked() -> None:
    assert _reduce_string('{"token": "abc"}') == '{"token": "***"}'
    assert _reduce_string("/events?token=abc&x=1") == "/events?token=***&x=1"
    assert _reduce_string("{'password': 'pw'") == "{'password': '***'"
