"""Where the shared test data lies: `../shared` beside the repository, or $MONITOR_LANGID_DATA."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
LANGID_DATA = Path(os.environ.get("MONITOR_LANGID_DATA") or SHARED / "data" / "langid-testdata")
SENTENCES = LANGID_DATA / "sentences"
