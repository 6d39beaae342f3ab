"""The analyst's gate without Streamlit: the address rules, where the password comes from,
its hash, and the limit on wrong attempts (a fake clock: no waiting)."""

from __future__ import annotations

import pytest

from shortory_core.access import (
    AnalystGate,
    Attempt,
    Exposure,
    PasswordSettingError,
    Verdict,
    configured_password,
    exposure,
    verdict,
)
from shortory_core.access.password import PasswordHash
from shortory_core.access.throttle import Throttle


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("address", ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"])
def test_a_loopback_bind_with_local_requests_is_local(address: str) -> None:
    assert not exposure(address, {"Host": "localhost:8501"}, None).reachable
    assert not exposure(address, {"Host": "[::1]:8501"}, None).reachable
    assert not exposure(address, {}, "127.0.0.1").reachable


@pytest.mark.parametrize("address", ["0.0.0.0", "::", "192.168.1.20", "example.org", "", None])
def test_any_other_bind_address_is_reachable(address: str | None) -> None:
    found = exposure(address, {"Host": "localhost:8501"}, None)
    assert found.reachable
    assert "every interface" in found.why if not address else address in found.why


@pytest.mark.parametrize("headers", [
    {"X-Forwarded-For": "203.0.113.9"}, {"forwarded": "for=203.0.113.9"},
    {"X-Real-IP": "203.0.113.9"}, {"Host": "shortory.example.org"},
    {"Host": "10.0.0.5:8501"}])
def test_a_page_that_came_through_a_proxy_is_reachable_even_on_loopback(
        headers: dict[str, str]) -> None:
    """Caddy or nginx on the same machine connects from 127.0.0.1, but says so."""
    assert exposure("127.0.0.1", headers, None).reachable


def test_a_peer_on_another_machine_makes_it_reachable() -> None:
    assert exposure("127.0.0.1", {}, "203.0.113.9") == Exposure(
        True, "this page was opened from 203.0.113.9, another machine")


def test_invite_links_set_to_another_host_make_it_reachable() -> None:
    """nginx may pass neither the host name nor a forwarded header; the analyst's public URL
    for invites still says the app is meant for other machines."""
    assert exposure("127.0.0.1", {}, None, "https://panel.example.org/study") == Exposure(
        True, "invite links start with https://panel.example.org/study")
    assert not exposure("127.0.0.1", {}, None, "http://127.0.0.1:8501").reachable
    assert not exposure("127.0.0.1", {}, None, "").reachable


def test_verdict_asks_whenever_a_password_is_set() -> None:
    local, reachable = Exposure(False, ""), Exposure(True, "")
    assert verdict("pw", local) is Verdict.ASK  # set: asked for, also on 127.0.0.1
    assert verdict("pw", reachable) is Verdict.ASK
    assert verdict(None, local) is Verdict.OPEN  # as before
    assert verdict(None, reachable) is Verdict.REFUSED  # never silently open


def test_the_environment_wins_over_secrets_and_empty_means_unset() -> None:
    secrets = {"analyst_password": "from-secrets"}
    env = {"SHORTORY_ANALYST_PASSWORD": "from-env"}
    assert configured_password(env, secrets) == "from-env"
    assert configured_password({}, secrets) == "from-secrets"
    assert configured_password({"SHORTORY_ANALYST_PASSWORD": ""}, secrets) == "from-secrets"
    assert configured_password({}, {}) is None
    assert configured_password({}, {"analyst_password": ""}) is None


def test_a_password_that_is_not_text_keeps_the_pages_closed() -> None:
    with pytest.raises(PasswordSettingError, match="must be text in quotes"):
        configured_password({}, {"analyst_password": 1234})


def test_the_hash_is_salted_and_matches_only_the_password() -> None:
    first, second = PasswordHash.of("correct horse"), PasswordHash.of("correct horse")
    assert first.salt != second.salt and first.digest != second.digest
    assert first.matches("correct horse") and second.matches("correct horse")
    assert not first.matches("correct horse ") and not first.matches("")
    assert PasswordHash.of("pässwörd", first.salt).matches("pässwörd")
    assert b"correct horse" not in first.digest + first.salt


def test_the_throttle_doubles_the_wait_after_the_free_failures_and_forgets() -> None:
    clock = FakeClock()
    throttle = Throttle(free=5, first_wait=5.0, max_wait=60.0, forget_after=3600.0,
                        clock=clock)
    for _ in range(4):
        throttle.failed("a")
    assert throttle.wait_left("a") == 0
    waits = []
    for _ in range(5):
        throttle.failed("a")
        waits.append(throttle.wait_left("a"))
        clock.now += waits[-1]
    assert waits == [5.0, 10.0, 20.0, 40.0, 60.0]  # capped
    assert throttle.wait_left("b") == 0  # other keys are free
    clock.now += 3600.0
    assert throttle.wait_left("a") == 0
    throttle.failed("a")
    assert throttle.wait_left("a") == 0  # forgotten: the count starts again


def test_the_throttle_remembers_a_bounded_number_of_keys() -> None:
    throttle = Throttle(free=1, max_keys=3, clock=FakeClock())
    for key in "abcd":
        throttle.failed(key)
    assert throttle.wait_left("a") == 0  # the stalest was dropped
    assert all(throttle.wait_left(key) > 0 for key in "bcd")


def test_the_gate_signs_in_with_the_password_and_holds_back_guessers() -> None:
    clock = FakeClock()
    gate = AnalystGate(clock=clock)
    for n in range(1, 5):
        wrong = gate.attempt("s3cret", f"guess{n}", "203.0.113.9")
        assert wrong == Attempt(None, "Wrong password.")
    fifth = gate.attempt("s3cret", "guess5", "203.0.113.9")
    assert fifth.message == ("Wrong password. Too many wrong passwords from your address: "
                             "try again in 5 s.")
    held = gate.attempt("s3cret", "s3cret", "203.0.113.9")  # even the right one waits
    assert held.signature is None and held.message.endswith("try again in 5 s.")
    other = gate.attempt("s3cret", "s3cret", "198.51.100.7")  # another address is not held
    assert other.signature is not None and gate.signed_in("s3cret", other.signature)
    clock.now += 5
    answer = gate.attempt("s3cret", "s3cret", "203.0.113.9")
    assert answer.signature is not None
    assert not gate.signed_in("changed", answer.signature)  # a new password signs out
    assert not gate.signed_in("s3cret", None)


def test_many_addresses_together_are_held_back_overall() -> None:
    clock = FakeClock()
    gate = AnalystGate(clock=clock)
    for n in range(20):
        gate.attempt("s3cret", "wrong", f"203.0.113.{n}")
    answer = gate.attempt("s3cret", "s3cret", "198.51.100.7")
    assert answer == Attempt(None, "Too many wrong passwords were tried on this app: try again "
                                    "in 5 s.")
    clock.now += 5
    assert gate.attempt("s3cret", "s3cret", "198.51.100.7").signature is not None

