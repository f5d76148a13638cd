"""sxcert: conformance harness for 晋人社厅发〔2021〕31号."""
