"""Executable checks, one function per property, each tied to requirement IDs."""
