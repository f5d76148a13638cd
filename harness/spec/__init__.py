"""Wire models of the conformance interface (docs/interface.md).

The reference platform may import this package and nothing else from `harness`, just as a vendor
would generate code from the OpenAPI document.
"""
