"""Numbers in tool output are read in ASCII digits only (gp_guard/audit/checks/parsing.py)."""

from __future__ import annotations

import pytest

from gp_guard.audit.checks import accounts, parsing, screen_lock
from gp_guard.audit.checks.firewall import _ports_in

UNICODE_DIGITS = ["\u0663\u0663\u0668\u0669", "\uff13\uff13\uff18\uff19", "\u00b2", "\u0969\u0969"]  # Arabic, full-width, superscript, Devanagari


@pytest.mark.parametrize("text", UNICODE_DIGITS)
def test_unicode_digits_are_no_number(text):
    assert text.isdigit() or text.isdecimal() or text.isnumeric()  # what str.isdigit() would have accepted
    assert not parsing.is_ascii_number(text)
    assert parsing.ascii_int(text) is None
    assert parsing.as_number(text) is None
    assert _ports_in(text) == set()


def test_ascii_numbers_read_as_before():
    assert parsing.ascii_int(" 3389 ") == 3389
    assert parsing.ascii_int("1_000") is None and parsing.ascii_int("+5") is None and parsing.ascii_int("") is None
    assert parsing.as_number("0x1F") == 31 and parsing.as_number("-1") == -1 and parsing.as_number(True) == 1
    assert parsing.as_number("0x\u0661") is None and parsing.as_number(b"\x01") is None


def test_check_parsers_ignore_unicode_digits():
    line = "doc:x:\u0661\u0660\u0660\u0660:1000::/home/doc:/bin/bash"
    assert accounts.parse_passwd(line) == []
    assert accounts.parse_passwd("doc:x:1000:1000::/home/doc:/bin/bash") == [("doc", "x", 1000, "/bin/bash")]
    assert screen_lock.parse_screenlock("screenLock delay is \u0663\u0660\u0660 seconds") is None


def test_powershell_json_lists_one_object_none_and_bad_output():
    from gp_guard.audit.checks.parsing import json_objects

    assert json_objects('[{"Name": "a"}, {"Name": "b"}]') == [{"Name": "a"}, {"Name": "b"}]
    assert json_objects('\ufeff{"Name": "a"}\r\n') == [{"Name": "a"}]  # one object: no brackets
    assert json_objects("") == [] and json_objects("  \r\n") == []  # none: PowerShell prints nothing
    assert json_objects("Accès refusé.") is None
    assert json_objects('[{"Name": "a"}, "b"]') is None and json_objects("3") is None
