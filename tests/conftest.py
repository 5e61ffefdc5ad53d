"""What both test tiers share: no silent skips under ``make test``, derandomised property tests in CI.

``make test`` sets ``RURALENV_NO_SKIP=1``: every dependency the README's claims rest on is installed there, so
a test that skips (a missing package, browser, QGIS or mount) fails instead, naming the reason. pytest runs
with ``-rs`` besides, so any skip outside ``make test`` is listed.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import settings

NO_SKIP = os.environ.get("RURALENV_NO_SKIP") == "1"

# Property tests: the same examples on every CI run (a failure found once is found again), the database off
# so no .hypothesis/ folder appears in the work tree.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", database=None)
settings.load_profile("ci" if NO_SKIP or os.environ.get("CI") else "dev")


def _fail_instead(report: pytest.TestReport | pytest.CollectReport) -> None:
    reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"skipped where RURALENV_NO_SKIP=1 (make test) requires it to run: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if NO_SKIP and report.skipped and not hasattr(report, "wasxfail"):
        _fail_instead(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    if NO_SKIP and report.skipped:
        _fail_instead(report)
