"""Who may do what: one table of capabilities by role, used by every route."""

from __future__ import annotations

from enum import StrEnum

from records.accounts import Role


class Can(StrEnum):
    see_batches = "see_batches"
    upload = "upload"
    see_pages = "see_pages"
    review = "review"
    see_roster = "see_roster"
    edit_roster = "edit_roster"
    see_reports = "see_reports"
    export = "export"
    see_personal_data = "see_personal_data"  # full phones and addresses, unmasked
    manage_users = "manage_users"
    see_audit = "see_audit"


ALL = frozenset(Role)
GRANTS: dict[Can, frozenset[Role]] = {
    Can.see_batches: ALL,
    Can.upload: frozenset({Role.clerk, Role.admin}),
    Can.see_pages: frozenset({Role.reviewer, Role.office, Role.admin}),
    Can.review: frozenset({Role.reviewer, Role.admin}),
    Can.see_roster: frozenset({Role.reviewer, Role.office, Role.admin}),
    Can.edit_roster: frozenset({Role.admin}),
    Can.see_reports: frozenset({Role.office, Role.admin}),
    Can.export: frozenset({Role.office, Role.admin}),
    Can.see_personal_data: frozenset({Role.reviewer, Role.admin}),
    Can.manage_users: frozenset({Role.admin}),
    Can.see_audit: frozenset({Role.admin}),
}


def allowed(role: Role, capability: Can) -> bool:
    return role in GRANTS[capability]
