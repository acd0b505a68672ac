"""The publisher's real pages (../shared/seeds/ beside the checkout), which tests may read."""

from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
SEED = SEEDS / "000_0d904f4cc4c16bb2.txt"
PAGES = sorted(SEEDS.glob("*.txt"))

needs_seed = pytest.mark.skipif(not SEED.exists(), reason=f"the publisher's page is not at {SEED}")
