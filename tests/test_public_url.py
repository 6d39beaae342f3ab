"""Invite links start with the address viewers reach: the setting, else the analyst's own."""

import pytest

from shortory_core.errors import ShortoryError
from shortory_core.remote.public_url import public_base_url


def test_the_setting_wins_and_keeps_a_path_prefix() -> None:
    url = public_base_url("http://127.0.0.1:8501/viewer-panel?project=1",
                          {"SHORTORY_PUBLIC_URL": "https://panel.example.org/study/"})
    assert (url.base, url.local_only, url.from_setting) == (
        "https://panel.example.org/study", False, True)


@pytest.mark.parametrize(("page", "base", "local"), [
    ("http://127.0.0.1:8501/viewer-panel?project=1", "http://127.0.0.1:8501", True),
    ("http://localhost:8501/x", "http://localhost:8501", True),
    ("http://[::1]:8501/x", "http://[::1]:8501", True),
    ("https://panel.example.org/viewer-panel", "https://panel.example.org", False),
    ("http://192.168.1.20:8501/", "http://192.168.1.20:8501", False),
])
def test_without_the_setting_the_pages_own_address_is_used(page: str, base: str,
                                                            local: bool) -> None:
    url = public_base_url(page, {})
    assert (url.base, url.local_only, url.from_setting) == (base, local, False)


@pytest.mark.parametrize("setting", ["ftp://example.org", "panel.example.org", "https://"])
def test_a_setting_that_is_not_a_web_address_is_refused_plainly(setting: str) -> None:
    with pytest.raises(ShortoryError, match="http"):
        public_base_url(None, {"SHORTORY_PUBLIC_URL": setting})
