"""The crisis mode plugin ``crisis_mode``: in one audited step the contact center becomes the
municipality's information central — the prepared plan run through core hooks, one approved
text on every output, the situation picture and the event's record.

The hook implementations come from :func:`core.plugin_areas.area_hooks`; they gather what
each area package (``plugins.crisis_mode.areas``) offers:
- ``activation``: Activation and deactivation (audited, live banner), the prepared plan and its
  steps run through core hooks, SLA calendar override and paused case types.
- ``messages``: Crisis messages: draft → approved by another user, versioned, in several
  languages; published as IVR text, knowledge-base script/FAQ, public crisis page and a CAP 1.2
  feed.
- ``situation``: The situation picture (lägesbild): topics, tagged contacts per
  hour/channel/area, rising topics, unanswered questions; on-call roster and call-in, shifts;
  the event's record and its export.
"""

from core.plugin_areas import area_hooks

globals().update(area_hooks(__name__))
