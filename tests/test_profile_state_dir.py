"""`province.state_dir` in the profile: where a started province keeps its state between runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from harness.profile import Province


def started(**extra: object) -> Province:
    return Province.model_validate({"url": "http://127.0.0.1:8700", "start": True, **extra})


def test_the_default_is_the_users_data_directory_per_platform(tmp_path: Path) -> None:
    province = started()
    xdg = {"XDG_DATA_HOME": str(tmp_path / "data")}
    assert province.state_folder("vendor-1", env=xdg) == tmp_path / "data/sxcert/province/vendor-1"
    home = province.state_folder("vendor-1", env={})
    assert home == Path.home() / ".local/share/sxcert/province/vendor-1"
    assert province.state_folder("vendor-1", env={"XDG_DATA_HOME": "  "}) == home


@pytest.mark.parametrize("platform_id", ["../../etc", "a/b", ".", "..", "平台", " x"])
def test_a_platform_id_is_one_safe_folder_name(platform_id: str, tmp_path: Path) -> None:
    folder = started().state_folder(platform_id, env={"XDG_DATA_HOME": str(tmp_path)})
    assert folder.parent == tmp_path / "sxcert/province"
    assert folder.name not in {".", ".."} and "/" not in folder.name
    other = started().state_folder(platform_id + "x", env={"XDG_DATA_HOME": str(tmp_path)})
    assert other != folder  # distinct ids never share a province


def test_a_given_state_dir_is_taken_from_the_profiles_folder(tmp_path: Path) -> None:
    relative = started(state_dir="state/province")
    assert relative.state_folder("v", relative_to=tmp_path) == tmp_path / "state/province"
    absolute = started(state_dir=str(tmp_path / "abs"))
    assert absolute.state_folder("v", relative_to=Path("/elsewhere")) == tmp_path / "abs"
    home = started(state_dir="~/sxcert-state")
    assert home.state_folder("v") == Path.home() / "sxcert-state"


def test_a_state_dir_for_a_province_sxcert_does_not_start_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"state_dir applies only when province\.start"):
        Province.model_validate(
            {"url": "http://province.example:8700", "start": False, "state_dir": "/tmp/x"}
        )
