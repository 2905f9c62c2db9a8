"""An import-linter contract type for `make lint` (pyproject.toml, [tool.importlinter]):
an app reaches another app only through the modules that app offers to others.

Built-in contracts say which apps may import which (layers); this one says which
of an app's modules another app may import. A module is private unless a
``public`` pattern names it: ``*.services`` for that module of every app,
``customers.panels`` for one app's registry. So a new module is private until
someone decides otherwise in the configuration. Imports inside one app, and of
packages that are not listed in ``apps`` (sms, third parties), are not checked.

Only the development tools import this module.
"""

from fnmatch import fnmatchcase

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils


class PublicModulesContract(Contract):
    type_name = "public_modules"

    apps = fields.ListField(subfield=fields.StringField())
    public = fields.ListField(subfield=fields.StringField())
    ignore_imports = fields.SetField(
        subfield=fields.ImportExpressionField(), required=False
    )
    unmatched_ignore_imports_alerting = fields.EnumField(
        contract_utils.AlertLevel, default=contract_utils.AlertLevel.ERROR
    )

    def _is_public(self, module: str) -> bool:
        # "orders.pricing.rounding" belongs to orders.pricing.
        top = ".".join(module.split(".")[:2])
        return any(fnmatchcase(top, pattern) for pattern in self.public)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,
            unmatched_alerting=self.unmatched_ignore_imports_alerting,
        )
        apps = set(self.apps)
        illegal = []
        for importer in sorted(graph.modules):
            importer_app = importer.split(".")[0]
            if importer_app not in apps:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                imported_app = imported.split(".")[0]
                if imported_app == importer_app or imported_app not in apps:
                    continue
                if self._is_public(imported):
                    continue
                lines = tuple(
                    detail["line_number"]
                    for detail in graph.get_import_details(
                        importer=importer, imported=imported
                    )
                )
                illegal.append((importer, imported, lines))
        return ContractCheck(
            kept=not illegal,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"illegal": illegal},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported, lines in check.metadata["illegal"]:
            output.print_error(
                f"- {importer} -> {imported} (l.{', '.join(map(str, lines))}): "
                f"{imported} is private to {imported.split('.')[0]}",
                bold=False,
            )
            output.new_line()
        output.print_error(
            "Reach another app through its services, selectors, models, forms or "
            "documents, or offer a registry it fills (DESIGN.md).",
            bold=False,
        )
        output.new_line()
