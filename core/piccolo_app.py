"""The core's Piccolo app: its tables and migrations (plugins depend on it)."""

import os

from piccolo.conf.apps import AppConfig

from core.audit.tables import AuditCheckpoint, AuditEntry
from core.auth.tables import AuthToken, LoginThrottle, User
from core.cases.tables import Callback, Case, CaseEvent, Contact, NumberSequence
from core.citizen.tables import AccessAttempt, ApiClient, OutboundMessage
from core.idempotency import IdempotencyKey
from core.knowledge.tables import Article, ArticleCaseType, ArticleVersion
from core.org.tables import AnswerGroup, CaseType, Competence, Department, GroupMember
from core.parties.tables import Party
from core.plugin_admin.tables import PluginState
from core.reports.tables import EffectGoal
from core.sla.tables import Agreement, AgreementTarget, BusinessCalendar, CalendarException

CORE_TABLES = [
    AuditEntry,
    AuditCheckpoint,
    User,
    AuthToken,
    LoginThrottle,
    PluginState,
    Department,
    AnswerGroup,
    GroupMember,
    CaseType,
    Competence,
    BusinessCalendar,
    CalendarException,
    Agreement,
    AgreementTarget,
    Article,
    ArticleVersion,
    ArticleCaseType,
    Party,
    NumberSequence,
    Case,
    CaseEvent,
    Contact,
    Callback,
    ApiClient,
    OutboundMessage,
    AccessAttempt,
    EffectGoal,
    IdempotencyKey,
]

APP_CONFIG = AppConfig(
    app_name="core",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "db", "migrations"),
    table_classes=CORE_TABLES,
    migration_dependencies=[],
    commands=[],
)
