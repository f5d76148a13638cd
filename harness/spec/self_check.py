"""Compliance self-check (POST-06): the platform's findings of course brushing (刷课).

A finding names the learner, the rule that fired and the trace that made it fire (the heartbeats,
captures, logins or quiz answers, as the supervision views show them), so that a supervisor can
judge the finding without trusting the platform's reading of it. docs/interface.md, "Self-check",
states what each rule must and must not flag.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from pydantic import Field

from harness.spec.base import Out

SelfCheckRule = Literal[
    "regular_heartbeats",  # heartbeats at machine-regular intervals
    "ahead_of_clock",  # the position runs ahead of the wall clock, again and again
    "forged_end_report",  # the lesson's end reported with no steady reports before it
    "capture_failures",  # a face that differs from the registered one, or repeated failures
    "shared_device",  # many accounts signed in from one device
    "shared_address",  # many unrelated accounts signed in from one network address
    "fast_quiz_answers",  # quiz answers faster than reading allows
    "round_the_clock",  # more lessons played in one day than a person studies
]

SELF_CHECK_RULES: tuple[str, ...] = get_args(SelfCheckRule)


OTHER_ACCOUNT = "another account"
"""How a finding's trace shows a sign-in of an account other than the finding's learner (a shared
device or address): every supervision account reads the same finding, so it names no other
learner."""


class SelfCheckFinding(Out):
    learner_id: str
    rule: SelfCheckRule
    at: dt.datetime = Field(description="when the latest event of the trace happened")
    detail: str = Field(description="what the trace shows, in one sentence")
    trace: list[dict[str, Any]] = Field(
        min_length=1, description="the records that made the rule fire (at most 20)"
    )
