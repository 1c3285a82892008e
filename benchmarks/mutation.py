"""Mutation testing: how many deliberately broken rules the test suite notices.

Runs mutmut (configured under ``[tool.mutmut]`` in pyproject.toml) on the modules named,
or on every module it is configured for, and prints per module: mutants, killed,
equivalent (listed below, each with why no test can tell it apart, and any mutant that
only changes the case of an SQL statement), survivors, and the
score ``killed / (mutants - equivalent)``. Slow (minutes per module on two cores), so it
is not run in CI; run it before changing a rule::

    pip install -e '.[test,mutation]'
    python benchmarks/mutation.py icssi_itinerary.tokens icssi_itinerary.timing

Survivors that are not listed as equivalent are printed with their diff: each is a rule
no test checks.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = [sys.executable, "-m", "mutmut"]

EQUIVALENT: dict[str, str] = {
    # tokens: the secret is hex, so every encoding that reads ASCII reads it the same
    "icssi_itinerary.tokens.x_load_secret__mutmut_23": "write with the locale's encoding (UTF-8)",
    "icssi_itinerary.tokens.x_load_secret__mutmut_26": "write with the default encoding",
    "icssi_itinerary.tokens.x_load_secret__mutmut_30": "'ASCII' is 'ascii'",
    "icssi_itinerary.tokens.x_load_secret__mutmut_33": "token_hex(None) is 32 bytes too",
    "icssi_itinerary.tokens.x_load_secret__mutmut_37": "read as UTF-8: non-ASCII fails fromhex",
    "icssi_itinerary.tokens.x_load_secret__mutmut_39": "'ASCII' is 'ascii'",
    "icssi_itinerary.tokens.x_delegate_token__mutmut_13": "base32 is ASCII either way",
    # timing: fold=0 is datetime's default
    "icssi_itinerary.timing.x_localize__mutmut_12": "fold=0 is the default",
    "icssi_itinerary.timing.x_localize__mutmut_7": "the naive copy only finds offsets",
    "icssi_itinerary.timing.x_start_of_day__mutmut_21": "fold=0 is the default",
    # start_of_day: a repeated midnight refused without fold="earlier" falls through to
    # the same fold=0 instant, and any fold other than "later" means the earlier one
    "icssi_itinerary.timing.x_start_of_day__mutmut_10": "falls through to fold=0: same instant",
    "icssi_itinerary.timing.x_start_of_day__mutmut_13": "falls through to fold=0: same instant",
    "icssi_itinerary.timing.x_start_of_day__mutmut_14": "not 'later' is 'earlier'",
    "icssi_itinerary.timing.x_start_of_day__mutmut_15": "not 'later' is 'earlier'",
    "icssi_itinerary.timing.x_start_of_day__mutmut_17": "the local zone: the same instant",
    # ledger
    "icssi_itinerary.ledger.xǁLedgerǁworking_copy__mutmut_8": "begin/commit are explicit anyway",
    "icssi_itinerary.ledger.xǁLedgerǁworking_copy__mutmut_22": "the copy exists once connected",
    "icssi_itinerary.ledger.xǁLedgerǁworking_copy__mutmut_23": "the copy exists once connected",
    "icssi_itinerary.ledger.x__open_committed__mutmut_47": "tests run as root: access() is true",
    "icssi_itinerary.ledger.x__open_committed__mutmut_60": "this SQLite reads file: URIs anyway",
    "icssi_itinerary.ledger.x__open_committed__mutmut_62": "this SQLite reads file: URIs anyway",
    "icssi_itinerary.ledger.x__open_committed__mutmut_63": "this SQLite reads file: URIs anyway",
    "icssi_itinerary.ledger.x__migrate_from_0_1__mutmut_26": "'<id>@' occurs once in a UID",
    "icssi_itinerary.ledger.x__migrate_from_0_1__mutmut_27": "'<id>@' occurs once in a UID",
    **{
        f"icssi_itinerary.ledger.{function}__mutmut_{n}": "the snapshot reads back the same"
        for function, numbers in (
            ("xǁLedgerǁrecord", (18, 19, 21, 22, 24, 25)),
            ("x__migrate_from_0_1", (42, 43, 45, 46, 48, 49)),
        )
        for n in numbers
    },
}
"""Mutants no test can tell from the original, each with the reason."""

DEFAULT_MODULES = (
    "icssi_itinerary.tokens",
    "icssi_itinerary.timing",
    "icssi_itinerary.ledger",
    "icssi_itinerary.checks",
)


_SQL = re.compile(
    r"\b(select|insert|update|delete|pragma|commit|begin|where|from|set|values)\b", re.IGNORECASE
)


def _case_only_sql(diff: str) -> bool:
    """A mutant that only changes the case of an SQL statement: SQLite reads keywords and
    table and column names without regard to case, so no test can tell."""
    minus = [line[2:] for line in diff.splitlines() if line.startswith("- ")]
    plus = [line[2:] for line in diff.splitlines() if line.startswith("+ ")]
    return (
        len(minus) == len(plus) > 0
        and all(a != b and a.upper() == b.upper() for a, b in zip(minus, plus, strict=True))
        and all(_SQL.search(line) for line in minus)
    )


def _diff(name: str) -> str:
    return subprocess.run(
        [*MUTMUT, "show", name], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout


def _results() -> dict[str, str]:
    shown = subprocess.run(
        [*MUTMUT, "results", "--all", "true"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    found = {}
    for line in shown.stdout.splitlines():
        match = re.fullmatch(r"\s*(\S+): (.+)", line)
        if match:
            found[match[1]] = match[2].strip()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", default=list(DEFAULT_MODULES))
    arguments = parser.parse_args()
    for module in arguments.modules:
        subprocess.run([*MUTMUT, "run", f"{module}.*"], cwd=ROOT, check=False)
    results = _results()
    print(
        f"\n{'module':32} {'mutants':>8} {'killed':>7} {'equiv.':>7} {'survived':>9} {'score':>6}"
    )
    for module in arguments.modules:
        mine = {name: status for name, status in results.items() if name.startswith(module + ".")}
        counts = Counter(mine.values())
        diffs = {name: _diff(name) for name, status in mine.items() if status != "killed"}
        equivalent = [
            name for name in mine if name in EQUIVALENT or _case_only_sql(diffs.get(name, ""))
        ]
        survivors = [name for name in diffs if name not in equivalent]
        judged = len(mine) - len(equivalent)
        score = counts["killed"] / judged if judged else 1.0
        print(
            f"{module:32} {len(mine):8} {counts['killed']:7} {len(equivalent):7} "
            f"{len(survivors):9} {score:6.1%}"
        )
        for name in survivors:
            changed = [line for line in diffs[name].splitlines() if line.startswith(("+ ", "- "))]
            print(f"    {name} ({mine[name]}): " + " / ".join(changed))


if __name__ == "__main__":
    main()
