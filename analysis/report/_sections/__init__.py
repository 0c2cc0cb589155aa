"""The report's sections, one module each, every one registering one `ReportSection` class.

`analysis.report._registry.SECTIONS` discovers the public modules of this package on first
use, so a new section is a new module here and nothing else is edited. Helpers several
sections share are in `_common` (private modules are not discovered).
"""
