"""Discord's message limits, so the bot's formatting bugs surface as the 400s they would be."""

from __future__ import annotations

from typing import Any

from .errors import RestError, invalid_form

EMBED_LIMITS = {"title": 256, "description": 4096}
BUTTON_STYLES_NEEDING_ID = {1, 2, 3, 4}


def _too_long(field: str, limit: int) -> RestError:
    return invalid_form(field, f"Must be {limit} or fewer in length.", "BASE_TYPE_MAX_LENGTH")


def validate_message(data: dict[str, Any], *, has_files: bool = False, creating: bool = True) -> None:
    content = data.get("content")
    if content is not None and len(str(content)) > 2000:
        raise _too_long("content", 2000)
    embeds = data.get("embeds")
    if embeds is not None:
        validate_embeds(embeds)
    components = data.get("components")
    if components is not None:
        validate_components(components, flags=int(data.get("flags") or 0))
    if creating and not (content or embeds or components or has_files or data.get("sticker_ids") or data.get("poll")):
        raise RestError(400, 50006, "Cannot send an empty message")


def validate_embeds(embeds: list[dict[str, Any]]) -> None:
    if len(embeds) > 10:
        raise _too_long("embeds", 10)
    total = 0
    for index, embed in enumerate(embeds):
        prefix = f"embeds.{index}"
        for key, limit in EMBED_LIMITS.items():
            value = embed.get(key) or ""
            if len(value) > limit:
                raise _too_long(f"{prefix}.{key}", limit)
            total += len(value)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            raise _too_long(f"{prefix}.fields", 25)
        for f_index, item in enumerate(fields):
            name, value = str(item.get("name", "")), str(item.get("value", ""))
            if not name or not value:
                raise invalid_form(f"{prefix}.fields.{f_index}", "This field is required", "BASE_TYPE_REQUIRED")
            if len(name) > 256:
                raise _too_long(f"{prefix}.fields.{f_index}.name", 256)
            if len(value) > 1024:
                raise _too_long(f"{prefix}.fields.{f_index}.value", 1024)
            total += len(name) + len(value)
        footer = (embed.get("footer") or {}).get("text") or ""
        if len(footer) > 2048:
            raise _too_long(f"{prefix}.footer.text", 2048)
        author = (embed.get("author") or {}).get("name") or ""
        if len(author) > 256:
            raise _too_long(f"{prefix}.author.name", 256)
        total += len(footer) + len(author)
    if total > 6000:
        raise invalid_form("embeds", "Embed size exceeds maximum size of 6000", "MAX_EMBED_SIZE_EXCEEDED")


def validate_components(components: list[dict[str, Any]], *, flags: int = 0) -> None:
    # Components V2 (flag 1<<15) allow other top-level layouts; only classic rows are checked.
    if flags & (1 << 15):
        return
    if len(components) > 5:
        raise _too_long("components", 5)
    seen: set[str] = set()
    for r_index, row in enumerate(components):
        if row.get("type") != 1:
            raise invalid_form(f"components.{r_index}.type", "Value must be an action row", "COMPONENT_TYPE_INVALID")
        items = row.get("components") or []
        if not items or len(items) > 5:
            raise invalid_form(f"components.{r_index}.components", "Must be between 1 and 5 in length.")
        for c_index, item in enumerate(items):
            where = f"components.{r_index}.components.{c_index}"
            custom_id = item.get("custom_id")
            if item.get("type") == 2:
                style = item.get("style")
                if style in BUTTON_STYLES_NEEDING_ID and not custom_id:
                    raise invalid_form(f"{where}.custom_id", "A custom id is required", "BASE_TYPE_REQUIRED")
                if style == 5 and not item.get("url"):
                    raise invalid_form(f"{where}.url", "A url is required", "BASE_TYPE_REQUIRED")
                if len(item.get("label") or "") > 80:
                    raise _too_long(f"{where}.label", 80)
            if custom_id is not None:
                if len(custom_id) > 100:
                    raise _too_long(f"{where}.custom_id", 100)
                if custom_id in seen:
                    raise invalid_form(f"{where}.custom_id", "Component custom id cannot be duplicated", "COMPONENT_CUSTOM_ID_DUPLICATED")
                seen.add(custom_id)
