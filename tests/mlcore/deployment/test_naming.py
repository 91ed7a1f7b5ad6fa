import pytest

from mlcore.deployment.naming import next_version, validate_name, validate_version
from mlcore.errors import ConfigError


@pytest.mark.parametrize("name", ["churn", "Churn_model-2", "a.b", "x1"])
def test_valid_names_pass_through_stripped(name):
    assert validate_name(f"  {name} ") == name


@pytest.mark.parametrize("name, fragment", [
    ("", "empty"), ("   ", "empty"), ("a/b", "path separator"), ("a\\b", "path separator"),
    ("..", ".."), ("a..b", ".."), ("bad name", "not allowed"), ("über", "not allowed"), ("-x", "start"),
    (None, "text"), ("con", "reserved"), ("trail.", "ends with '.'"), ("a.b..", ".."), ("x.", "Windows drops"),
])
def test_invalid_names_are_refused_with_reason(name, fragment):
    with pytest.raises(ConfigError, match=fragment):
        validate_name(name)


@pytest.mark.parametrize("version, expected", [("1.2.3", "1.2.3"), (" 0.1.0 ", "0.1.0"), ("v2.0.10", "2.0.10")])
def test_valid_versions(version, expected):
    assert validate_version(version) == expected


@pytest.mark.parametrize("version", ["", "1.2", "1.2.3.4", "1.02.3", "../1.0.0", "1/2/3", "a.b.c", "1.2.3-rc", None])
def test_invalid_versions_are_refused(version):
    with pytest.raises(ConfigError):
        validate_version(version)


def test_next_version_bumps_the_highest_semantically():
    existing = ["1.2.0", "1.10.0", "1.9.3"]
    assert next_version(existing) == "1.11.0"
    assert next_version(existing, "patch") == "1.10.1"
    assert next_version(existing, "major") == "2.0.0"
    assert next_version([]) == "1.0.0"
    with pytest.raises(ConfigError):
        next_version(existing, "huge")
