"""The pure rules of the rule modules on their own: plain values in, a verdict out.

The HTTP behaviour of the same rules is pinned by tests/test_reference_{login,captures,
enrolment,registration,courses}.py; these say what each rule decides, case by case.
"""

from __future__ import annotations

import datetime as dt

from reference_platform.captures import ALREADY_ANSWERED, EXPIRED, refusal
from reference_platform.defects import ActiveDefects
from reference_platform.enrolment import (
    ALREADY_REDEEMED,
    UNKNOWN_VOUCHER,
    VoucherPolicy,
    redeem_refusal,
)
from reference_platform.liveness import admits, tolerated_reasons
from reference_platform.logins import LOGGED_OUT, SUPERSEDED, is_signed_in, may_earn_credit
from reference_platform.study import PLAYBACK_ENDED

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=1)
EARLIER = NOW - dt.timedelta(hours=1)


def test_a_login_is_signed_in_until_it_ends_or_expires() -> None:
    assert is_signed_in(None, LATER, NOW)
    assert not is_signed_in(None, NOW, NOW), "expiry is exclusive"
    assert not is_signed_in(EARLIER, LATER, NOW)


def test_only_a_signed_in_login_earns_credit() -> None:
    assert may_earn_credit(None, None, LATER, NOW)
    assert not may_earn_credit(EARLIER, SUPERSEDED, LATER, NOW)
    assert not may_earn_credit(EARLIER, LOGGED_OUT, LATER, NOW)
    assert not may_earn_credit(None, None, EARLIER, NOW)


def test_superseded_still_earns_only_with_its_defect_and_never_once_expired() -> None:
    assert may_earn_credit(EARLIER, SUPERSEDED, LATER, NOW, superseded_still_earns=True)
    assert not may_earn_credit(EARLIER, LOGGED_OUT, LATER, NOW, superseded_still_earns=True)
    assert not may_earn_credit(EARLIER, SUPERSEDED, EARLIER, NOW, superseded_still_earns=True)


def test_a_capture_answer_is_refused_in_the_contract_order() -> None:
    def judged(answered: bool, settled: bool, deadline: dt.datetime, live: bool) -> str | None:
        return refusal(answered, settled, deadline, NOW, logins_live=live, playback_open=True)

    assert judged(False, False, LATER, live=True) is None
    assert judged(False, False, NOW, live=True) is None, "the deadline is inclusive"
    assert judged(True, True, EARLIER, live=False) == ALREADY_ANSWERED
    assert judged(False, True, LATER, live=True) == EXPIRED
    assert judged(False, False, EARLIER, live=False) == EXPIRED
    assert judged(False, False, LATER, live=False) == PLAYBACK_ENDED


def test_only_the_provinces_pass_admits_a_login() -> None:
    compliant = tolerated_reasons(ActiveDefects())
    assert compliant == frozenset()
    assert admits(True, "ok", compliant)
    for reason in ("face_mismatch", "still_replay", "too_few_frames"):
        assert not admits(False, reason, compliant)
    lax = tolerated_reasons(ActiveDefects(["ignores_face_mismatch"]))
    assert admits(False, "face_mismatch", lax) and not admits(False, "still_replay", lax)


def test_the_provinces_redeem_refusal_is_final_unless_ignored() -> None:
    compliant = VoucherPolicy.of(ActiveDefects())
    assert compliant == VoucherPolicy()
    assert redeem_refusal(404, compliant) == UNKNOWN_VOUCHER
    assert redeem_refusal(409, compliant) == ALREADY_REDEEMED
    ignoring = VoucherPolicy.of(ActiveDefects(["ignores_redeem_refusal"]))
    assert redeem_refusal(409, ignoring) is None
    assert redeem_refusal(404, ignoring) == UNKNOWN_VOUCHER, "an unknown code is never ignored"
    assert VoucherPolicy.of(ActiveDefects(["skips_voucher_redeem"])).redeem is False
    assert VoucherPolicy.of(ActiveDefects(["accepts_unknown_voucher"])).accept_unknown
