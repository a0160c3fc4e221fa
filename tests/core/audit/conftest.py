"""A pristine throwaway installation with a known chain, cloned for every tampering test.

Layout of the chain (transactions in brackets, the last entry of each is signed):
[1] user.create by init, [2] [3] [4] [5 6 7] [8] [9 10] [11] [12], a signed checkpoint at 12,
then [13] [14] [15 16].
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.core.audit import support


@pytest.fixture(scope="package")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[support.Installation]:
    inst = support.create(tmp_path_factory.mktemp("audit-pristine"))
    try:
        inst.write("writer", [1, 1, 1, 3, 1, 2, 1, 1])
        proc = inst.kontakt("audit", "checkpoint")
        assert proc.returncode == 0 and "checkpoint at entry 12" in proc.stdout, proc.stderr
        inst.write("writer", [1, 1, 2])
        yield inst
    finally:
        inst.drop()


@pytest.fixture
def inst(pristine: support.Installation, tmp_path) -> Iterator[support.Installation]:
    """A copy of the pristine installation to tamper with."""
    clone = pristine.clone(tmp_path)
    try:
        yield clone
    finally:
        clone.drop()
