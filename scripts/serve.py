"""Start the app's server: ``python scripts/serve.py [streamlit run options]``.

The same as ``streamlit run app.py``, with two differences.

- The pages run inside a Streamlit ``App`` (an ASGI app served by uvicorn) that also carries
  the remote panel's HTTP routes (``shortory_core/remote/routes.py``): a remote viewer's browser
  fetches the models and the video, and posts its samples, over plain HTTP.
- Streamlit treats a ``pages/`` folder beside the entry script as a legacy page list until the
  script first calls ``st.navigation``, so the very first run of a new server looked for a
  shared link such as ``/overview?project=1`` among the file names, did not find it, and left a
  "Page not found" notice over the right page. This app always declares its pages with
  ``st.navigation`` (in ``app.py``), so the server is told so before it starts.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENTRY = Path(__file__).resolve().parent / "asgi_app.py"

if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(ENTRY), *sys.argv[1:]]
    sys.exit(cli.main())
