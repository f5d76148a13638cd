"""One router per provincial service: identity, vouchers, course registry, occupations, sandbox."""
