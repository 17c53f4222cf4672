"""Orthanc configuration reader: comments, merging, version-aware defaults, clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gp_guard.audit.software import orthanc
from gp_guard.host import LocalHost

# -- comments ----------------------------------------------------------------------------------


def test_comments_are_stripped_but_not_inside_strings():
    text = """{
      // a line comment with "quotes"
      "Url" : "http://host/a//b",   // trailing comment
      /* block
         comment */ "Glob" : "/* not a comment */",
      "Escaped" : "a \\" // still a string",
      /** "AuthenticationEnabled" : false, **/
      "Last" : 1
    }"""
    data = orthanc.parse_config_text(text, "x.json")
    assert data == {"Url": "http://host/a//b", "Glob": "/* not a comment */", "Escaped": 'a " // still a string', "Last": 1}


def test_line_numbers_survive_block_comments():
    cleaned = orthanc.strip_comments("{\n/* a\nb\nc */\n}")
    assert cleaned.count("\n") == 4


def test_unterminated_block_comment_is_a_clean_error():
    with pytest.raises(orthanc.OrthancConfigError) as info:
        orthanc.parse_config_text('{ "A" : 1 /* oops', "/etc/orthanc/orthanc.json")
    assert info.value.path == "/etc/orthanc/orthanc.json"
    assert "unterminated" in info.value.detail


def test_trailing_commas_are_tolerated_like_jsoncpp():
    assert orthanc.parse_config_text('{ "A" : [1, 2, ], "B" : { "c" : ",]" }, }', "x") == {"A": [1, 2], "B": {"c": ",]"}}


@pytest.mark.parametrize("text", ["", "[]", "42", '"x"', "{", '{"a":}', "\ufeff", "null"])
def test_not_an_object_is_a_clean_error(text):
    with pytest.raises(orthanc.OrthancConfigError):
        orthanc.parse_config_text(text, "bad.json")


# JSON values built by hypothesis, written with comments between tokens
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=10), json_values, max_size=6), st.sampled_from(["// c\n", "/* c */", "/** x **/", " "]))
@settings(max_examples=200, deadline=None)
def test_round_trip_with_comments(data, comment):
    # json.dumps escapes newlines inside strings: every raw newline is between tokens
    text = comment + json.dumps(data, indent=1).replace("\n", " " + comment.rstrip("\n") + "\n")
    assert orthanc.parse_config_text(text, "x.json") == data


@given(st.text(max_size=300))
@settings(max_examples=500, deadline=None)
def test_any_text_gives_a_dict_or_a_clean_error(text):
    try:
        result = orthanc.parse_config_text(text, "fuzz.json")
    except orthanc.OrthancConfigError as exc:
        assert exc.path == "fuzz.json"
    else:
        assert isinstance(result, dict)


@given(st.text(alphabet='{}[]"/*\\,:\n ab1', max_size=200))
@settings(max_examples=500, deadline=None)
def test_comment_and_string_soup_never_crashes(text):
    try:
        orthanc.parse_config_text(text, "soup.json")
    except orthanc.OrthancConfigError:
        pass


@given(st.dictionaries(st.sampled_from(["RemoteAccessAllowed", "AuthenticationEnabled", "RegisteredUsers", "HttpPort",
                                        "DicomPort", "DicomModalities", "DicomAlwaysAllowFind", "SslEnabled",
                                        "WebDavEnabled", "RestApiWriteToFileSystemEnabled"]), json_values),
       st.sampled_from([None, "1.10.1+dfsg-2+deb12u1", "1.10.1", "1.5.7", "1.12.4", "garbage"]))
@settings(max_examples=300, deadline=None)
def test_assess_accepts_any_value_types(values, version):
    config = orthanc.OrthancConfig("x", ("x",), dict(values), {k: "x" for k in values}, version)
    result = orthanc.assess(config)
    assert 0 < result.http_port < 65536 and 0 < result.dicom_port < 65536
    assert all(isinstance(u, str) for u in result.users)


# -- merging and defaults --------------------------------------------------------------------------


def config_of(values: dict, version: str | None = None) -> orthanc.OrthancAssessment:
    return orthanc.assess(orthanc.OrthancConfig("c.json", ("c.json",), values, {k: "c.json" for k in values}, version))


def test_folder_is_merged_and_duplicates_are_reported(tmp_path: Path):
    (tmp_path / "a.json").write_text('{ "RemoteAccessAllowed" : true, // c\n "HttpPort" : 8043 }')
    (tmp_path / "b.JSON").write_text('{ "RegisteredUsers" : { "alice" : "alicePassword" }, "HttpPort" : 9 }')
    (tmp_path / "notes.txt").write_text("not json")
    config = orthanc.load_config(LocalHost(), str(tmp_path))
    assert [Path(f).name for f in config.files] == ["a.json", "b.JSON"]
    assert config.get("HttpPort") == 8043 and config.conflicts == ("HttpPort",)
    assessment = orthanc.assess(config)
    assert assessment.weak_users == ("alice",) and assessment.default_credentials


def test_broken_file_in_folder_names_that_file(tmp_path: Path):
    (tmp_path / "good.json").write_text("{}")
    (tmp_path / "bad.json").write_text('{ "A" : tru }')
    with pytest.raises(orthanc.OrthancConfigError) as info:
        orthanc.load_config(LocalHost(), str(tmp_path))
    assert info.value.path.endswith("bad.json")


def test_missing_file_and_empty_folder(tmp_path: Path):
    with pytest.raises(orthanc.OrthancConfigError, match="not found"):
        orthanc.load_config(LocalHost(), str(tmp_path / "nope.json"))
    with pytest.raises(orthanc.OrthancConfigError, match="no .json"):
        orthanc.load_config(LocalHost(), str(tmp_path))


def test_authentication_forced_with_remote_access_since_1_5_8():
    a = config_of({"RemoteAccessAllowed": True}, "1.10.1")
    assert a.authentication and a.authentication_explicit is None
    assert a.automatic_default_user and a.default_credentials and not a.anonymous_http
    old = config_of({"RemoteAccessAllowed": True}, "1.5.7")
    assert not old.authentication and old.anonymous_http


def test_explicit_false_with_remote_access_is_anonymous():
    a = config_of({"RemoteAccessAllowed": True, "AuthenticationEnabled": False})
    assert a.anonymous_http and a.authentication_explicit is False


def test_strong_users_are_not_weak():
    a = config_of({"RemoteAccessAllowed": True, "RegisteredUsers": {"drmartin": "Tr3s-l0ng-mot-de-passe"}})
    assert not a.default_credentials and a.users == ("drmartin",)


@pytest.mark.parametrize(("version", "value", "expected", "reason"), [
    ("1.10.1", None, True, "version"),  # upstream 1.10.1: the export route always writes files
    ("1.10.1+dfsg-2+deb12u1", None, False, "default"),  # Debian backport, default false
    ("1.10.1+dfsg-2+deb12u1", True, True, "explicit"),
    ("1.12.0", None, False, "default"),
    ("1.11.3", False, True, "version"),  # the option does not exist there: ignored
    (None, None, False, "default"),
])
def test_rest_write_to_filesystem_by_version(version, value, expected, reason):
    values = {} if value is None else {"RestApiWriteToFileSystemEnabled": value}
    a = config_of(values, version)
    assert (a.rest_write_fs, a.rest_write_fs_reason) == (expected, reason)


def test_dicom_defaults_and_public_modalities():
    a = config_of({"DicomModalities": {"scanner": ["CT", "192.168.1.20", 104],
                                       "telerad": {"AET": "TR", "Host": "45.11.0.2", "Port": "104"},
                                       "broken": 12}})
    assert a.always_allow == {"Echo": True, "Store": True, "Find": False, "FindWorklist": False, "Get": False, "Move": False}
    assert [m.name for m in a.public_modalities] == ["telerad"]
    assert a.public_modalities[0].port == 104


def test_debian_package_files_read_as_orthanc_does():
    if not Path("/etc/orthanc/orthanc.json").exists():
        pytest.skip("the Debian orthanc package is not installed")
    config = orthanc.load_config(LocalHost(), "/etc/orthanc", "1.10.1+dfsg-2+deb12u1")
    assert not config.has("AuthenticationEnabled")  # it sits in a /** **/ block
    assert config.get("RegisteredUsers") == {}
    a = orthanc.assess(config)
    assert not a.remote_access and a.http_port == 8042 and a.dicom_port == 4242
