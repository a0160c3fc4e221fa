"""``kontakt keys rotate``: new keys, every encrypted field re-encrypted, all audited."""

from __future__ import annotations

from core import audit, db
from core.audit import signing
from core.secrets import fields

BATCH = 500


async def _rewrite(field: fields.EncryptedField, reindex: bool) -> int:
    table = field.table
    column = getattr(table, field.column)
    changed, after = 0, 0
    while True:
        rows = await (
            table.select(table._meta.primary_key, column)
            .where(table._meta.primary_key > after)
            .order_by(table._meta.primary_key)
            .limit(BATCH)
        )
        if not rows:
            return changed
        pk_name = table._meta.primary_key._meta.name
        async with db.transaction():
            for row in rows:
                ciphertext = row[field.column]
                if not ciphertext:
                    continue
                plaintext = fields.decrypt(ciphertext, field.context)
                update = {column: fields.encrypt(plaintext, field.context)}
                if reindex and field.index_column:
                    update[getattr(table, field.index_column)] = fields.blind_index(plaintext)
                await table.update(update).where(table._meta.primary_key == row[pk_name])
                changed += 1
        after = rows[-1][pk_name]


async def rotate_keys(
    actor: str, rotate_index: bool = False, rotate_signing: bool = False
) -> list[str]:
    """Rotate the field key (and optionally the index and signing keys); returns a report."""
    report = []
    field_version = fields.new_field_key()
    report.append(f"field encryption key is now v{field_version}")
    if rotate_index:
        report.append(f"blind index key is now v{fields.new_index_key()}")
    if rotate_signing:
        report.append(f"audit signing key is now v{signing.rotate()}")
    total = 0
    for field in fields.registered():
        count = await _rewrite(field, rotate_index)
        total += count
        report.append(f"{field.table._meta.tablename}.{field.column}: {count} re-encrypted")
    async with db.transaction():
        audit.record(
            actor,
            "keys.rotate",
            "keyring",
            "kontaktcenter",
            {
                "field_key": field_version,
                "index": rotate_index,
                "signing": rotate_signing,
                "rewritten": total,
            },
        )
    return report
