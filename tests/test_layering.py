"""The architecture as the README draws it: imports point one way; the tree is what is on disk."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = (
    "import sys\nfrom importlinter.cli import lint_imports\nsys.exit(lint_imports(no_cache=True))"
)


def test_imports_point_one_way() -> None:
    """The contracts in pyproject.toml ([tool.importlinter]): bot -> handlers -> sharing ->
    storage, no Telegram below handlers, and each feature package above its `common` modules.

    In a process of its own: import-linter configures logging, which would silence the loggers
    of modules this test session has already imported."""
    lint = subprocess.run(
        [sys.executable, "-c", LINT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_readme_tree_names_every_package() -> None:
    """README's Architecture tree has a line for each package of handlers/ and sharing/, and no
    line for a package that is gone."""
    readme = (ROOT / "README.md").read_text()
    tree = readme.split("## Architecture", 1)[1].split("```", 2)[1]
    for top in ("handlers", "sharing"):
        block = tree.split(f"{top}/", 1)[1]
        drawn = set(re.findall(r"^\s{2,}([a-z_]+)/", block.split("\n\n", 1)[0], re.M))
        on_disk = {path.parent.name for path in (ROOT / top).glob("*/__init__.py")}
        assert drawn == on_disk, top
