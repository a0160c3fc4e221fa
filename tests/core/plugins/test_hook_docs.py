"""Every hook in core/hookspecs.py has a docstring and a section in docs/plugin_hooks.md."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pluggy

from core import hookspecs

ROOT = Path(__file__).resolve().parents[3]
HOOKSPECS = ROOT / "core" / "hookspecs.py"
DOCS = ROOT / "docs" / "plugin_hooks.md"


@dataclass
class Hook:
    name: str
    args: list[str]
    docstring: str
    firstresult: bool


def parse_hookspecs(source: str) -> list[Hook]:
    """Every function decorated with ``@hookspec`` or ``@hookspec(...)``."""
    hooks = []
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for deco in node.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            if isinstance(target, ast.Name) and target.id == "hookspec":
                firstresult = isinstance(deco, ast.Call) and any(
                    k.arg == "firstresult" and getattr(k.value, "value", False)
                    for k in deco.keywords
                )
                args = [a.arg for a in node.args.args + node.args.kwonlyargs]
                hooks.append(Hook(node.name, args, ast.get_docstring(node) or "", firstresult))
    return hooks


def doc_sections(text: str) -> dict[str, str]:
    """``### `name` `` sections of the Hooks chapter, by hook name."""
    chapter = text.split("\n## Hooks\n", 1)[1]
    parts = re.split(r"^### `(\w+)`\s*$", chapter, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


HOOKS = parse_hookspecs(HOOKSPECS.read_text(encoding="utf-8"))
SECTIONS = doc_sections(DOCS.read_text(encoding="utf-8"))


def test_the_parser_sees_every_hook_pluggy_sees():
    pm = pluggy.PluginManager("kontakt")
    pm.add_hookspecs(hookspecs)
    registered = {name for name in dir(pm.hook) if not name.startswith("_")}
    assert {hook.name for hook in HOOKS} == registered
    assert len(HOOKS) >= 11


def test_every_hook_has_a_docstring():
    missing = [hook.name for hook in HOOKS if len(hook.docstring.split()) < 5]
    assert missing == [], f"hooks without a docstring in core/hookspecs.py: {missing}"


def test_every_hook_is_documented():
    missing = [hook.name for hook in HOOKS if hook.name not in SECTIONS]
    assert missing == [], f"hooks missing from docs/plugin_hooks.md: {missing}"


def test_each_section_has_signature_arguments_firstresult_and_an_example():
    problems = []
    for hook in HOOKS:
        section = SECTIONS.get(hook.name, "")
        signature = re.search(rf"^(async )?{hook.name}\(([^)]*)\)", section, flags=re.M)
        if signature is None:
            problems.append(f"{hook.name}: no signature line")
        else:
            documented = re.findall(r"(\w+)\s*:", signature.group(2))
            if documented != hook.args:
                problems.append(f"{hook.name}: signature args {documented} != {hook.args}")
        for arg in hook.args:
            if f"`{arg}`" not in section:
                problems.append(f"{hook.name}: argument {arg} not explained")
        for label in ("**When:**", "**Arguments:**", "**Returns:**"):
            if label not in section:
                problems.append(f"{hook.name}: no {label}")
        expected = "yes" if hook.firstresult else "no"
        if f"**firstresult:** {expected}" not in section:
            problems.append(f"{hook.name}: firstresult should read {expected}")
        if not re.search(rf"```python\n.*@hookimpl\n(async )?def {hook.name}\(", section, re.S):
            problems.append(f"{hook.name}: no @hookimpl example")
    assert problems == []


def test_the_docs_describe_no_hook_that_does_not_exist():
    assert set(SECTIONS) - {hook.name for hook in HOOKS} == set()


def test_the_docs_cover_manifest_states_settings_and_packaging():
    text = DOCS.read_text(encoding="utf-8")
    for heading in ("## The manifest", "## Plugin states", "## Settings", "## Packaging"):
        assert heading in text
    for state in ("disabled", "loaded", "not_ready", "bad_credentials", "broken"):
        assert f"| `{state}` |" in text
    assert '[project.entry-points."kontakt.plugins"]' in text
