"""Discord's JSON error bodies, raised inside REST handlers and turned into responses."""

from __future__ import annotations

from typing import Any

UNKNOWN_CODES = {
    "Channel": 10003,
    "Guild": 10004,
    "Member": 10007,
    "Message": 10008,
    "Emoji": 10014,
    "Role": 10011,
    "User": 10013,
    "Webhook": 10015,
    "Application": 10002,
    "Interaction": 10062,
    "Application Command": 10063,
}


class RestError(Exception):
    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = self.errors
        return data


def unknown(kind: str) -> RestError:
    # Discord spells this one in lower case.
    text = "Unknown interaction" if kind == "Interaction" else f"Unknown {kind}"
    return RestError(404, UNKNOWN_CODES.get(kind, 0), text)


def missing_permissions() -> RestError:
    return RestError(403, 50013, "Missing Permissions")


def missing_access() -> RestError:
    return RestError(403, 50001, "Missing Access")


def invalid_form(field: str, message: str, code: str = "BASE_TYPE_INVALID") -> RestError:
    return RestError(
        400,
        50035,
        "Invalid Form Body",
        {field: {"_errors": [{"code": code, "message": message}]}},
    )


def already_acknowledged() -> RestError:
    return RestError(400, 40060, "Interaction has already been acknowledged.")


def thread_archived() -> RestError:
    return RestError(400, 50083, "Thread is archived")


def thread_locked() -> RestError:
    return RestError(403, 160005, "Thread is locked")
