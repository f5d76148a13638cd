"""The province emulator: the provincial services a platform talks to, observable by the harness."""
