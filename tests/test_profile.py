"""Bad profiles and unreachable targets get a clear message and exit 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.profile import ProfileError, load_profile
from harness.servers import bind_loopback
from tests.conftest import ROOT, run_sxcert

GOOD = """
[target]
base_url = "http://127.0.0.1:{port}"
platform_id = "vendor"
test_token = "t"
ready_timeout_seconds = 3
[[target.accounts]]
kind = "authority"
username = "hr"
password = "p"
[province]
url = "http://127.0.0.1:{province_port}"
start = false
admin_token = "a"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profile.toml"
    path.write_text(text, encoding="utf-8")
    return path


EXAMPLE_SECRETS = (
    "SXCERT_TEST_TOKEN",
    "SXCERT_AUTHORITY_PASSWORD",
    "SXCERT_INSTITUTION_PASSWORD",
    "SXCERT_PLATFORM_KEY",
)


def account(kind: str, username: str, scope: str | None = None) -> str:
    lines = ["[[target.accounts]]", f'kind = "{kind}"', f'username = "{username}"']
    lines += ['password = "pw"'] + ([f'scope = "{scope}"'] if scope else [])
    return "\n".join(lines) + "\n"


def with_accounts(*tables: str) -> str:
    """GOOD with its one account replaced by `tables`."""
    head, tail = GOOD.split("[[target.accounts]]")
    return head + "".join(tables) + tail[tail.index("[province]") :]


def test_example_profile_is_valid_when_its_secrets_are_set(monkeypatch):
    for name in EXAMPLE_SECRETS:
        monkeypatch.setenv(name, "secret-" + name)
    profile = load_profile(ROOT / "examples" / "profile.toml")
    assert profile.target.platform_id == "example-vendor"
    assert profile.thresholds.min_age == 16
    assert profile.authority_password() == "secret-SXCERT_AUTHORITY_PASSWORD"
    assert [(a.kind, a.scope) for a in profile.accounts()] == [
        ("authority", None),
        ("institution", "INST-001"),
    ]
    assert profile.accounts()[1].password == "secret-SXCERT_INSTITUTION_PASSWORD"


def test_every_account_is_resolved_in_profile_order(tmp_path):
    text = with_accounts(
        account("auditor", "audit"),
        account("authority", "hr"),
        account("enterprise", "ent", "ENT-7"),
        account("institution", "inst", "INST-001"),
        account("authority", "hr-2"),
    )
    profile = load_profile(write(tmp_path, text.format(port=1, province_port=2)))
    resolved = profile.accounts()
    assert [(a.kind, a.username, a.scope) for a in resolved] == [
        ("auditor", "audit", None),
        ("authority", "hr", None),
        ("enterprise", "ent", "ENT-7"),
        ("institution", "inst", "INST-001"),
        ("authority", "hr-2", None),
    ]
    assert profile.authority().username == "hr"  # the first authority is the observer
    assert all(a.password == "pw" for a in resolved)
    assert "pw" not in repr(resolved)


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        (
            [account("authority", "hr"), account("inspector", "x")],
            "target.accounts.1.kind: Input should be 'authority', 'auditor', 'enterprise' or "
            "'institution'",
        ),
        (
            [account("authority", "hr"), account("enterprise", "ent")],
            "target.accounts.1: Value error, scope is required for an enterprise account",
        ),
        (
            [account("authority", "hr"), account("institution", "inst")],
            "target.accounts.1: Value error, scope is required for an institution account",
        ),
        (
            [account("authority", "hr", "ENT-1")],
            "target.accounts.0: Value error, scope is not allowed for an authority account",
        ),
        (
            [account("authority", "hr"), account("auditor", "audit", "X")],
            "target.accounts.1: Value error, scope is not allowed for an auditor account",
        ),
        (
            [account("authority", "hr"), account("auditor", "hr")],
            "target.accounts: Value error, username given twice: hr",
        ),
        (
            [account("auditor", "audit"), account("institution", "inst", "INST-001")],
            "target.accounts: Value error, at least one account of kind authority is required",
        ),
        ([], "target.accounts: Field required"),
    ],
)
def test_bad_accounts_are_named(tmp_path, tables, message):
    text = with_accounts(*tables).format(port=1, province_port=2)
    with pytest.raises(ProfileError, match=message.replace("(", r"\(")):
        load_profile(write(tmp_path, text))


def test_the_old_single_authority_table_says_what_to_write(tmp_path):
    old = '[target.accounts.authority]\nusername = "hr"\npassword = "p"\n'
    text = with_accounts(old).format(port=1, province_port=2)
    with pytest.raises(ProfileError, match=r"target.accounts: .*\[\[target.accounts\]\] table"):
        load_profile(write(tmp_path, text))


def test_an_unknown_browser_key_is_named(tmp_path):
    """The `[browser]` table (issue 11: pages, selectors, login steps) refuses keys it does not
    know, such as the old `entry_url`, naming them."""
    text = GOOD.format(port=1, province_port=2) + '\n[browser]\nentry_url = "http://x"\n'
    with pytest.raises(ProfileError, match=r"browser\.entry_url: Extra inputs are not permitted"):
        load_profile(write(tmp_path, text))


def test_the_browser_table_configures_the_pages(tmp_path):
    table = '\n[browser]\nlesson_path = "/watch/{course_id}/{lesson_id}"\nplay_selector = ""\n'
    profile = load_profile(write(tmp_path, GOOD.format(port=1, province_port=2) + table))
    assert profile.browser.lesson_path == "/watch/{course_id}/{lesson_id}"
    assert profile.browser.login_path == "/login"  # defaults fit the reference platform
    bad = '\n[browser]\nlesson_path = "/watch"\n'
    with pytest.raises(ProfileError, match=r"browser\.lesson_path: .*must name"):
        load_profile(write(tmp_path, GOOD.format(port=1, province_port=2) + bad))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[target\nbase_url=1", "not valid TOML"),
        (
            GOOD.replace('base_url = "http://127.0.0.1:{port}"', 'base_url = "nowhere"'),
            "target.base_url",
        ),
        (GOOD.replace('platform_id = "vendor"', ""), "target.platform_id: Field required"),
        (GOOD + "\n[thresholds]\nmin_age = 70\n", "max_age_exclusive must be greater"),
        (GOOD + '\n[thresholds]\nmin_age = "sixteen"\n', "thresholds.min_age"),
        (GOOD + "\n[surprise]\nx = 1\n", "surprise: Extra inputs are not permitted"),
        (
            GOOD.replace("start = false", "start = true").replace(
                "127.0.0.1:{province_port}", "10.0.0.1:8700"
            ),
            "loopback",
        ),
    ],
)
def test_bad_profile_names_the_field_and_the_problem(tmp_path, text, message):
    path = write(tmp_path, text.format(port=1, province_port=2) if "{" in text else text)
    with pytest.raises(ProfileError, match=message.replace("(", r"\(")):
        load_profile(path)


def test_missing_secret_variable_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv("NO_SUCH_SECRET_VAR", raising=False)
    text = GOOD.format(port=1, province_port=2).replace(
        'password = "p"', 'password_env = "NO_SUCH_SECRET_VAR"'
    )
    profile = load_profile(write(tmp_path, text))
    with pytest.raises(ProfileError, match="NO_SUCH_SECRET_VAR is not set"):
        profile.authority_password()


def test_cli_exits_2_on_a_bad_profile_without_traceback(tmp_path):
    path = write(
        tmp_path, GOOD.replace('platform_id = "vendor"', "").format(port=1, province_port=2)
    )
    done = run_sxcert("certify", "--profile", str(path), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "target.platform_id" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_cli_exits_2_when_the_profile_file_is_missing(tmp_path):
    done = run_sxcert("certify", "--profile", str(tmp_path / "absent.toml"))
    assert done.returncode == 2
    assert "profile file not found" in done.stderr


def test_cli_exits_2_when_the_target_is_unreachable(tmp_path):
    closed = bind_loopback()  # bound but never answering HTTP: a port nobody serves
    port = closed.getsockname()[1]
    closed.close()
    path = write(tmp_path, GOOD.format(port=port, province_port=port))
    done = run_sxcert("certify", "--profile", str(path), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "Target unreachable" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_cli_exits_2_on_unknown_reference_defect_and_unknown_requirement():
    done = run_sxcert("certify", "--reference-defect", "no_such_defect")
    assert done.returncode == 2 and "unknown reference defect" in done.stderr
    done = run_sxcert("certify", "--only", "ELIG-99")
    assert done.returncode == 2 and "unknown requirement IDs: ELIG-99" in done.stderr


def test_cli_exits_2_when_the_report_folder_cannot_be_written(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    done = run_sxcert("certify", "--only", "ELIG-01", "--out", str(blocker / "out"))
    assert done.returncode == 2
    assert "Cannot write reports to" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize(
    ("base_url", "setting", "expected"),
    [
        ("http://127.0.0.1:{port}", None, "127.0.0.2"),  # loopback: the second loopback address
        ("http://localhost:{port}", None, "127.0.0.2"),
        ("https://platform.example.cn", None, None),  # elsewhere: only what the profile names
        ("https://platform.example.cn", "192.0.2.10", "192.0.2.10"),
        ("http://127.0.0.1:{port}", "127.0.0.9", "127.0.0.9"),
    ],
)
def test_the_untrusted_source_is_the_profiles_else_loopbacks_second(
    tmp_path, base_url, setting, expected
):
    """POST-06 connects from an address the platform must not trust as its proxy."""
    text = GOOD.replace('base_url = "http://127.0.0.1:{port}"', f'base_url = "{base_url}"')
    if setting:
        text = text.replace(
            'platform_id = "vendor"',
            f'platform_id = "vendor"\nuntrusted_source_address = "{setting}"',
        )
    profile = load_profile(write(tmp_path, text.format(port=1, province_port=2)))
    assert profile.target.untrusted_source == expected


def test_an_untrusted_source_that_is_no_address_is_named(tmp_path):
    text = GOOD.replace(
        'platform_id = "vendor"', 'platform_id = "vendor"\nuntrusted_source_address = "the office"'
    )
    with pytest.raises(ProfileError, match=r"target.untrusted_source_address"):
        load_profile(write(tmp_path, text.format(port=1, province_port=2)))
