"""Service levels: business calendars, agreements with departments and due-time arithmetic.

Pure business-time arithmetic plus the tables that configure it; knows nothing of cases.
Its Swedish messages live in ``core/sla/locale`` (one of :data:`core.i18n.LOCALE_DIRS`).
"""
