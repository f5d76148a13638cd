"""One router per concept of the conformance interface (docs/interface.md)."""
