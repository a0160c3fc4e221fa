"""The sample plugin's one table."""

from piccolo.columns import BigInt, Varchar
from piccolo.table import Table


class KtSampleItem(Table, tablename="kt_sample_item"):
    text = Varchar(length=200)
    source = Varchar(length=20, default="api")
    created_by = Varchar(length=150, default="")
    created_at = BigInt(default=0)
