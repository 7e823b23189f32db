"""Target descriptions: every mistake is one message naming the file, the target and the field."""

from __future__ import annotations

import pytest

from conformance.targets import TargetError, credentials, load, table

SANDBOX = """
[targets.sandbox]
base_url = "https://sandbox.example.com/"
api_key_env = "CC_TEST_KEY"
auth_scheme = "Token"
channel_id = 5
other_channel_id = 6
readonly_api_key_env = "CC_TEST_RO_KEY"
order_items = [101, 102, 103]
reasons = [1, 2, 3]
read_only = false
timeout_s = 7
max_rps = 20
"""


def _write(tmp_path, text):
    path = tmp_path / "targets.toml"
    path.write_text(text)
    return path


def test_a_complete_sandbox_table_loads(tmp_path):
    target = load(_write(tmp_path, SANDBOX), "sandbox")
    assert target.base_url == "https://sandbox.example.com"
    assert (target.channel_id, target.other_channel_id) == (5, 6)
    assert target.order_items == (101, 102, 103)
    assert target.reasons == (1, 2, 3)
    assert (target.timeout_s, target.max_rps, target.read_only) == (7.0, 20.0, False)
    assert not target.embedded


def test_a_table_written_by_the_project_loads_back_as_written(tmp_path):
    # the tests and benchmarks describe the servers they start with table()
    values = {
        "base_url": 'http://127.0.0.1:8000/"quoted"',
        "api_key_env": "CC_TEST_KEY",
        "channel_id": 5,
        "order_items": (101, 102),
        "reasons": [1],
        "read_only": True,
        "timeout_s": 0.5,
        "scrub_patterns": ["TR\\d{24}"],
    }
    target = load(_write(tmp_path, table("written", values)), "written")
    assert target.base_url == values["base_url"]
    assert (target.channel_id, target.order_items, target.reasons) == (5, (101, 102), (1,))
    assert (target.read_only, target.timeout_s) == (True, 0.5)
    assert target.scrub_patterns == ("TR\\d{24}",)


def test_the_embedded_target_needs_only_its_base_url(tmp_path):
    target = load(_write(tmp_path, '[targets.local]\nbase_url = "embedded"\n'), "local")
    assert target.embedded


BROKEN = [
    pytest.param(
        SANDBOX,
        "production",
        ["target 'production' is not defined", "sandbox"],
        id="unknown-target",
    ),
    pytest.param("[targets.sandbox\nbase_url=", "sandbox", ["not valid TOML"], id="malformed-toml"),
    pytest.param("title = 'x'\n", "sandbox", ["no [targets.NAME] table"], id="no-targets"),
    pytest.param(
        SANDBOX.replace("channel_id = 5", "chanel_id = 5"),
        "sandbox",
        ["chanel_id", "unknown key", "did you mean 'channel_id'"],
        id="typo-in-key",
    ),
    pytest.param(
        SANDBOX.replace("channel_id = 5", 'channel_id = "five"'),
        "sandbox",
        ["channel_id", "not an integer"],
        id="channel-not-integer",
    ),
    pytest.param(
        SANDBOX.replace("channel_id = 5", "channel_id = true"),
        "sandbox",
        ["channel_id", "not an integer"],
        id="channel-boolean",
    ),
    pytest.param(
        SANDBOX.replace("order_items = [101, 102, 103]", "order_items = []"),
        "sandbox",
        ["order_items", "non-empty list"],
        id="order-items-empty",
    ),
    pytest.param(
        SANDBOX.replace("https://sandbox.example.com/", "sandbox.example.com"),
        "sandbox",
        ["base_url", "not an http:// or https:// URL"],
        id="url-without-scheme",
    ),
    pytest.param(
        SANDBOX.replace("reasons = [1, 2, 3]\n", ""),
        "sandbox",
        ["reasons", "required for a remote target"],
        id="reasons-missing",
    ),
    pytest.param(
        SANDBOX.replace("timeout_s = 7", "timeout_s = 0"),
        "sandbox",
        ["timeout_s", "positive"],
        id="timeout-zero",
    ),
    pytest.param(
        SANDBOX.replace("read_only = false", 'read_only = "no"'),
        "sandbox",
        ["read_only", "true or false"],
        id="read-only-not-boolean",
    ),
]


@pytest.mark.parametrize(("text", "name", "fragments"), BROKEN)
def test_a_broken_description_is_one_plain_error_naming_file_target_and_field(
    tmp_path, text, name, fragments
):
    path = _write(tmp_path, text)
    with pytest.raises(TargetError) as error:
        load(path, name)
    message = str(error.value)
    assert str(path) in message
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_a_missing_file_names_the_option_that_fixes_it(tmp_path):
    with pytest.raises(TargetError, match="--targets-file"):
        load(tmp_path / "nope.toml", "local")


@pytest.mark.parametrize(
    ("environ", "state"), [({}, "is not set"), ({"CC_TEST_KEY": " "}, "is empty")]
)
def test_a_missing_or_empty_key_variable_says_which_variable_to_export(tmp_path, environ, state):
    target = load(_write(tmp_path, SANDBOX), "sandbox")
    with pytest.raises(TargetError) as error:
        credentials(target, environ)
    assert f"CC_TEST_KEY {state}" in str(error.value)
    assert "export CC_TEST_KEY=" in str(error.value)
    assert "[targets.sandbox]" in str(error.value)


def test_keys_are_read_from_the_environment_and_never_shown(tmp_path):
    target = load(_write(tmp_path, SANDBOX), "sandbox")
    creds = credentials(target, {"CC_TEST_KEY": "s3cret-main", "CC_TEST_RO_KEY": "s3cret-ro"})
    assert (creds.api_key, creds.readonly_api_key) == ("s3cret-main", "s3cret-ro")
    assert "s3cret" not in repr(creds) and "s3cret" not in repr(target)
