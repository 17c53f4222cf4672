"""Write a French .po catalogue from a Python dict file: python tools/write_po.py SRC.py OUT.po

SRC.py defines FR = {"English source": "Traduction", ...}. Used to keep catalogues tidy; the
.po files are the source of truth once written and can be edited by translators directly.
"""

import runpy
import sys

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

data = runpy.run_path(sys.argv[1])["FR"]
catalog = Catalog(locale="fr", project="gp_guard", charset="utf-8")
for msgid, msgstr in data.items():
    catalog.add(msgid, msgstr)
with open(sys.argv[2], "wb") as out:
    write_po(out, catalog, width=100, omit_header=False)
