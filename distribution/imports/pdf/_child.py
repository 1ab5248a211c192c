"""The PDF reader's child process: sandbox.py runs `python -I <this file>`.

Isolated mode (-I) puts nothing of the project on sys.path: not the working directory, not this
file's folder, no PYTHONPATH. So no file here can stand in for a standard-library module, and
neither Django nor the project's settings can be imported by accident. The reader is then loaded by
path: distribution/imports/ becomes a package under a private name, in which the reader's relative
imports (`.table`, `..values`) resolve, and distribution/__init__.py (a Django app) never runs.
"""

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

_PACKAGE = "_isolated_imports"  # what distribution/imports/ is called in the child


def load_reader() -> ModuleType:
    """Import the PDF reader package from the folder this file is in, without changing sys.path."""
    if _PACKAGE not in sys.modules:
        folder = Path(__file__).resolve().parent.parent
        spec = importlib.util.spec_from_file_location(
            _PACKAGE, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        assert spec is not None and spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules[_PACKAGE] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"{_PACKAGE}.pdf")


if __name__ == "__main__":
    sys.exit(load_reader().sandbox.child_main())
