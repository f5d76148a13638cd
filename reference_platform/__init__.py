"""The reference platform: a compliant training platform with switchable deliberate defects."""
