"""Load tests (LOAD-01, LOAD-02): a locust workload of studying learners, run in processes of its
own, judged by latency and error thresholds and by reconciling what was acknowledged with the
supervision view.

cohort (learners made ready before the run) · locustfile (the workload) · ledger (what each
learner was acknowledged) · runner (locust processes: one, or a master and N workers) · stats
(locust's CSV files) · integrity (LOAD-02's reconciliation) · session (one run → load.json) ·
capacity (`--find-capacity`)
"""
