"""Every hook a Kontaktcenter plugin can implement (pluggy project name ``kontakt``).

A plugin implements any subset, each with ``@hookimpl`` from this module, and may accept any
subset of a hook's arguments. Each hook is documented with an example in docs/plugin_hooks.md;
a test fails when one is missing there.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("kontakt")
hookimpl = pluggy.HookimplMarker("kontakt")


@hookspec
def register_piccolo_app() -> Any:
    """Return the plugin's Piccolo ``AppConfig`` (its tables and migrations folder).

    Migrations run from ``<package>/piccolo_app.py`` (``APP_CONFIG``), which the host finds
    without importing the plugin, so they can run before it is loaded: when the plugin is
    enabled and on ``kontakt migrate``. At load, the host checks that this hook returns that
    same app and marks the plugin broken if not. The app lists ``core.piccolo_app`` in
    ``migration_dependencies``.
    """


@hookspec
def register_routes() -> list[Any]:
    """Return Litestar route handlers, controllers or routers to mount for this plugin.

    Called when the web app is built and when the plugin is enabled (or becomes ready) in a
    running API process. Handlers are mounted under ``/api/v1/plugins/<plugin name>``; each
    must carry ``opt={"permission": ...}`` or ``opt={"public": True}``, or the plugin is marked
    broken and nothing of it is mounted. Routes of a disabled plugin answer 404.
    """


@hookspec
def register_permissions() -> list[Any]:
    """Return :class:`core.contracts.Permission` objects this plugin defines.

    Called at start-up and whenever a plugin is loaded or unloaded at runtime, to rebuild the
    role -> permission table; each permission names the roles that hold it.
    """


@hookspec
def register_periodic_tasks() -> list[Any]:
    """Return :class:`core.contracts.PeriodicTask` objects for the worker's schedule.

    Called in both the API and the worker process when the job queue is built, and when the
    plugin is enabled in a running API process; task functions are plain sync functions.
    """


@hookspec
def register_settings() -> list[Any]:
    """Return :class:`core.contracts.SettingSpec` objects for this plugin's settings.

    Called at load, before ``plugin_setup``; together with the manifest's ``settings`` they
    form the plugin's schema. Values come from ``[plugins.<name>]`` in kontakt.toml and
    ``KONTAKT_PLUGIN_<NAME>_<KEY>``; a value of the wrong type or an unknown key marks the
    plugin broken.
    """


@hookspec
def register_event_types() -> list[Any]:
    """Return :class:`core.contracts.EventType` objects for the live events this plugin publishes.

    Called at start-up and whenever a plugin is loaded or unloaded at runtime; events of
    unknown types are refused by ``events.publish``.
    """


@hookspec
def register_mail_templates() -> list[Any]:
    """Return the directories (``pathlib.Path``) of this plugin's e-mail templates.

    Each holds ``<name>.sv.txt`` and ``<name>.en.txt`` (first line the subject) for
    :func:`core.citizen.notify.queue`. The host registers them when it loads the plugin, in
    every process that loads plugins (the API server, the worker, the CLI), and forgets them
    when the plugin is unloaded. A name the core or another loaded plugin already has marks
    the plugin broken (no silent override).
    """


@hookspec
def register_cli_commands() -> list[Any]:
    """Return click commands or groups to add under ``kontakt <plugin name> …``.

    Called when ``kontakt`` is invoked with a sub-command that is not a core one and names an
    enabled plugin (``plugin_setup`` is not run for this).
    """


@hookspec
def plugin_setup(config: dict[str, Any], settings: Any) -> None:
    """Set the plugin up with its validated settings ``config``.

    Called once per process when the plugin is loaded (after its migrations), and again by the
    API's retry loop while it is ``not_ready``. Raise :class:`core.contracts.PluginNotReady`
    (retried later), :class:`core.contracts.PluginAuthFailed`, or any other exception (broken);
    the host records the state and the appliance keeps running. Returns nothing.
    """


@hookspec
async def startup(app: Any, settings: Any) -> None:
    """Called (awaited) when the web app has started, for plugins whose setup succeeded, and
    when a plugin is loaded into a running API process. Returns nothing."""


@hookspec
async def shutdown(app: Any) -> None:
    """Called (awaited) when the web app stops, and for one plugin when it is disabled in a
    running API process. Returns nothing."""


@hookspec
def plugin_state_changed(name: str, enabled: bool, actor: str) -> None:
    """Called after an administrator enabled or disabled a plugin, in the process that made the
    change, for every plugin registered afterwards (so a plugin sees its own enabling but not
    its own disabling). Returns nothing."""


@hookspec
def contact_registered(contact: dict[str, Any], actor: str) -> None:
    """Called after a contact was registered and committed, in any channel.

    ``contact`` holds the stored columns (number, channel, case id …). Return value ignored;
    an exception is logged and does not undo the registration.
    """


@hookspec
def case_created(case: dict[str, Any], actor: str) -> None:
    """Called after a new case was committed. ``case`` holds its stored columns."""


@hookspec
def case_changed(case: dict[str, Any], change: str, actor: str) -> None:
    """Called after a change to a case was committed; ``change`` names it (status, note,
    forward, feedback, contact, merge, reopen)."""


@hookspec
def sla_breached(case: dict[str, Any], kind: str, level: int) -> None:
    """Called by the service-level sweep when a case crosses its warning line
    (``kind="warning"``) or its due time (``kind="breach"``); ``level`` is the escalation
    level reached."""


@hookspec
def register_reports() -> list[Any]:
    """Return :class:`core.reports.model.ReportDefinition` objects for reports this plugin adds.

    Called whenever the list of reports is needed (``GET /api/v1/reports``) and when one of
    the plugin's reports is asked for; each report is served at
    ``/api/v1/reports/<name>`` (with ``/export`` and ``/chart``) like the core's. A name the
    core already uses is refused; ``compute(period_start, period_end, filters)`` returns the
    report's tables (see :mod:`core.reports.model`).
    """


@hookspec
def report_figures(report: str, period_start: int, period_end: int, filters: dict[str, Any]) -> Any:
    """Return extra summary figures this plugin fills in for a report being computed.

    Called (sync or async) for every report, core's and plugins', after the core computed its
    own figures; ``period_start``/``period_end`` are epoch seconds [start, end) of the local
    days asked for and ``filters`` holds the filter codes (department, answer_group, case_type,
    channel). Return :class:`core.reports.model.Figure` objects or a dict ``{key: value}`` —
    e.g. telephony's waiting and talk times for ``report="contacts"`` — or None; an exception
    is logged and the report is served without this plugin's figures.
    """


@hookspec
def register_channels() -> list[str]:
    """Return the names of contact channels this plugin adds (e.g. ``kiosk``, ``scan``).

    Called when the case service is configured at start-up; names are 2-12 lowercase letters.
    Contacts in these channels are registered with ``core.cases.service.register_contact``.
    """


@hookspec(firstresult=True)
def set_active_message(kind: str, text: str, actor: str, language: str) -> Any:
    """Switch the telephony's active recorded message of ``kind`` (``closed``, ``overload``,
    ``crisis``) in ``language`` to ``text``, typed and rendered to speech where possible.

    Called by another plugin or the core (crisis mode does when it starts and ends), never by
    the telephony plugin itself. firstresult: the first plugin that handles it returns the new
    message version (a dict, or an awaitable the caller awaits); None when no telephony plugin
    is enabled.
    """


@hookspec
def seed_demo_data(settings: Any, rng: Any, actor: str, days: int) -> Any:
    """Add this plugin's demo data after ``kontakt demo`` seeded the core's demo municipality.

    Called (sync or awaited) once per ``kontakt demo`` run that seeded data, with the
    installation's settings, a seeded ``random.Random`` for repeatable data, the acting user
    and the number of days of history. Returns nothing; an exception marks the plugin broken
    in that process and the core's demo data stays.
    """


@hookspec(firstresult=True)
def start_roll_call(reason: str, actor: str) -> Any:
    """Start the evacuation roll call of everyone signed in as a visitor in the building.

    Called by crisis mode (or another plugin) when the building must be evacuated; ``reason``
    says why and ``actor`` who started it (audited). firstresult: the reception plugin that
    handles it returns the roll call (a dict with ``roll_call``, ``people`` and ``counts``, or
    an awaitable the caller awaits); None when no reception plugin is enabled.
    """


@hookspec
def crisis_mode_changed(event: dict[str, Any], active: bool, actor: str) -> Any:
    """Called (sync or awaited) after crisis mode was activated (``active=True``) or
    deactivated and the change committed, in every plugin; ``event`` is the crisis event
    (id, level, exercise, reason, building, times) and ``actor`` who switched. Return value
    ignored; an exception is logged and does not undo the switch.
    """


@hookspec(firstresult=True)
def open_crisis_answer_group(
    group: str, open: bool, actor: str, reason: str, menu_key: str, state: dict[str, Any]
) -> Any:
    """Open (``open=True``) or close the crisis answer group ``group`` (an answer group code)
    in the telephony: calls can reach it (the talsvar menu offers it under ``menu_key``) and
    agents can sign in to it; closing undoes what opening did, as recorded in ``state`` (what
    opening returned; ``{}`` when unknown).

    Called by crisis mode's plan; ``reason`` says why and ``actor`` who (audited).
    firstresult: the telephony plugin that handles it returns what it did (a dict, or an
    awaitable the caller awaits) and raises when the switch cannot be changed; None when no
    telephony plugin is enabled.
    """
