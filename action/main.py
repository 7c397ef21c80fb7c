"""Entry point for the steps of action.yml: ``python3 main.py STEP``.

Exit status 1 with one ``::error::`` line for anything the workflow author can fix; no
traceback reaches the log for those.
"""

from __future__ import annotations

import os
import sys

from datamodel_action import inputs, steps, workflow
from datamodel_action.github import ApiError


def main(argv: list[str]) -> int:
    names = [*steps.STEPS, "cleanup"]
    if len(argv) != 2 or argv[1] not in names:
        return workflow.fail(f"usage: main.py {{{','.join(names)}}}")
    try:
        if argv[1] == "cleanup":
            steps.cleanup(os.environ)
        else:
            settings = inputs.read(os.environ, check_cluster_access=argv[1] == "check")
            steps.STEPS[argv[1]](settings, os.environ)
    except (workflow.ActionError, ApiError) as exc:
        return workflow.fail(str(exc))
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
