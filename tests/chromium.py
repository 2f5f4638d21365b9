"""The system's Chromium for the browser tests: found, or skipped on a workstation, failed in CI.

Never a browser downloaded by a tool: the Debian packages ``chromium`` and ``chromium-driver``.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def missing(modules) -> str | None:
    """Why a browser test cannot run here (``modules``: (module, extra) pairs), or None."""
    if CHROMIUM is None or CHROMEDRIVER is None:
        return "chromium and chromedriver not found (apt-get install chromium chromium-driver)"
    for module, extra in modules:
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed (pip install '.[{extra}]')"
    return None


def require(modules) -> None:
    """Skip the test on a workstation without what it needs; fail it in CI (``CI`` set)."""
    why = missing(modules)
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test: {why}")
        pytest.skip(why)
