"""The certificate as a PDF (POST-02): reportlab with its built-in Chinese CID font (STSong-Light,
so no system font is needed) and a QR code of the verification URL (qrcode)."""

from __future__ import annotations

import io

import qrcode
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from reference_platform.models import Certificate

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def certificate_lines(cert: Certificate, level_name: str) -> list[str]:
    """The printed fields, one a line, each value exactly as the verification answer gives it
    (the level also by its Chinese name, `certificates.level_name`)."""
    return [
        f"证书编号：{cert.number}",
        f"姓名：{cert.name}",
        f"身份证号：{cert.id_number_masked}",
        f"职业（工种）：{cert.occupation_name}（{cert.occupation_code}）",
        f"等级：{level_name}（{cert.level}）",
        f"学时：{cert.lesson_hours} 课时",
        f"成绩：{cert.score}",
        f"培训时间：{cert.started_on.isoformat()} 至 {cert.finished_on.isoformat()}",
        f"发证平台：{cert.platform_name}（{cert.platform_id}）",
        f"发证日期：{cert.issued_on.isoformat()}",
    ]


def render(cert: Certificate, verify_url: str, level_name: str) -> bytes:
    out = io.BytesIO()
    width, height = landscape(A4)
    page = canvas.Canvas(out, pagesize=(width, height))
    page.setTitle(f"职业技能线上培训合格证书 {cert.number}")
    page.setFont(FONT, 26)
    page.drawCentredString(width / 2, height - 80, "职业技能线上培训合格证书")
    page.setFont(FONT, 14)
    y = height - 140
    for line in certificate_lines(cert, level_name):
        page.drawString(80, y, line)
        y -= 28
    code = io.BytesIO()
    qrcode.make(verify_url, box_size=6, border=2).save(code)
    code.seek(0)
    page.drawImage(ImageReader(code), width - 260, 80, width=180, height=180)
    page.setFont(FONT, 10)
    page.drawString(width - 260, 65, "扫码核验证书")
    page.showPage()
    page.save()
    return out.getvalue()
