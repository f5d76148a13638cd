"""The certification dossier: one zip the appraisal centre files and anyone can verify offline.

`build` packs a finished run (reports, evidence, the profile with its secrets removed, the
vendor's PRODUCT.toml, the run's environment) with a MANIFEST.sha256 of every file, optionally
signed with ed25519; `verify` checks every hash, the signature and the archive's own bytes.
"""
