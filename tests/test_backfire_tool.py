"""tools/backfire_share.py: the issue-15 backfire check, and what-if ranges for its deciders."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import load_tool

TOOL = Path(__file__).resolve().parents[1] / "tools" / "backfire_share.py"


@pytest.fixture(scope="module")
def tool():
    return load_tool("backfire_share")


def test_the_share_is_bounded_by_the_worlds_where_repression_can_raise_the_challenger(tool):
    """Above c* = b theta / (b - 1) repression raises the challenger, below it lowers it; from
    0.8, cohesive forces can leave the challenger higher only where c* < 0.8."""
    higher, possible, given = tool.shares(1.5, 3.0, 2000, 0)
    assert 0.0 < higher <= possible < 1.0
    assert given == pytest.approx(higher / possible)
    # With no backfire, repression only ever lowers the challenger: no world can show it.
    none = tool.shares(0.0, 0.0, 500, 0)
    assert none[:2] == (0.0, 0.0) and none[2] != none[2]  # nan: no world to condition on


def test_a_wider_assumed_range_raises_the_share(tool):
    """A what-if, never a fit: the share grows with the backfire ratio's assumed top."""
    own = tool.shares(1.5, 3.0, 2000, 0)[0]
    wider = tool.shares(2.0, 4.0, 2000, 0)[0]
    assert wider > own


def test_the_command_prints_the_models_range_first():
    done = subprocess.run([sys.executable, str(TOOL), "--worlds", "500", "--top", "4"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.rstrip().endswith(")")]
    assert "1.5 to 3" in rows[0] and "(the model's range)" in rows[0]
    assert "2 to 4" in rows[1] and "(what-if)" in rows[1]
