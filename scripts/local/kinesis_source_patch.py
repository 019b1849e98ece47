"""Lets localstack-core 4.13.1 (host mode) run a Firehose delivery stream with a Kinesis source from open-source
parts only. scripts/local/kinesis-source.sh copies this file into LocalStack's venv together with a one-line .pth
file that imports it, so it runs at the start of every Python in that venv. It changes nothing until one of the
modules below is imported, and then patches that module right after it has loaded:

- localstack.services.dynamodb.packages: the DynamoDB Local installer refuses to run (always). DynamoDB Local is
  under the vendor's own licence terms, so this project never downloads, installs or starts it.
- localstack.packages.java: LocalStack never downloads a JDK (always). With KINESIS_SOURCE_JAVA_HOME set (and
  KINESIS_SOURCE_JAVA_VERSION, its major version), every request for Java <= that version gets the machine's JDK;
  any other request fails with a message instead of a download.
- localstack.utils.kinesis.kclipy_helper: with KINESIS_SOURCE_DYNAMODB_ENDPOINT set, the KCL that Firehose starts
  for a Kinesis source keeps its lease tables at that endpoint (a moto server) instead of LocalStack's own DynamoDB
  service, which would run DynamoDB Local.
- localstack.utils.kinesis.kinesis_connector: the KCL's record processor script starts with this venv's Python
  (LocalStack writes `#!/usr/bin/env python`, i.e. whatever `python` is first on PATH).

See docs/localstack-notes.md ("Kinesis Data Streams as a Firehose source").
"""

import importlib.abc
import importlib.machinery
import os
import sys

_NO_DDB_LOCAL = (
    "DynamoDB Local is not used by this project (it is not open source); the Firehose Kinesis source keeps its "
    "KCL leases in moto instead (scripts/local/kinesis-source.sh). Do not add 'dynamodb' to LocalStack's SERVICES."
)


def _package_exception(message):
    from localstack.packages.api import PackageException

    return PackageException(message)


def _patch_dynamodb_packages(module):
    def refuse(self, *args, **kwargs):
        raise _package_exception(_NO_DDB_LOCAL)

    module.DynamoDBLocalPackageInstaller.install = refuse
    module.DynamoDBLocalPackageInstaller._install = refuse


def _patch_java(module):
    home = os.environ.get("KINESIS_SOURCE_JAVA_HOME", "")
    try:
        major = int(os.environ.get("KINESIS_SOURCE_JAVA_VERSION", "0"))
    except ValueError:
        major = 0
    cls = module.JavaPackageInstaller

    def usable(self):
        try:
            wanted = int(self.version)
        except ValueError:
            return False
        return bool(home) and os.path.isfile(os.path.join(home, "bin", "java")) and wanted <= major

    def install(self, target=None):
        if not usable(self):
            raise _package_exception(
                f"Java {self.version} is not downloaded here; the JDK given by KINESIS_SOURCE_JAVA_HOME "
                f"({home or 'unset'}, Java {major or '?'}) is used for Java <= its version "
                "(scripts/local/kinesis-source.sh)."
            )

    def get_installed_dir(self):
        return home if usable(self) else None

    cls.install = install
    cls.get_installed_dir = get_installed_dir


def _patch_kclipy_helper(module):
    endpoint = os.environ.get("KINESIS_SOURCE_DYNAMODB_ENDPOINT")
    if not endpoint:
        return
    original = module.create_config_file

    def create_config_file(*args, **kwargs):
        kwargs["dynamoDBEndpoint"] = endpoint
        return original(*args, **kwargs)

    module.create_config_file = create_config_file


def _patch_kinesis_connector(module):
    original = module._generate_processor_script

    def generate_processor_script(events_file):
        path = original(events_file)
        with open(path, encoding="utf-8") as f:
            first, _, rest = f.read().partition("\n")
        if first.startswith("#!"):
            with open(path, "w", encoding="utf-8") as f:
                f.write(f"#!{sys.executable}\n{rest}")
        return path

    module._generate_processor_script = generate_processor_script


_PATCHES = {
    "localstack.services.dynamodb.packages": _patch_dynamodb_packages,
    "localstack.packages.java": _patch_java,
    "localstack.utils.kinesis.kclipy_helper": _patch_kclipy_helper,
    "localstack.utils.kinesis.kinesis_connector": _patch_kinesis_connector,
}


class _PatchAfterImport(importlib.abc.MetaPathFinder):
    """Finds the listed modules as usual, then runs their patch right after the module body has executed."""

    def find_spec(self, fullname, path, target=None):
        patch = _PATCHES.get(fullname)
        if patch is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        exec_module = spec.loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            patch(module)

        spec.loader.exec_module = exec_and_patch
        return spec


if not any(isinstance(f, _PatchAfterImport) for f in sys.meta_path):
    sys.meta_path.insert(0, _PatchAfterImport())
