"""What the tests of the action's step scripts share: the names they use, the runner's files
parsed the way the runner parses them, and artifacts zipped as GitHub serves them."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

ARTIFACT = "kubectl-datamodel-db"
PR = 7


def runner_file_values(path: Path) -> dict[str, str]:
    """Parse a $GITHUB_OUTPUT / $GITHUB_ENV file the way the runner does: ``name=value`` lines
    and ``name<<DELIMITER`` blocks that end at a line equal to the delimiter."""
    values: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block: list[str] = []
            while lines[index] != delimiter:  # IndexError: an unterminated block
                block.append(lines[index])
                index += 1
            index += 1
            values[name] = "\n".join(block)
        else:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
