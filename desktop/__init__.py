"""The Kontaktcenter desktop client (PySide6), for agents, reception staff and supervisors.

It speaks the appliance's public HTTP and websocket API only and imports nothing from the
server side. Layers: :mod:`desktop.api` (async client, no Qt), :mod:`desktop.viewmodels`
(state and rules, no widgets), :mod:`desktop.ui` (Qt widgets) and :mod:`desktop.panels`
(one module per server plugin).
"""
