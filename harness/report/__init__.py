"""The certification report: its model (report.json schema sxcert.report/1), verdict and writers."""
