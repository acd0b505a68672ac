"""Reports depend on orders one way only: reports/ imports orders, nothing in orders/ imports reports/."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_nothing_in_orders_imports_reports():
    offenders = {
        str(path.relative_to(ROOT)): sorted(name for name in imported_modules(path) if name == "reports" or name.startswith("reports."))
        for path in (ROOT / "orders").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_reports_imports_orders():
    assert any(name.startswith("orders") for path in (ROOT / "reports").rglob("*.py") for name in imported_modules(path))
