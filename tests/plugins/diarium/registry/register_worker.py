"""A registrator in a process of its own (the concurrency tests start several): registers
``count`` documents against the installation named by the KONTAKT_* environment, half of them
standing alone in the series and half in the case file, and prints the numbers taken as JSON.

    python -m tests.plugins.diarium.registry.register_worker SERIES CASE_FILE_ID COUNT NAME
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date


async def run(series_code: str, case_file_id: int, count: int, name: str) -> list[str]:
    from core import db
    from plugins.diarium.registry import documents

    numbers = []
    try:
        for n in range(count):
            registered = await documents.register(
                name,
                series_code=series_code,
                case_file_id=case_file_id if n % 2 else None,
                direction="in",
                document_date=date.today().isoformat(),
                counterpart_public=f"Avsändare {name}",
                public_text=f"Skrivelse {n} från {name}",
            )
            numbers.append(registered["number"])
    finally:
        await db.close_pool()
    return numbers


def main() -> None:
    from core.runtime import configure_storage
    from core.settings import load_settings

    series_code, case_file_id, count, name = sys.argv[1:5]
    configure_storage(load_settings())
    print(json.dumps(asyncio.run(run(series_code, int(case_file_id), int(count), name))))


if __name__ == "__main__":
    main()
