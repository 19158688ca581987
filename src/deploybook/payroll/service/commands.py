"""``deploybook payroll ...``: serve the service, list and check the rule sets, derive their
coefficient files, verify the audit log's hash chain.

``deploybook payroll rules`` prints every rule set with the dates it covers and exits with
status 1 when the newest one ends within ``--warn-days`` (60) of today: a payroll must not
reach a payday no rule set covers, so CI runs this check on every build.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the rules (pandas, YAML) are imported when a command runs
    from deploybook.payroll.engine.rules import RuleSet

WARN_DAYS = 60


def expiry_problem(rule_sets: tuple[RuleSet, ...], today: date, warn_days: int) -> str | None:
    """Why the rule sets will soon stop covering paydays (``None`` if they will not)."""
    newest = max(rule_sets, key=lambda r: r.applies_to)
    left = (newest.applies_to - today).days
    if left < 0:
        return (
            f"the newest rule set, {newest.name}, ended on {newest.applies_to}: "
            "no payday after it can be paid"
        )
    if left <= warn_days:
        return (
            f"the newest rule set, {newest.name}, ends on {newest.applies_to}, in {left} days "
            f"(within {warn_days}): add the schedule that follows it"
        )
    return None


def rules_listing(rule_sets: tuple[RuleSet, ...], today: date) -> list[str]:
    """One line per rule set (and per study loan schedule): dates, sources, and whether it
    covers ``today``.
    """
    lines = []
    for rules in rule_sets:
        counts = Counter(p.status.value for p in rules.provenance)
        sources = " ".join(f"{k}={v}" for k, v in sorted(counts.items()))
        mark = "  <- in force today" if rules.covers(today) else ""
        lines.append(f"{rules.name}: {rules.applies_from} to {rules.applies_to} ({sources}){mark}")
        for schedule in rules.stsl:
            lines.append(f"  study and training support loans from {schedule.applies_from}")
    return lines


def _rules(args: argparse.Namespace) -> None:
    from deploybook.payroll.engine.rules import default_rule_sets

    today = date.fromisoformat(args.today) if args.today else date.today()
    rule_sets = default_rule_sets()
    print("\n".join(rules_listing(rule_sets, today)))
    problem = expiry_problem(rule_sets, today, args.warn_days)
    if problem:
        print(f"deploybook: rule sets: {problem}", file=sys.stderr)
        sys.exit(1)
    print(f"rules check passed: the newest rule set covers paydays past {args.warn_days} days")


def _coefficients(args: argparse.Namespace) -> None:
    from deploybook.payroll.engine.rules import derived_files, rules_dir

    stale = []
    for rule_file in sorted(rules_dir().glob("*.yaml")):
        for path, text in derived_files(rule_file).items():
            current = path.read_text(encoding="utf-8") if path.is_file() else None
            if current == text:
                continue
            if args.write:
                path.write_text(text, encoding="utf-8")
                print(f"wrote {path}")
            else:
                stale.append(path)
    if stale:
        names = ", ".join(p.name for p in stale)
        print(f"deploybook: not as derived (run with --write): {names}", file=sys.stderr)
        sys.exit(1)
    if not args.write:
        print("every derived coefficient file is as the legislated values give it")


def _audit_verify(args: argparse.Namespace) -> None:
    from deploybook.payroll.service.audit import verify_audit
    from deploybook.payroll.service.settings import default_database_url, default_state_dir
    from deploybook.payroll.service.store import PayrollStore

    state = Path(args.state_dir) if args.state_dir else default_state_dir()
    store = PayrollStore(args.url or default_database_url(state))
    try:
        with store.transaction() as conn:
            found = verify_audit(conn)
    finally:
        store.close()
    if not found.intact:
        print(f"deploybook: audit log broken: {found.problem}", file=sys.stderr)
        sys.exit(1)
    print(f"audit log intact: {found.entries} entries, every hash recomputed")


def _serve(args: argparse.Namespace) -> None:
    from deploybook.payroll.service.server import serve, settings_for  # FastAPI only when serving
    from deploybook.payroll.service.settings import default_state_dir

    state = Path(args.state_dir) if args.state_dir else default_state_dir()
    employer = Path(args.employer) if args.employer else None
    settings = settings_for(
        args.url,
        state,
        employer_file=employer,
        session_minutes=args.session_minutes,
        secure_cookies=args.secure_cookies,
        inject_defect=args.inject_defect,
    )
    serve(settings, host=args.host, port=args.port, state_dir=state)


def add_payroll_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``deploybook payroll serve | rules | coefficients | audit verify`` to the command
    line.
    """
    payroll = sub.add_parser("payroll", help="the payroll service and its rules").add_subparsers(
        dest="payroll_command", required=True
    )
    srv = payroll.add_parser(
        "serve",
        help="serve the payroll API and web pages (SQLite in _work/payroll_service/ by default); "
        "on an empty database user 'admin' is created, its password taken from "
        "$DEPLOYBOOK_PAYROLL_ADMIN_PASSWORD or written to <state-dir>/admin-password.txt",
    )
    srv.add_argument("--url", help="database URL, e.g. postgresql+psycopg://user@host/payroll")
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback)")
    srv.add_argument("--port", type=int, default=8000, help="port to listen on")
    srv.add_argument("--state-dir", help="folder of the default database and admin password")
    srv.add_argument("--employer", help="YAML file: employer name and bank file details")
    srv.add_argument("--session-minutes", type=int, default=60, help="login session lifetime")
    srv.add_argument("--secure-cookies", action="store_true", help="HTTPS-only cookie (TLS)")
    srv.add_argument(
        "--inject-defect",
        action="store_true",
        help="rehearsal: engine 2.0 pays double time at 1.5x (see parallel runs)",
    )
    srv.set_defaults(func=_serve)

    rules = payroll.add_parser(
        "rules",
        help="list the withholding rule sets and the dates they cover; exit 1 if the newest "
        "ends within --warn-days of today",
    )
    rules.add_argument("--warn-days", type=int, default=WARN_DAYS, help="days of notice wanted")
    rules.add_argument("--today", help="check as of this date (YYYY-MM-DD) instead of today")
    rules.set_defaults(func=_rules)

    coefficients = payroll.add_parser(
        "coefficients",
        help="check that every derived coefficient file is what the legislated values give "
        "(exit 1 if not); --write writes them",
    )
    coefficients.add_argument("--write", action="store_true", help="write the derived files")
    coefficients.set_defaults(func=_coefficients)

    audit = payroll.add_parser("audit", help="the audit log").add_subparsers(
        dest="audit_command", required=True
    )
    verify = audit.add_parser(
        "verify", help="recompute the audit log's hash chain; exit 1 at the first broken entry"
    )
    verify.add_argument("--url", help="database URL (default: the service's SQLite file)")
    verify.add_argument("--state-dir", help="folder of the default database")
    verify.set_defaults(func=_audit_verify)
