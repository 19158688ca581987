"""The payroll officer's pages in headless Chromium (Playwright driving Debian's chromium):
log in, prepare and calculate a pay run, run both engines in parallel, see that a clerk
cannot approve, approve as the approver, open a payslip; the employee sees it too.

The engine 2.0 defect is injected (as in the report), so the parallel run has differences
to show. Screenshots go to the artifacts folder, for the report.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from deploybook.cicd.smoke import CHROMIUM_ARGS, chromium_path
from deploybook.payroll.report.demo import RunningService, running_service
from deploybook.payroll.service.store import sqlite_url

PASSWORD = secrets.token_urlsafe(12)


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    url = sqlite_url(tmp_path_factory.mktemp("ui") / "payroll.db")
    with running_service(
        url, PASSWORD, employees=60, paid_periods=1, seed=3, inject_defect=True
    ) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(), args=list(CHROMIUM_ARGS)
        )
        yield chromium
        chromium.close()


def log_in(browser: Browser, svc: RunningService, user: str) -> Page:
    page = browser.new_page(viewport={"width": 1000, "height": 760})  # legible in the report
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{svc.base_url}/")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("header .who")).to_contain_text(user)
    page.errors = errors  # type: ignore[attr-defined]
    return page


def test_run_and_approve_a_pay_run_in_the_browser(
    browser: Browser, svc: RunningService, artifacts: Path
) -> None:
    start = str(svc.company.period.start)
    clerk = log_in(browser, svc, "clara")
    clerk.get_by_label("Frequency").select_option("fortnightly")
    clerk.get_by_label("Period starts").fill(start)
    clerk.get_by_role("button", name="Prepare pay run").click()
    expect(clerk.get_by_role("status")).to_have_text("Pay run prepared.")
    run_url = clerk.url.split("?")[0]
    clerk.get_by_role("button", name="Calculate", exact=True).click()
    expect(clerk.get_by_role("status")).to_have_text("Pay run calculated.")
    expect(clerk.locator("h2", has_text="Payslips")).to_have_text("Payslips (60)")
    clerk.get_by_role("button", name=re.compile("^Parallel run")).click()
    expect(clerk.get_by_role("cell", name="line:overtime_2.0")).to_be_visible()

    # a clerk cannot approve: no button, a reason, and the server refuses a forged form
    expect(clerk.get_by_role("button", name="Approve")).to_have_count(0)
    expect(clerk.locator(".note")).to_contain_text("need the approver role")
    csrf = clerk.locator("input[name=csrf_token]").first.get_attribute("value")
    forged = clerk.request.post(
        f"{run_url}/approve", form={"csrf_token": csrf or "", "idempotency_key": "forged-1"}
    )
    assert forged.status == 403
    assert "needs the approver role" in forged.text()
    clerk.screenshot(path=str(artifacts / "ui-clerk.png"))
    no_csrf = clerk.request.post(f"{run_url}/calculate", form={"csrf_token": "stolen"})
    assert no_csrf.status == 403
    assert "form has expired" in no_csrf.text()

    approver = log_in(browser, svc, "alex")
    approver.goto(run_url)
    approver.get_by_role("link", name="every line").click()
    expect(approver.get_by_role("heading", level=1)).to_contain_text("Reconciliation")
    approver.screenshot(path=str(artifacts / "ui-reconciliation.png"))
    approver.go_back()
    approver.get_by_role("button", name="Approve").click()
    expect(approver.get_by_role("status")).to_have_text("Pay run approved.")
    expect(approver.locator("h1 .status")).to_have_text("approved")
    expect(approver.get_by_role("link", name="Download the bank file (ABA)")).to_be_visible()
    approver.screenshot(path=str(artifacts / "ui-pay-run.png"))
    approver.get_by_role("link", name="E000004").click()
    expect(approver.locator(".payslip")).to_contain_text("Net pay")
    approver.screenshot(path=str(artifacts / "ui-payslip.png"), full_page=True)

    employee = log_in(browser, svc, "e000001")
    expect(employee).to_have_url(re.compile(r"/my-payslips$"))
    runs = employee.locator("tbody tr")
    expect(runs).to_have_count(2)  # the paid run and the one just approved
    runs.first.get_by_role("link").click()
    expect(employee.locator(".payslip")).to_contain_text("E000001")
    assert employee.errors == []  # type: ignore[attr-defined]
    assert employee.goto(run_url).status == 403  # not a pay run reader
    employee.errors.clear()  # type: ignore[attr-defined] # (the browser logs that 403)

    for page in (clerk, approver, employee):
        assert page.errors == []  # type: ignore[attr-defined]
        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(re.compile(r"/login$"))
    with svc.client("audrey") as client:
        log = client.get("/api/v1/audit-log", params={"entity": "pay_run", "limit": 500}).json()
    assert [(e["actor"], e["action"]) for e in log["items"]][-4:] == [
        ("clara", "pay_run.create"),
        ("clara", "pay_run.calculate"),
        ("clara", "pay_run.parallel_run"),
        ("alex", "pay_run.approved"),
    ]
    assert all(
        (artifacts / f"ui-{n}.png").stat().st_size > 10_000
        for n in ("clerk", "reconciliation", "pay-run", "payslip")
    )
