"""Talsvar: the IVR menu (knappval per language) and the recorded messages for closed hours,
overload and crisis, as versioned, audited data.

Every change is a new version (``telephony_message``: kind, language, version). A version
starts as a draft: typed text rendered to audio by espeak-ng with the configured voice
(Swedish by default), or an uploaded WAV file. Activating a version archives the one active
before it; the driver pushes the audio to the switch where it can (``message_upload``),
otherwise the version is marked for export and an operator downloads the file for the
operator's portal. :func:`set_active` is what the ``set_active_message`` hook does (crisis
mode switches the message with it).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import shutil
import time
from pathlib import Path
from typing import Any

from core import audit, db, events
from core.cases import service as cases
from core.contracts import Event
from core.db import raw
from core.errors import Conflict, InvalidInput, NotFound, Unavailable
from core.org import lookup
from plugins.telephony_centrex import runtime
from plugins.telephony_centrex.drivers.base import Capability

log = logging.getLogger(__name__)

KINDS = ("menu", "closed", "overload", "crisis")
LANGUAGES = ("sv", "en", "fi", "ar", "so", "fa", "es", "de", "pl", "ti")
MENU_KEY = re.compile(r"^[0-9*#]$")
MENU_ACTIONS = ("queue", "callback")
MAX_AUDIO = 10 * 1024 * 1024
RENDER_TIMEOUT = 30.0
EVENT = "telephony.message"

COLUMNS = (
    "id, kind, language, version, text, menu, audio_file, audio_sha256, audio_source, status, "
    "delivery, created_by, created_at, activated_by, activated_at"
)
ONE_SQL = f"SELECT {COLUMNS} FROM telephony_message WHERE id = ?"
NEXT_SQL = "SELECT MAX(version) AS v FROM telephony_message WHERE kind = ? AND language = ?"
ACTIVE_SQL = (
    f"SELECT {COLUMNS} FROM telephony_message WHERE kind = ? AND language = ? AND status = 'active'"
)


def _view(row: dict[str, Any]) -> dict[str, Any]:
    view = dict(row)
    view["menu"] = raw.json_column(row["menu"])
    view["has_audio"] = bool(row["audio_file"])
    view.pop("audio_file")
    return view


def _check(kind: str, language: str) -> None:
    if kind not in KINDS:
        raise InvalidInput("Unknown message kind: {kind}", kind=kind[:20])
    if language not in LANGUAGES:
        raise InvalidInput("Unknown language: {language}", language=language[:10])


async def _menu(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validated knappval: key 0-9, * or #, once each; a label; an optional answer group; the
    action ``queue`` (the caller waits in the group's queue) or ``callback`` (the caller is
    called back: the group is required, ``callback_minutes`` is the agreed time window)."""
    seen: set[str] = set()
    result = []
    for item in items:
        key, label, group = str(item.get("key", "")), str(item.get("label", "")), item.get("group")
        action = str(item.get("action") or "queue")
        minutes = item.get("callback_minutes")
        if not MENU_KEY.match(key) or key in seen:
            raise InvalidInput("Each menu choice needs its own key 0-9, * or #")
        if not label.strip() or len(label) > 200:
            raise InvalidInput("Each menu choice needs a label of at most 200 characters")
        if group is not None and await lookup.answer_group(str(group)) is None:
            raise InvalidInput("Unknown answer group: {code}", code=str(group)[:60])
        if action not in MENU_ACTIONS:
            raise InvalidInput("Unknown menu action: {action}", action=action[:20])
        if action == "callback" and group is None:
            raise InvalidInput("A call-back choice needs the answer group that calls back")
        if minutes is not None and (action != "callback" or not 5 <= int(minutes) <= 10080):
            raise InvalidInput("The call-back time is 5 to 10080 minutes, on a call-back choice")
        seen.add(key)
        choice: dict[str, Any] = {"key": key, "label": label.strip(), "group": group}
        if action != "queue":  # stored only when not the default (menus keep their shape)
            choice["action"] = action
        if minutes is not None:
            choice["callback_minutes"] = int(minutes)
        result.append(choice)
    return result


async def menu_choice(key: str, language: str = "sv") -> dict[str, Any] | None:
    """The active menu's choice for ``key`` (the language's menu, else the Swedish one)."""
    for lang in dict.fromkeys((language if language in LANGUAGES else "sv", "sv")):
        menu = await active("menu", lang)
        if menu is not None:
            return next((c for c in menu["menu"] if c["key"] == key), None)
    return None


def _folder() -> Path:
    folder = Path(cases.current_settings().data_dir) / "telephony" / "messages"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def create_draft(
    actor: str, kind: str, language: str, text: str, menu: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A new version (draft) of a message: its text and, for the menu, its choices."""
    _check(kind, language)
    if len(text) > 5000:
        raise InvalidInput("The message text is at most 5000 characters")
    choices = await _menu(menu or []) if kind == "menu" else []
    if kind != "menu" and menu:
        raise InvalidInput("Only the menu has choices")
    now = int(time.time())
    async with db.transaction():
        latest = await raw.fetchrow(NEXT_SQL, kind, language)
        version = int(latest["v"] or 0) + 1 if latest else 1
        row = {
            "kind": kind,
            "language": language,
            "version": version,
            "text": text,
            "menu": choices,
            "status": "draft",
            "created_by": actor,
            "created_at": now,
        }
        message_id = await raw.insert("telephony_message", row)
        audit.record(
            actor,
            "telephony.message_draft",
            "telephony_message",
            message_id,
            {"kind": kind, "language": language, "version": version},
        )
    return await get(message_id)


async def get(message_id: int) -> dict[str, Any]:
    return _view(await _row(message_id))


async def _row(message_id: int) -> dict[str, Any]:
    row = await raw.fetchrow(ONE_SQL, message_id)
    if row is None:
        raise NotFound("No message with id {id}", id=message_id)
    return row


async def list_messages(kind: str | None = None, language: str | None = None) -> list[dict]:
    """Every version, newest first (optionally of one kind and language)."""
    sql, args = f"SELECT {COLUMNS} FROM telephony_message WHERE 1 = 1", []
    if kind:
        sql += " AND kind = ?"
        args.append(kind)
    if language:
        sql += " AND language = ?"
        args.append(language)
    rows = await raw.fetch(sql + " ORDER BY kind, language, version DESC LIMIT 500", *args)
    return [_view(row) for row in rows]


async def render(actor: str, message_id: int) -> dict[str, Any]:
    """Render the draft's text to speech with espeak-ng (a WAV file)."""
    row = await _row(message_id)
    if row["status"] != "draft":
        raise Conflict("Only a draft can be changed")
    if not row["text"].strip():
        raise InvalidInput("The message has no text to read")
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise Unavailable("espeak-ng is not installed on the server")
    voice = str(runtime.setting("espeak_voice", "sv") or "sv")
    if row["language"] != "sv" and voice == "sv":
        voice = row["language"]
    process = await asyncio.create_subprocess_exec(
        binary,
        "-v",
        voice,
        "--stdout",
        row["text"],
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        audio, errors = await asyncio.wait_for(process.communicate(), RENDER_TIMEOUT)
    except TimeoutError:
        process.kill()
        raise Unavailable("espeak-ng did not finish in time") from None
    if process.returncode != 0 or not audio.startswith(b"RIFF"):
        log.warning("espeak-ng failed: %s", errors.decode(errors="replace")[:500])
        raise Unavailable("espeak-ng could not render the message")
    return await _store_audio(actor, row, audio, "tts")


async def upload(actor: str, message_id: int, audio: bytes) -> dict[str, Any]:
    """Attach a recorded WAV file to the draft."""
    row = await _row(message_id)
    if row["status"] != "draft":
        raise Conflict("Only a draft can be changed")
    if len(audio) > MAX_AUDIO:
        raise InvalidInput("The recording is larger than 10 MB")
    if len(audio) < 44 or audio[:4] != b"RIFF" or audio[8:12] != b"WAVE":
        raise InvalidInput("The recording must be a WAV file")
    return await _store_audio(actor, row, audio, "upload")


async def _store_audio(actor: str, row: dict[str, Any], audio: bytes, how: str) -> dict:
    name = f"{row['kind']}-{row['language']}-v{row['version']}.wav"
    path = _folder() / name
    tmp = path.with_suffix(".tmp")
    await asyncio.to_thread(tmp.write_bytes, audio)
    await asyncio.to_thread(tmp.replace, path)
    digest = hashlib.sha256(audio).hexdigest()
    async with db.transaction():
        await raw.fetch(
            "UPDATE telephony_message SET audio_file = ?, audio_sha256 = ?, audio_source = ? "
            "WHERE id = ?",
            name,
            digest,
            how,
            row["id"],
        )
        audit.record(
            actor,
            "telephony.message_audio",
            "telephony_message",
            row["id"],
            {"source": how, "sha256": digest, "bytes": len(audio)},
        )
    return await get(row["id"])


async def audio(message_id: int) -> tuple[str, bytes]:
    """The file name and WAV bytes of a version (the export for the operator's portal)."""
    row = await _row(message_id)
    if not row["audio_file"]:
        raise NotFound("The message has no recording")
    data = await asyncio.to_thread((_folder() / row["audio_file"]).read_bytes)
    return row["audio_file"], data


async def activate(actor: str, message_id: int) -> dict[str, Any]:
    """Make the version the active one of its kind and language (the previous one is
    archived); pushed to the switch by the driver where it can, else marked for export."""
    row = await _row(message_id)
    if row["status"] == "active":
        return _view(row)
    if row["status"] == "archived":
        raise Conflict("An archived version cannot be activated; make a new draft")
    if row["kind"] != "menu" and not row["audio_file"] and not row["text"].strip():
        raise InvalidInput("The message has neither text nor a recording")
    driver = runtime.driver()
    delivery = "export"
    if row["audio_file"] and driver.can(Capability.MESSAGE_UPLOAD):
        _, data = await audio(message_id)
        try:
            await driver.upload_message(row["kind"], row["language"], data)
            delivery = "pushed"
        except Exception as exc:  # the switch did not take it: export instead
            log.warning("telephony: message upload failed (%s); marked for export", exc)
    now = int(time.time())
    async with db.transaction():
        await raw.fetch(
            "UPDATE telephony_message SET status = 'archived' WHERE kind = ? AND language = ? "
            "AND status = 'active'",
            row["kind"],
            row["language"],
        )
        await raw.fetch(
            "UPDATE telephony_message SET status = 'active', delivery = ?, activated_by = ?, "
            "activated_at = ? WHERE id = ?",
            delivery,
            actor,
            now,
            message_id,
        )
        audit.record(
            actor,
            "telephony.message_activate",
            "telephony_message",
            message_id,
            {
                "kind": row["kind"],
                "language": row["language"],
                "version": row["version"],
                "delivery": delivery,
            },
        )
        view = _view(
            {
                **row,
                "status": "active",
                "delivery": delivery,
                "activated_by": actor,
                "activated_at": now,
            }
        )
        db.on_commit(lambda: events.publish(Event(EVENT, view)))
    return view


async def active(kind: str, language: str = "sv") -> dict[str, Any] | None:
    _check(kind, language)
    row = await raw.fetchrow(ACTIVE_SQL, kind, language)
    return _view(row) if row else None


async def set_active(kind: str, text: str, actor: str, language: str = "sv") -> dict[str, Any]:
    """Type, render (when espeak-ng is there) and activate a message in one step (the
    ``set_active_message`` hook); without espeak-ng the text alone is activated."""
    draft = await create_draft(actor, kind, language, text)
    try:
        draft = await render(actor, draft["id"])
    except Unavailable as exc:
        log.warning("telephony: %s; the message is activated as text", exc)
    return await activate(actor, draft["id"])
