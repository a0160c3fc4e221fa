"""``kontakt keys rotate``: new keys, every encrypted field re-encrypted, all audited.

The new keys are made current in the keyring first (old versions stay, so every existing
ciphertext and blind index remains readable), then each registered field is rewritten in
batches, one transaction per batch. A row is only replaced if its ciphertext is still the one
that was read (compare-and-set), so a concurrent edit by a running server is never overwritten,
and rows already under the current key are skipped, so an interrupted rotation can simply be
run again with ``--resume`` (no new key) to finish the job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core import audit, db
from core.audit import signing
from core.secrets import fields
from core.settings import Settings

BATCH = 500


@dataclass
class FieldResult:
    name: str
    rewritten: int = 0
    skipped: int = 0
    changed_meanwhile: int = 0


@dataclass
class RotationReport:
    field_key: int
    index_key: int | None = None
    signing_key: int | None = None
    results: list[FieldResult] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The human-readable report the CLI prints."""
        out = [f"field encryption key is now v{self.field_key}"]
        if self.index_key is not None:
            out.append(f"blind index key is now v{self.index_key}")
        if self.signing_key is not None:
            out.append(f"audit signing key is now v{self.signing_key}")
        for result in self.results:
            line = (
                f"{result.name}: {result.rewritten} re-encrypted, {result.skipped} already current"
            )
            if result.changed_meanwhile:
                line += f", {result.changed_meanwhile} changed meanwhile (run again with --resume)"
            out.append(line)
        if not self.results:
            out.append("no encrypted fields are registered; nothing to re-encrypt")
        return out


def _needs_rewrite(ciphertext: str, index: str | None, reindex: bool) -> bool:
    if fields.key_version_of(ciphertext) != fields.current_field_version():
        return True
    if reindex and index is not None:
        try:
            return fields.index_version_of(index) != fields.current_index_version()
        except ValueError:
            return True
    return False


async def _rewrite(spec: fields.EncryptedField, reindex: bool) -> FieldResult:
    table = spec.table
    pk = table._meta.primary_key
    pk_name = pk._meta.name
    column = getattr(table, spec.column)
    index_column = getattr(table, spec.index_column) if spec.index_column else None
    selected = [pk, column] + ([index_column] if index_column is not None else [])
    result = FieldResult(f"{table._meta.tablename}.{spec.column}")
    after = None
    while True:
        query = table.select(*selected).order_by(pk).limit(BATCH)
        if after is not None:
            query = query.where(pk > after)
        rows = await query
        if not rows:
            return result
        async with db.transaction():
            for row in rows:
                ciphertext = row[spec.column]
                index = row[spec.index_column] if spec.index_column else None
                if not ciphertext or not _needs_rewrite(ciphertext, index, reindex):
                    result.skipped += 1
                    continue
                plaintext = spec.decrypt(ciphertext)
                update = {column: spec.encrypt(plaintext)}
                if index_column is not None and (reindex or index is None):
                    update[index_column] = spec.index(plaintext)
                done = await (
                    table.update(update)
                    .where((pk == row[pk_name]) & (column == ciphertext))
                    .returning(pk)
                )
                if done:
                    result.rewritten += 1
                else:
                    result.changed_meanwhile += 1
        after = rows[-1][pk_name]


async def rotate_keys(
    actor: str,
    rotate_index: bool = False,
    rotate_signing: bool = False,
    resume: bool = False,
) -> RotationReport:
    """Make new keys current (unless ``resume``) and re-encrypt every registered field.

    Audited as ``keys.rotate`` (the new key versions, written as soon as they exist) and
    ``keys.reencrypt`` (what was rewritten). Secret values never appear in either.
    """
    if resume:
        report = RotationReport(fields.current_field_version())
    else:
        report = RotationReport(fields.new_field_key())
        if rotate_index:
            report.index_key = fields.new_index_key()
        if rotate_signing:
            report.signing_key = signing.rotate()
        async with db.transaction():
            audit.record(
                actor,
                "keys.rotate",
                "keyring",
                "kontaktcenter",
                {
                    "field_key": report.field_key,
                    "index_key": report.index_key,
                    "signing_key": report.signing_key,
                },
            )
    for spec in fields.registered():
        if await spec.table.table_exists().run():  # a plugin never enabled has no table yet
            report.results.append(await _rewrite(spec, rotate_index or resume))
    async with db.transaction():
        audit.record(
            actor,
            "keys.reencrypt",
            "keyring",
            "kontaktcenter",
            {
                "field_key": report.field_key,
                "reindexed": rotate_index or resume,
                "fields": {
                    r.name: {
                        "rewritten": r.rewritten,
                        "skipped": r.skipped,
                        "changed_meanwhile": r.changed_meanwhile,
                    }
                    for r in report.results
                },
            },
        )
    return report


async def rotate_installation(
    settings: Settings,
    actor: str,
    rotate_index: bool = False,
    rotate_signing: bool = False,
    resume: bool = False,
) -> RotationReport:
    """Load the enabled plugins (so their encrypted fields register), then rotate."""
    from core.plugin_admin.service import enabled_names
    from core.plugin_host import PluginHost

    PluginHost().load(await enabled_names(), settings)
    db.bind_tables()
    return await rotate_keys(actor, rotate_index, rotate_signing, resume)
