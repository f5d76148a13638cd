"""Online training certificates (POST-02, EXAM-02): issued once per learner and course on a pass,
as a PDF with a QR code of the public verification URL.

The verification answer is the certificate and nothing more (`CertificateOut`: the ID number
masked); a supervisor's view adds whose it is (`SupCertificate`).
"""

from __future__ import annotations

import datetime as dt

from harness.spec.base import Out

# What the public verification answer may carry: the certificate's own fields, nothing more.
CERTIFICATE_FIELDS = (
    "number",
    "name",
    "id_number_masked",
    "occupation_code",
    "occupation_name",
    "level",
    "lesson_hours",
    "score",
    "started_on",
    "finished_on",
    "platform_id",
    "platform_name",
    "issued_on",
)


class CertificateOut(Out):
    number: str
    name: str
    id_number_masked: str  # at most the first 6 and the last 4 characters shown, the rest "*"
    occupation_code: str
    occupation_name: str
    level: str
    lesson_hours: int  # credited lesson hours
    score: str  # quiz accuracy in percent, two decimals ("60.00")
    started_on: dt.date  # enrolment
    finished_on: dt.date  # completion
    platform_id: str
    platform_name: str
    issued_on: dt.date


class SupCertificate(CertificateOut):
    learner_id: str
    course_id: str
