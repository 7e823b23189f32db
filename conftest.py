"""Root conftest: loads the suite's pytest plugin in a checkout that is not pip-installed.

Installed, the pytest11 entry point (named after the module, so this line is then a no-op)
registers it earlier, which is what lets ``--target`` work from any working directory.
"""

pytest_plugins = ["conformance.plugin"]
