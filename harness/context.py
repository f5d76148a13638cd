"""What one certification run knows: the profile with its secrets resolved (every supervision
account's password among them), the output folder, how the run was narrowed, and which learner
driver speaks to the target."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.catalogue import load_catalogue
from harness.driver import DriverNotFound, load_driver_class
from harness.profile import Profile, ProfileError, ResolvedAccount

# Kinds of check that run only when asked for (`--fuzz`, `[fuzz] enabled`); leaving them off is
# the default, not a narrowed run.
OPTIONAL_KINDS = frozenset({"fuzz"})


@dataclass
class RunContext:
    profile: Profile
    out_dir: Path
    accounts: tuple[ResolvedAccount, ...]  # in profile order; at least one authority
    province_admin_token: str
    test_token: str | None
    driver_class: type
    only: frozenset[str] | None = None
    skip_kinds: frozenset[str] = frozenset()
    embedded: bool = False
    reference_defects: tuple[str, ...] = ()
    reference_alternatives: tuple[str, ...] = ()
    reference_database: str | None = None  # the embedded reference's backend
    # Clauses a second embedded instance judges (second_instance.py): their checks are not
    # collected here, their results are folded in; the run's scope is `only`, as ever.
    delegated: frozenset[str] = frozenset()
    reference_instances: int = 1

    @property
    def partial(self) -> bool:
        """Narrowed by --only or --skip-*; an optional kind left off (fuzz) does not narrow."""
        return self.only is not None or bool(self.skip_kinds - OPTIONAL_KINDS)

    @property
    def evidence_dir(self) -> Path:
        return self.out_dir / "evidence"

    @classmethod
    def build(
        cls,
        profile: Profile,
        out_dir: Path,
        *,
        only: list[str] | None = None,
        skip_kinds: set[str] | None = None,
        embedded: bool = False,
        reference_defects: tuple[str, ...] = (),
        reference_alternatives: tuple[str, ...] = (),
        reference_database: str | None = None,
        fuzz: bool = False,
        delegated: frozenset[str] = frozenset(),
        reference_instances: int = 1,
    ) -> RunContext:
        """Resolve secrets and validate the narrowing; ProfileError names what is wrong."""
        catalogue = load_catalogue()
        known = set(catalogue.ids())
        if only is not None:
            unknown = sorted(set(only) - known)
            if unknown:
                raise ProfileError(f"--only: unknown requirement IDs: {', '.join(unknown)}")
        for attestation in profile.attestations:
            if attestation.id not in known or catalogue.get(attestation.id).level != "ATTEST":
                raise ProfileError(
                    f"attestations: {attestation.id} is not an ATTEST clause of the catalogue"
                )
        try:
            driver_class = load_driver_class(profile.target.driver)
        except DriverNotFound as exc:
            raise ProfileError(f"target.driver: {exc}") from None
        return cls(
            profile=profile,
            out_dir=out_dir,
            accounts=tuple(profile.accounts()),
            province_admin_token=profile.province_admin_token(),
            test_token=profile.test_token(),
            driver_class=driver_class,
            only=frozenset(only) if only is not None else None,
            skip_kinds=frozenset(skip_kinds or ())
            | (frozenset() if fuzz or profile.fuzz.enabled else frozenset({"fuzz"})),
            embedded=embedded,
            reference_defects=reference_defects,
            reference_alternatives=reference_alternatives,
            reference_database=reference_database,
            delegated=delegated,
            reference_instances=reference_instances,
        )
