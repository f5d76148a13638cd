"""The conftest a pytester run needs to act as a certify run: one CertificationSession over a
fixed context. Shared by the report and the progress tests so both exercise the same plugin wiring.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

_TEMPLATE = """
from pathlib import Path

from harness.context import RunContext
from harness.driver import HttpLearnerDriver
from harness.plugin import CertificationSession
from harness.profile import Profile, ResolvedAccount
{imports}

PROFILE = {profile!r}


def pytest_configure(config):
    context = RunContext(
        profile=Profile.model_validate(PROFILE),
        out_dir=Path({out!r}),
        accounts=(ResolvedAccount(kind="authority", username="u", password="p"),),
        province_admin_token="a",
        test_token="t",
        driver_class=HttpLearnerDriver,
        only=frozenset({only!r}),
    )
    session = CertificationSession(context)
    config.pluginmanager.register(session, "sxcert-session")
{configure}"""


def session_conftest(
    profile: dict, out: Path, only: Iterable[str], *, imports: str = "", configure: str = ""
) -> str:
    """Conftest text registering a certification session; `imports` and `configure` add lines
    (top-level imports, and the indented tail of `pytest_configure`)."""
    return _TEMPLATE.format(
        profile=profile,
        out=str(out),
        only=sorted(only),
        imports=imports,
        configure=configure,
    )
