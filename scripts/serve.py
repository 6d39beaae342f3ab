"""Start the app's Streamlit server: ``python scripts/serve.py [streamlit run options]``.

The same as ``streamlit run app.py``, with one difference. Streamlit treats a ``pages/``
folder beside the entry script as a legacy page list until the script first calls
``st.navigation``, so the very first run of a new server looked for a shared link such as
``/overview?project=1`` among the file names, did not find it, and left a "Page not found"
notice over the right page. This app always declares its pages with ``st.navigation`` (in
``app.py``), so the server is told so before it starts.
"""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

APP = Path(__file__).resolve().parents[1] / "app.py"

if __name__ == "__main__":
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    sys.exit(cli.main())
