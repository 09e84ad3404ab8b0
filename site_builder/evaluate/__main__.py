"""Dispatch ``python -m site_builder.evaluate KIND ...`` to the submodule for KIND."""

from __future__ import annotations

import importlib
import sys

KINDS = {
    "cleaning": "site_builder.evaluate.cleaning",
    "actors": "site_builder.evaluate.actors",
    "clusters": "site_builder.evaluate.clusters",
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in KINDS:
        print(
            f"usage: python -m site_builder.evaluate {{{','.join(KINDS)}}} GOLD ...",
            file=sys.stderr,
        )
        return 2
    module = importlib.import_module(KINDS[argv[0]])
    return int(module.main(argv[1:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
