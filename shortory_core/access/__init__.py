"""Who may open the analyst's pages: whether the app is reachable from other machines, the
analyst's password (a salted slow hash, compared in constant time) and a limit on wrong
attempts. Plain Python, so it is tested without Streamlit; ``pages/analyst_gate.py`` draws it.
"""

from shortory_core.access.exposure import Exposure, exposure
from shortory_core.access.gate import (
    HOW_TO_SET,
    AnalystGate,
    Attempt,
    Verdict,
    verdict,
)
from shortory_core.access.password import PasswordSettingError, configured_password

__all__ = ["HOW_TO_SET", "AnalystGate", "Attempt", "Exposure", "PasswordSettingError",
           "Verdict", "configured_password", "exposure", "verdict"]
