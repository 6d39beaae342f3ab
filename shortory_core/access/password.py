"""The analyst's password: where it comes from, and how an attempt is checked against it.

The password is read from ``SHORTORY_ANALYST_PASSWORD`` first (set where the app is started),
then from Streamlit secrets (``analyst_password`` in ``.streamlit/secrets.toml``). Only its
salted scrypt hash is kept for checking, and attempts are compared with it in constant time, so
neither the comparison's timing nor a fast hash gives a guess away.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass

from shortory_core.errors import ShortoryError

PASSWORD_ENV = "SHORTORY_ANALYST_PASSWORD"
PASSWORD_SECRET = "analyst_password"
# scrypt at 16 MiB and ~60 ms per check on this project's 2-core machine: slow for a guesser,
# unnoticeable for a person signing in.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 << 20, "dklen": 32}


class PasswordSettingError(ShortoryError):
    """The password setting cannot be used as it is."""


def configured_password(environ: Mapping[str, str], secrets: Mapping[str, object]
                        ) -> str | None:
    """The analyst's password: the environment variable wins over the secrets file, so a
    password given at start overrides one left in a file. An empty value counts as unset."""
    from_env = environ.get(PASSWORD_ENV, "")
    if from_env:
        return from_env
    from_secrets = secrets.get(PASSWORD_SECRET)
    if from_secrets is None or from_secrets == "":
        return None
    if not isinstance(from_secrets, str):
        raise PasswordSettingError(
            f"{PASSWORD_SECRET} in .streamlit/secrets.toml must be text in quotes, e.g. "
            f'{PASSWORD_SECRET} = "a long passphrase". Until it is, the analyst\'s pages stay '
            "closed.")
    return from_secrets


@dataclass(frozen=True)
class PasswordHash:
    """A password as it is kept in memory: a random salt and the scrypt digest."""

    salt: bytes
    digest: bytes

    @classmethod
    def of(cls, password: str, salt: bytes | None = None) -> PasswordHash:
        salt = salt if salt is not None else os.urandom(16)
        return cls(salt, _scrypt(password, salt))

    def matches(self, attempt: str) -> bool:
        """Whether ``attempt`` is the password; the digests are compared in constant time."""
        return hmac.compare_digest(self.digest, _scrypt(attempt, self.salt))


def _scrypt(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)
