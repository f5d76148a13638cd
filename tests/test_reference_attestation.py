"""POST-07: the embedded reference's default profile carries an honest attestation."""

from __future__ import annotations

from harness.embedded import REFERENCE_ATTESTATION, SECURITY_CONTROLS
from harness.profile import Attestation


def test_embedded_attestation_points_at_the_security_controls_document():
    attestation = Attestation.model_validate(REFERENCE_ATTESTATION)
    assert attestation.id == "POST-07"
    assert attestation.evidence == SECURITY_CONTROLS and SECURITY_CONTROLS.is_file()
    assert "self-attestation" in attestation.examiner


def test_the_document_says_what_it_is_not_and_names_its_gaps():
    text = SECURITY_CONTROLS.read_text(encoding="utf-8")
    assert "not a graded cybersecurity protection (等级保护) filing" in text
    assert "## Not in place" in text
