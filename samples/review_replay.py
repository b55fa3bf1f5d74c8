"""A reviewer, through the HTTP API only, confirming every form of a generated batch with
its ground-truth values: each field that differs is set, the link is set when it is wrong,
then the page is confirmed. Works with any client that has `get`, `put` and `post`
returning responses with `status_code` and `json()` (FastAPI's TestClient, httpx).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from samples.tally_truth import all_truths, truth_values

API = "/api/v1"
FORMS = ("registration", "service_card")
PAGE_SIZE = 500


class Response(Protocol):
    status_code: int
    text: str

    def json(self) -> Any: ...


class Client(Protocol):
    def get(self, url: str, *, params: dict[str, Any] | None = ...) -> Response: ...
    def put(self, url: str, *, json: Any = ...) -> Response: ...
    def post(self, url: str, *, json: Any = ...) -> Response: ...


@dataclass
class ReplayResult:
    """What the reviewer did, and what they could not do (each with the page and reason)."""

    confirmed: int = 0
    corrected_fields: int = 0
    links_set: int = 0
    failures: list[str] = field(default_factory=list)
    forms_seen: int = 0  # forms R and cards of the truth found among the stored pages
    forms_set: int = 0  # pages recognition could not classify, declared by the reviewer
    not_confirmed: list[tuple[str, int]] = field(default_factory=list)  # (file, page)


def confirm_with_truth(client: Client, batch_dir: Path, *, year: int) -> ReplayResult:
    """Correct, link and confirm every form R and service card of the batch in the database."""
    result = ReplayResult()
    truths = {(t["source"]["file"], t["source"]["page"]): t for t in all_truths(batch_dir)}
    members = {m["code"]: m["id"] for m in _all(client, f"{API}/roster/members", year=year)}
    for page in _all(client, f"{API}/pages"):
        truth = truths.get((page["file_name"], page["page_no"]))
        if truth is None or truth["form"] not in FORMS:
            continue
        result.forms_seen += 1
        where = f"page {page['id']} ({page['file_name']}#{page['page_no']})"
        source = (truth["source"]["file"], truth["source"]["page"])
        if page["status"] != "needs_review":
            result.failures.append(f"{where}: {page['status']}, not in review")
        elif page["form"] != truth["form"] and page["form"] in FORMS:
            # A page read as the other form: a person could only reject it.
            result.failures.append(f"{where}: read as {page['form']}, is {truth['form']}")
        else:
            try:
                if page["form"] != truth["form"]:  # not recognized: say which form it is
                    url = f"{API}/pages/{page['id']}/form"
                    _ok(client.put(url, json={"form": truth["form"]}), "form")
                    result.forms_set += 1
                _review(client, page["id"], truth, members, result)
                continue
            except ReplayError as e:
                result.failures.append(f"{where}: {e}")
        result.not_confirmed.append(source)
    return result


class ReplayError(Exception):
    """An API call the reviewer made was refused."""


def _review(
    client: Client,
    page_id: int,
    truth: dict[str, Any],
    members: dict[str, int],
    result: ReplayResult,
) -> None:
    values = truth_values(truth)
    # A corrected name or phone links the page again, which may change other names: look
    # again until every field holds the truth.
    for _ in range(3):
        detail = _ok(client.get(f"{API}/pages/{page_id}"), "read")
        stored = {f["key"]: f["value"] for f in detail["fields"]}
        wrong = [k for k in values if stored.get(k) != values[k]]
        if not wrong:
            break
        # The year first: a month-day date is read in the card's year.
        for key in sorted(wrong, key=lambda k: k != "year"):
            url = f"{API}/pages/{page_id}/fields/{key}"
            _ok(client.put(url, json={"value": values[key]}), key)
            result.corrected_fields += 1
    member_id = members.get(truth["member_code"])
    contact_no = truth["contact_no"] if truth["form"] == "service_card" else None
    current = _ok(client.get(f"{API}/pages/{page_id}"), "read")
    if (current["member_id"], current["contact_no"]) != (member_id, contact_no):
        link = {"member_id": member_id, "contact_no": contact_no}
        _ok(client.put(f"{API}/pages/{page_id}/link", json=link), "link")
        result.links_set += 1
    _ok(client.post(f"{API}/pages/{page_id}/confirm", json=None), "confirm")
    result.confirmed += 1


def _ok(response: Response, what: str) -> Any:
    if response.status_code != 200:
        raise ReplayError(f"{what}: {response.status_code} {response.text[:200]}")
    return response.json()


def _all(client: Client, url: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paginated list."""
    items: list[dict[str, Any]] = []
    while True:
        page = _ok(
            client.get(url, params={**params, "offset": len(items), "limit": PAGE_SIZE}), url
        )
        items += page["items"]
        if len(items) >= page["total"] or not page["items"]:
            return items
