"""Certificates (POST-02): the learner's own, their PDF, and the public verification.

Thin: who gets a certificate and what it says is in `certificates.py`, the PDF in
`certificate_pdf.py`. Every read first issues what passes have earned (`issue_due`).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status
from sqlalchemy import select

from harness.spec.certificates import CertificateOut, SupCertificate
from reference_platform.certificates import level_name, sweep, verification_url
from reference_platform.dependencies import (
    CurrentLogin,
    Db,
    Defects,
    PathId,
    PlatformClock,
    Province,
    Settings,
)
from reference_platform.errors import responses
from reference_platform.models import Certificate

router = APIRouter(tags=["certificates"])
NOT_FOUND = "Certificate not found"
_PDF = {"content": {"application/pdf": {}}, "description": "The certificate as a PDF"}


def as_out(cert: Certificate) -> SupCertificate:
    return SupCertificate.model_validate(cert, from_attributes=True)


@router.get("/me/certificates", response_model=list[SupCertificate], responses=responses(401))
def my_certificates(
    login: CurrentLogin,
    db: Db,
    clock: PlatformClock,
    settings: Settings,
    defects: Defects,
    province: Province,
) -> list[SupCertificate]:
    sweep(db, clock.now(), settings, defects, province, login.learner_id)
    rows = db.scalars(
        select(Certificate)
        .where(Certificate.learner_id == login.learner_id)
        .order_by(Certificate.issued_on, Certificate.number)
    )
    return [as_out(row) for row in rows]


@router.get(
    "/me/certificates/{number}/pdf",
    response_class=Response,
    responses={200: _PDF, **responses(401, 404, d404=NOT_FOUND)},
)
def my_certificate_pdf(
    number: PathId, request: Request, login: CurrentLogin, db: Db, defects: Defects
) -> Response:
    cert = db.get(Certificate, number)
    # the defect: any signed-in learner gets the PDF of a number it knows
    owner_only = not defects.active("certificate_pdf_for_any_learner")
    if cert is None or (owner_only and cert.learner_id != login.learner_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    url = verification_url(str(request.base_url), cert.number, defects)
    # Imported on the first PDF asked for: reportlab and qrcode are a tenth of a second of every
    # server start, and most runs of a server never draw a certificate.
    from reference_platform.certificate_pdf import render

    pdf = render(cert, url, level_name(cert.level, defects))
    return Response(content=pdf, media_type="application/pdf")


@router.get(
    "/certificates/{number}",
    response_model=CertificateOut,
    responses=responses(404, d404=NOT_FOUND),
)
def verify(
    number: PathId, db: Db, clock: PlatformClock, settings: Settings, defects: Defects
) -> CertificateOut:
    """Public, no sign-in: the certificate's own fields (ID number masked), nothing more."""
    cert = db.get(Certificate, number)
    if cert is None or defects.active("unverifiable_certificate_number"):
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    return CertificateOut.model_validate(cert, from_attributes=True)
