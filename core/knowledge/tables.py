"""Knowledge articles, their versions and their links to case types.

Full-text search lives beside these tables: an FTS5 table on SQLite and a ``tsvector``
column with the ``swedish`` configuration on PostgreSQL (see the knowledge migration).
"""

from piccolo.columns import BigInt, ForeignKey, Integer, Text, Varchar
from piccolo.columns.column_types import OnDelete
from piccolo.table import Table

from core.org.tables import CaseType


class Article(Table, tablename="kb_article"):
    """kind: faq | checklist | script; audience: internal | public; status: draft |
    published | archived. Title and body are those of the current version."""

    kind = Varchar(length=20, index=True)
    audience = Varchar(length=20, default="internal")
    status = Varchar(length=20, default="published")
    language = Varchar(length=5, default="sv")
    title = Varchar(length=300)
    body = Text()
    version = Integer(default=1)
    updated_by = Varchar(length=64, default="")
    updated_at = BigInt(default=0)


class ArticleVersion(Table, tablename="kb_article_version"):
    article = ForeignKey(references=Article, on_delete=OnDelete.cascade, index=True)
    version = Integer()
    title = Varchar(length=300)
    body = Text()
    author = Varchar(length=64)
    created_at = BigInt()
    comment = Varchar(length=300, default="")


class ArticleCaseType(Table, tablename="kb_article_case_type"):
    article = ForeignKey(references=Article, on_delete=OnDelete.cascade, index=True)
    case_type = ForeignKey(references=CaseType, on_delete=OnDelete.cascade, index=True)
    position = Integer(default=0)
