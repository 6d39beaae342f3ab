"""``python -m tests.job_worker DATA KIND PARAMS``: run one job in this process's foreground,
exactly as the CLI runs its jobs. The kill tests start it and kill it with SIGKILL."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from shortory_core.kinds import job_service
from shortory_core.store import Store


def main() -> None:
    root, kind, params = Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
    service = job_service(Store(root), workers=False)
    subject = params.get("clip_id", params.get("session_id"))
    job_id = service.submit(kind, params, project_id=params.get("project_id"),
                            subject_id=subject)
    job = service.run(job_id)
    print(json.dumps({"job": job.id, "status": job.status, "error": job.error}))


if __name__ == "__main__":
    main()
