"""The plugin host: finds plugins, validates their manifests, registers the enabled ones.

First-party plugins are the packages under ``plugins/`` that carry a ``manifest.json``;
third-party ones come from the entry-point group ``kontakt.plugins`` (the entry point names
the plugin's module, whose folder holds its ``manifest.json``). A disabled plugin is not
registered with pluggy at all. Which plugins are enabled is persisted by
:mod:`core.plugin_admin`; the host is told the names.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec
import pluggy

from core import hookspecs
from core.contracts import PluginSetupError, SettingSpec
from core.settings import Settings

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "kontakt.plugins"
FIRST_PARTY_DIR = Path(__file__).resolve().parent.parent / "plugins"
SETTING_TYPES = {"str": str, "int": int, "bool": bool, "float": float}


class ManifestSetting(msgspec.Struct, forbid_unknown_fields=True):
    type: str = "str"
    default: Any = None
    description: str = ""
    required: bool = False


class Manifest(msgspec.Struct, forbid_unknown_fields=True):
    """A plugin's manifest.json (modelled on Home Assistant's integration manifest)."""

    name: str
    version: str
    description: str
    dependencies: list[str] = []
    settings: dict[str, ManifestSetting] = {}
    secrets: list[str] = []


@dataclass
class PluginInfo:
    """What the host knows about an installed plugin, enabled or not."""

    name: str
    module_name: str
    source: str  # "first-party" | "entry-point"
    manifest: Manifest | None = None
    manifest_error: str = ""

    @property
    def package_dir(self) -> Path | None:
        """The plugin package's folder, found without importing the plugin itself."""
        try:
            spec = importlib.util.find_spec(self.module_name)
        except Exception:  # a parent package that fails to import
            return None
        if spec is None or not spec.origin or not spec.submodule_search_locations:
            return None
        return Path(spec.origin).parent

    @property
    def piccolo_app(self) -> str | None:
        """Module path of the plugin's Piccolo app (``<package>/piccolo_app.py``), if any."""
        folder = self.package_dir
        if folder is not None and (folder / "piccolo_app.py").is_file():
            return f"{self.module_name}.piccolo_app"
        return None


@dataclass
class PluginStatus:
    """A plugin's state in this process: disabled, loaded, not_ready, bad_credentials, broken."""

    name: str
    enabled: bool
    state: str
    reason: str = ""
    version: str = ""
    description: str = ""
    source: str = ""
    config: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "enabled": self.enabled,
            "state": self.state,
            "reason": self.reason,
            "version": self.version,
            "description": self.description,
            "source": self.source,
        }


def _load_manifest(path: Path, expected_name: str) -> tuple[Manifest | None, str]:
    try:
        manifest = msgspec.json.decode(path.read_bytes(), type=Manifest)
    except FileNotFoundError:
        return None, f"manifest: {path} is missing"
    except msgspec.ValidationError as exc:
        return None, f"manifest: {exc}"
    except msgspec.DecodeError as exc:
        return None, f"manifest: not valid JSON ({exc})"
    if manifest.name != expected_name:
        return None, f"manifest: name {manifest.name!r} does not match plugin {expected_name!r}"
    for key, spec in manifest.settings.items():
        if spec.type not in SETTING_TYPES:
            return None, f"manifest: setting {key!r} has unknown type {spec.type!r}"
    return manifest, ""


def discover() -> dict[str, PluginInfo]:
    """Every installed plugin: first-party packages and entry points."""
    found: dict[str, PluginInfo] = {}
    if FIRST_PARTY_DIR.is_dir():
        for child in sorted(FIRST_PARTY_DIR.iterdir()):
            if (child / "__init__.py").exists() and (child / "manifest.json").exists():
                info = PluginInfo(child.name, f"plugins.{child.name}", "first-party")
                info.manifest, info.manifest_error = _load_manifest(
                    child / "manifest.json", child.name
                )
                found[child.name] = info
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in found:
            log.warning("entry point plugin %s shadows a first-party plugin; ignored", ep.name)
            continue
        info = PluginInfo(ep.name, ep.value.split(":")[0], "entry-point")
        spec = importlib.util.find_spec(info.module_name)
        if spec is None or spec.origin is None:
            info.manifest_error = f"module {info.module_name!r} cannot be found"
        else:
            info.manifest, info.manifest_error = _load_manifest(
                Path(spec.origin).parent / "manifest.json", ep.name
            )
        found[ep.name] = info
    return found


def register_piccolo_app(info: PluginInfo) -> Any:
    """Make sure Piccolo's app registry knows the plugin's app; returns its ``AppConfig``.

    The registry in ``core.piccolo_conf`` is built once per process, so a plugin installed or
    put on the path after that would otherwise be unknown to the migration runner.
    """
    module_path = info.piccolo_app
    if module_path is None:
        return None
    app_config = importlib.import_module(module_path).APP_CONFIG
    registry = importlib.import_module("core.piccolo_conf").APP_REGISTRY
    if app_config.app_name not in registry.app_configs:
        registry.app_configs[app_config.app_name] = app_config
        registry.apps.append(module_path)
    return app_config


def installed_piccolo_apps() -> list[str]:
    """Module paths of the Piccolo apps of every installed plugin with a valid manifest."""
    apps = []
    for info in discover().values():
        if info.manifest is not None:
            app = info.piccolo_app
            if app:
                apps.append(app)
    return apps


def plugin_config(info: PluginInfo, specs: list[SettingSpec], settings: Settings) -> dict:
    """Validated settings of one plugin: schema defaults < kontakt.toml table < env vars."""
    schema: dict[str, SettingSpec] = {}
    if info.manifest:
        for key, item in info.manifest.settings.items():
            schema[key] = SettingSpec(key, item.type, item.default, item.description, item.required)
    for spec in specs:
        schema[spec.name] = spec
    given = dict(settings.plugins.get(info.name, {}))
    prefix = f"KONTAKT_PLUGIN_{info.name.upper()}_"
    for key, value in os.environ.items():
        if key.startswith(prefix):
            given[key[len(prefix) :].lower()] = value
    unknown = sorted(set(given) - set(schema))
    if unknown:
        raise PluginSetupError(f"settings: unknown setting(s) {', '.join(unknown)}")
    config: dict[str, Any] = {}
    for key, spec in schema.items():
        raw = given.get(key, spec.default)
        if raw is None:
            if spec.required:
                raise PluginSetupError(f"settings: {key!r} is required")
            config[key] = None
            continue
        config[key] = _coerce_setting(key, raw, spec.type)
    return config


def _coerce_setting(key: str, raw: Any, type_name: str) -> Any:
    target = SETTING_TYPES.get(type_name, str)
    try:
        if target is bool and isinstance(raw, str):
            if raw.lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise ValueError("not a boolean")
            return raw.lower() in ("1", "true", "yes", "on")
        if target is int and isinstance(raw, bool):
            raise ValueError("not an integer")
        return target(raw)
    except (TypeError, ValueError) as exc:
        raise PluginSetupError(f"settings: {key!r} must be {type_name} ({exc})") from exc


class PluginHost:
    """The pluggy manager with the core's built-in hooks and the enabled plugins."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("kontakt")
        self.pm.add_hookspecs(hookspecs)
        self.installed: dict[str, PluginInfo] = {}
        self.status: dict[str, PluginStatus] = {}
        self.modules: dict[str, ModuleType] = {}
        from core import builtin_hooks

        self.pm.register(builtin_hooks, name="core")

    @property
    def hook(self) -> Any:
        return self.pm.hook

    def load(self, enabled: set[str], settings: Settings, *, setup: bool = True) -> None:
        """Register every enabled plugin whose manifest and dependencies are in order.

        An installed plugin with an invalid manifest is ``broken`` (with the reason) whether
        enabled or not. ``setup=False`` registers the hooks without calling ``plugin_setup``
        (used to collect CLI commands).
        """
        self.installed = discover()
        for name, info in self.installed.items():
            self.status[name] = PluginStatus(
                name=name,
                enabled=name in enabled,
                state="broken" if info.manifest is None else "disabled",
                reason=info.manifest_error,
                version=info.manifest.version if info.manifest else "",
                description=info.manifest.description if info.manifest else "",
                source=info.source,
            )
        for name in sorted(enabled - set(self.installed)):
            self.status[name] = PluginStatus(name, True, "broken", "plugin is not installed")
        for name in self._load_order(enabled):
            self._load_one(self.installed[name], enabled, settings, setup=setup)

    def retry_not_ready(self, settings: Settings) -> list[str]:
        """Try again to set up every enabled plugin that was ``not_ready``; returns the names
        that are loaded now (dependants of a plugin that became ready are retried too)."""
        loaded: list[str] = []
        enabled = {name for name, status in self.status.items() if status.enabled}
        for name in self._load_order(enabled):
            status = self.status.get(name)
            if status is None or status.state != "not_ready":
                continue
            self._load_one(self.installed[name], enabled, settings)
            if self.status[name].state == "loaded":
                loaded.append(name)
        return loaded

    def _load_order(self, enabled: set[str]) -> list[str]:
        order: list[str] = []
        seen: set[str] = set()

        def visit(name: str, trail: tuple[str, ...]) -> None:
            if name in seen or name not in self.installed or name in trail:
                return
            info = self.installed[name]
            for dep in info.manifest.dependencies if info.manifest else []:
                visit(dep, (*trail, name))
            seen.add(name)
            order.append(name)

        for name in sorted(enabled):
            visit(name, ())
        return [name for name in order if name in enabled]

    def fail(self, name: str, state: str, reason: str) -> None:
        """Record that a plugin failed (``not_ready``, ``bad_credentials``, ``broken``) and
        unregister it."""
        self._fail(name, state, reason)

    def _fail(self, name: str, state: str, reason: str) -> None:
        status = self.status[name]
        status.state, status.reason = state, reason
        if self.pm.has_plugin(name):
            self.pm.unregister(name=name)
        self.modules.pop(name, None)
        # Its mail templates stay registered (only a clash of names leaves none): the registry
        # is the process's, shared by every host in it, and a failed setup in one (a retry, a
        # check) must not take templates from the plugin loaded in another; unused, they are
        # harmless. Disabling a plugin forgets them (:meth:`unload`).
        log.warning("plugin %s: %s (%s)", name, state, reason)

    def _load_one(
        self, info: PluginInfo, enabled: set[str], settings: Settings, *, setup: bool = True
    ) -> None:
        name = info.name
        self.status[name].reason = ""
        if info.manifest is None:
            return self._fail(name, "broken", info.manifest_error)
        for dep in info.manifest.dependencies:
            if dep not in enabled or self.status.get(dep, None) is None:
                return self._fail(
                    name, "broken", f"depends on plugin {dep!r}, which is not enabled"
                )
            if self.status[dep].state != "loaded":
                return self._fail(
                    name, "not_ready", f"depends on plugin {dep!r} ({self.status[dep].state})"
                )
        try:
            module = importlib.import_module(info.module_name)
            if self.pm.has_plugin(name):
                self.pm.unregister(name=name)
            self.pm.register(module, name=name)
            self.modules[name] = module
            self._check_piccolo_app(info)
            self._register_mail_templates(name)
            specs = [
                s for impl in self._impls("register_settings", name) for s in impl.function() or []
            ]
            config = plugin_config(info, specs, settings)
            self.status[name].config = config
            for impl in self._impls("plugin_setup", name) if setup else []:
                _call_impl(impl, config=config, settings=settings)
        except PluginSetupError as exc:
            return self._fail(name, exc.state, str(exc) or type(exc).__name__)
        except Exception as exc:  # a broken plugin must not take the appliance down
            log.info("plugin %s failed to load", name, exc_info=True)
            return self._fail(name, "broken", f"{type(exc).__name__}: {exc}")
        self.status[name].state = "loaded"
        from core import db

        db.bind_tables()

    def _register_mail_templates(self, name: str) -> None:
        """Hand the plugin's mail template directories to the notifier (a clash of names
        with the core or another plugin is a setup error)."""
        from core.citizen import notify

        notify.unregister_templates(name)
        for directory in self.plugin_items("register_mail_templates", name):
            try:
                notify.register_templates(name, directory)
            except (notify.TemplateClash, FileNotFoundError) as exc:
                notify.unregister_templates(name)
                raise PluginSetupError(f"mail templates: {exc}") from exc

    def _check_piccolo_app(self, info: PluginInfo) -> None:
        """The app from ``register_piccolo_app`` must be the one in ``piccolo_app.py``, which
        is what migrations run from (before the plugin is loaded)."""
        returned = [r for r in self._call_own("register_piccolo_app", info.name) if r is not None]
        if not returned:
            return
        app_config = register_piccolo_app(info)
        if app_config is None or returned[0].app_name != app_config.app_name:
            raise PluginSetupError(
                f"register_piccolo_app returned app {returned[0].app_name!r}, but "
                f"{info.module_name}.piccolo_app does not define it as APP_CONFIG"
            )

    def _call_own(self, hook_name: str, plugin_name: str, **kwargs: Any) -> list[Any]:
        return [_call_impl(impl, **kwargs) for impl in self._impls(hook_name, plugin_name)]

    def load_one_by_name(
        self, name: str, settings: Settings, enabled: set[str] | None = None
    ) -> PluginStatus:
        """Load one more plugin into a running process (after it was enabled).

        ``enabled`` is the persisted set of enabled plugins; by default this host's own view.
        """
        self.installed = discover()
        info = self.installed.get(name)
        if info is None:
            self.status[name] = PluginStatus(name, True, "broken", "plugin is not installed")
            return self.status[name]
        status = self.status.setdefault(
            name,
            PluginStatus(
                name,
                True,
                "disabled",
                version=info.manifest.version if info.manifest else "",
                description=info.manifest.description if info.manifest else "",
                source=info.source,
            ),
        )
        status.enabled = True
        if status.state != "loaded":
            known = {n for n, s in self.status.items() if s.enabled}
            self._load_one(info, known | (enabled or set()), settings)
        return self.status[name]

    def plugin_items(self, hook_name: str, name: str, **kwargs: Any) -> list[Any]:
        """Flatten what one plugin returns from a ``register_*`` hook."""
        items: list[Any] = []
        for result in self._call_own(hook_name, name, **kwargs):
            items.extend(result or [])
        return items

    def unload(self, name: str) -> None:
        """Unregister a plugin that was disabled; its data stays."""
        status = self.status.get(name)
        if status is not None:
            status.enabled, status.state, status.reason = False, "disabled", ""
        if self.pm.has_plugin(name):
            self.pm.unregister(name=name)
        self.modules.pop(name, None)
        from core.citizen import notify

        notify.unregister_templates(name)

    def _impls(self, hook_name: str, plugin_name: str) -> list[Any]:
        caller = getattr(self.pm.hook, hook_name)
        return [impl for impl in caller.get_hookimpls() if impl.plugin_name == plugin_name]

    def each(self, hook_name: str, **kwargs: Any) -> Iterator[tuple[str, Any]]:
        """Call a hook implementation by implementation, yielding (plugin name, result)."""
        caller = getattr(self.pm.hook, hook_name)
        for impl in reversed(caller.get_hookimpls()):
            yield impl.plugin_name, _call_impl(impl, **kwargs)

    def notify(self, hook_name: str, **kwargs: Any) -> None:
        """Call a notification hook (``case_created`` …) in every plugin; a plugin that fails
        is logged and the others still run."""
        caller = getattr(self.pm.hook, hook_name, None)
        if caller is None:
            return
        for impl in reversed(caller.get_hookimpls()):
            try:
                _call_impl(impl, **kwargs)
            except Exception:
                log.exception("plugin %s failed in %s", impl.plugin_name, hook_name)

    async def call_async(self, hook_name: str, only: str | None = None, **kwargs: Any) -> None:
        """Await an async hook (``startup``/``shutdown``) in every plugin (or just ``only``);
        a failing plugin is marked broken and unregistered, the others go on."""
        caller = getattr(self.pm.hook, hook_name)
        for impl in reversed(caller.get_hookimpls()):
            if only is not None and impl.plugin_name != only:
                continue
            try:
                result = _call_impl(impl, **kwargs)
                if inspect.isawaitable(result):
                    await result
            except Exception as exc:
                log.exception("plugin %s failed in %s", impl.plugin_name, hook_name)
                if impl.plugin_name in self.status:
                    self._fail(impl.plugin_name, "broken", f"{hook_name}: {exc}")

    def collect(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """Flatten the lists returned by a ``register_*`` hook."""
        items: list[Any] = []
        for result in getattr(self.pm.hook, hook_name)(**kwargs):
            items.extend(result or [])
        return items

    def statuses(self) -> list[PluginStatus]:
        return [self.status[name] for name in sorted(self.status)]


def _call_impl(impl: Any, **kwargs: Any) -> Any:
    """Call one hook implementation with just the arguments it accepts."""
    return impl.function(**{arg: kwargs[arg] for arg in impl.argnames if arg in kwargs})
