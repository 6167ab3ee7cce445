"""The architecture as the README draws it: imports point one way; the tree is what is on disk."""

import re
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_imports_point_one_way() -> None:
    """The contracts in pyproject.toml ([tool.importlinter]): bot -> handlers -> sharing ->
    storage, no Telegram below handlers, and each feature package above its `common` modules."""
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


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
