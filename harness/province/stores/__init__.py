"""The province's state, one store per concept, each behind its own lock.

A province lives as long as one `sxcert certify` run (or one test): every store starts empty and
is gone when the process ends — unless the province has a state folder (SXCERT_PROVINCE_STATE_DIR,
state.py), because the platform it serves outlives the run; then every store but the faults has
`revision`, `snapshot()`/`snapshot_text()` and `restore()`, and a restart continues where the
last process stopped. Each store has its own `threading.Lock` because FastAPI runs the
synchronous endpoints on a thread pool and two platform calls may race (the same voucher redeemed
twice at once must still be redeemed only once); separate locks keep one service's traffic from
queueing behind another's, and let a new service bring its store without touching these.
"""
