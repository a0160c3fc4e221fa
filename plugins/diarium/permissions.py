"""The diarium plugin's permissions and the roles that hold them (see the permission matrix)."""

from core.contracts import Permission

PERMISSIONS = [
    Permission(
        "diarium.read",
        "Diarium: search the registry and read case files (protected text needs diarium.secret)",
        ("registrator", "head_registrator", "case_officer", "supervisor"),
    ),
    Permission(
        "diarium.register",
        "Diarium: register documents and drafts, open case files, cancel numbers",
        ("registrator", "head_registrator"),
    ),
    Permission(
        "diarium.handle",
        "Diarium: work on one's own case files (documents drawn up, decisions, closing)",
        ("registrator", "head_registrator", "case_officer"),
    ),
    Permission(
        "diarium.secret",
        "Diarium: read protected text and secret-marked documents (every read audited)",
        ("registrator", "head_registrator"),
    ),
    Permission(
        "diarium.requests",
        "Diarium: handle requests for public documents (copies, masking, refusals)",
        ("registrator", "case_officer"),
    ),
    Permission(
        "diarium.admin",
        "Diarium: diary series, classification plan and informationshanteringsplan",
        ("it_admin", "head_registrator"),
    ),
    Permission(
        "diarium.archive",
        "Diarium: disposal decisions and export to the e-archive",
        ("supervisor", "head_registrator"),
    ),
]
