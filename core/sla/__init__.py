"""Service levels: business calendars, agreements with departments and due-time arithmetic.

Pure business-time arithmetic plus the tables that configure it; knows nothing of cases.
Its Swedish messages live in ``core/sla/locale`` (registered with :mod:`core.i18n` here).
"""

from pathlib import Path

from core.i18n import add_locale_dir

add_locale_dir(Path(__file__).parent / "locale")
