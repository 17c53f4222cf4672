"""Is this export really anonymous? Check a data export before it leaves the practice (issue 17).

Modules: ``readers`` (CSV/XLSX), ``identifiers`` (NIR, INS, names, ...), ``roles`` (what each
column is), ``linkage`` (persistent identifiers, hashes, comparison of two exports), ``risk``
(k-anonymity, l-diversity per person), ``verdict`` (WP29 criteria), ``generalise`` and
``proposals`` (fixes and the safer copy), ``service`` (the one entry point). No Qt here.
"""
