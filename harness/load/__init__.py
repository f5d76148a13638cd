"""Load tests (LOAD-01, LOAD-02): a later slice."""
