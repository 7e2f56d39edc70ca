"""A rule set that cannot work stops start-up with the file, the line and the reason.

Each case copies the shipped settings.toml into a temporary directory, breaks it in one way and
checks that `load_settings` names `path:LINE:` of the offending table and says why.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from complaints.errors import RuleError, SettingsError
from config import load_settings
from router.rule_checks import compile_pattern

REAL = Path(__file__).parents[2] / "settings.toml"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, needle: str, occurrence: int = -1) -> int:
    """The 1-based line number of a line that is exactly `needle` (the last one by default)."""
    numbers = [n for n, line in enumerate(text.splitlines(), start=1) if line.strip() == needle]
    return numbers[occurrence]


def _load_error(path: Path) -> str:
    with pytest.raises(SettingsError) as raised:
        load_settings(path)
    return str(raised.value)


def test_the_shipped_settings_load() -> None:
    settings = load_settings(REAL)
    assert len(settings.rules.rules) >= 14


RULE_ERRORS = [
    pytest.param(
        'name = "bad regex"\npattern = "(unclosed"\ncategory = "billing"\n',
        "rule 'bad regex': bad regular expression '(unclosed': missing ), unterminated subpattern",
        id="bad-regex",
    ),
    pytest.param(
        "name = \"bad verbose regex\"\npattern = '''(?x)\n  refund\n  [a-\n'''\ntags = [\"x\"]\n",
        "rule 'bad verbose regex': bad regular expression",
        id="bad-multiline-regex",
    ),
    pytest.param(
        'name = "refunds"\nkeywords = ["refund"]\ncategory = "refunds"\n',
        "rule 'refunds': unknown category 'refunds'",
        id="unknown-category",
    ),
    pytest.param(
        'name = "sales"\nkeywords = ["discount"]\ndepartment = "sales"\n',
        "rule 'sales': unknown department 'sales'",
        id="unknown-department",
    ),
    pytest.param(
        'name = "typo"\nkeyword = ["refund"]\ncategory = "billing"\n',
        "unknown key(s) keyword; conditions: ",
        id="unknown-key",
    ),
    pytest.param(
        'name = "legal threat"\nkeywords = ["invoice"]\ncategory = "billing"\n',
        "rule name 'legal threat' is used twice",
        id="duplicate-name",
    ),
    pytest.param(
        'name = "everything"\ncategory = "safety"\nfields = ["subject"]\n',
        "rule 'everything' has no condition, so it would match every message; set at least one "
        "of keywords, pattern, channel, language, tier, has_attachment, repeat",
        id="no-condition",
    ),
    pytest.param(
        'name = "slow"\npattern = "(a+)+$"\ntags = ["x"]\n',
        "rule 'slow': the pattern repeats a part that itself repeats",
        id="nested-repeat",
    ),
    pytest.param(
        'name = "long"\nkeywords = ["' + "k" * 201 + '"]\ntags = ["x"]\n',
        "rule 'long': an entry of keywords is over 200 characters",
        id="keyword-too-long",
    ),
    pytest.param(
        'name = "faxes"\nchannel = ["fax"]\ntags = ["x"]\n',
        "rule 'faxes': channel: there is no channel 'fax'; channels: email, telegram, webhook",
        id="unknown-channel",
    ),
    pytest.param(
        'name = "blank"\nkeywords = ["  "]\ntags = ["x"]\n',
        "rule 'blank': keywords has an empty entry; remove it or write a word",
        id="blank-keyword",
    ),
    pytest.param(
        'name = "idle"\nkeywords = ["refund"]\n',
        "rule 'idle' has no action: set category, department, grade, min_grade, raise_grade or "
        "tags",
        id="no-action",
    ),
    pytest.param(
        'name = "critical"\nkeywords = ["fire"]\ngrade = "critical"\n',
        "rule 'critical': grade must be one of general, important, urgent",
        id="bad-grade",
    ),
    pytest.param(
        'name = "high"\nkeywords = ["fire"]\nmin_grade = "high"\n',
        "rule 'high': min_grade must be one of general, important, urgent",
        id="bad-min-grade",
    ),
    pytest.param(
        'name = "french"\nlanguage = ["fr"]\ntags = ["fr"]\n',
        "rule 'french': language must be among",
        id="unsupported-language",
    ),
    pytest.param(
        'name = "again"\nrepeat = { at_least = 0, within_days = 30 }\nraise_grade = true\n',
        "rule 'again': repeat must be { at_least = N, within_days = D }, N, D > 0",
        id="bad-repeat",
    ),
    pytest.param(
        'name = "body"\nkeywords = ["x"]\nfields = ["body"]\ntags = ["x"]\n',
        "rule 'body': fields may only be subject, text",
        id="bad-fields",
    ),
    pytest.param(
        'name = "files"\nhas_attachment = "yes"\ntags = ["files"]\n',
        "rule 'files': has_attachment must be true or false",
        id="bad-has-attachment",
    ),
    pytest.param(
        'keywords = ["x"]\ntags = ["x"]\n',
        "every rule needs a non-empty name",
        id="no-name",
    ),
    pytest.param(
        'name = "hurt"\nkeywords = ["injury"]\nunless_negated = "yes"\ntags = ["x"]\n',
        "rule 'hurt': unless_negated must be true or false, not 'yes'",
        id="bad-unless-negated",
    ),
    pytest.param(
        'name = "fire"\nkeywords = ["fire"]\nunless = "fire tv"\nunless_negated = 1\ntags = []\n',
        "rule 'fire': unless_negated must be true or false, not 1",
        id="unless-negated-number",
    ),
    pytest.param(
        'name = "fire"\nkeywords = ["fire"]\nunless = ["fire tv", ""]\ntags = ["x"]\n',
        "rule 'fire': unless must be a list of non-empty strings",
        id="bad-unless",
    ),
    pytest.param(
        'name = "vip quiet"\ntier = ["vip"]\nunless = ["fire tv"]\ntags = ["x"]\n',
        "rule 'vip quiet': unless and unless_negated qualify what keywords or pattern find",
        id="unless-without-keywords",
    ),
    pytest.param(
        'name = "vip calm"\ntier = ["vip"]\nunless_negated = true\ntags = ["x"]\n',
        "rule 'vip calm': unless and unless_negated qualify what keywords or pattern find",
        id="unless-negated-without-keywords",
    ),
]


@pytest.mark.parametrize(("body", "reason"), RULE_ERRORS)
def test_a_bad_rule_at_the_end(tmp_path: Path, body: str, reason: str) -> None:
    text = REAL.read_text(encoding="utf-8").rstrip("\n") + "\n\n[[rules]]\n" + body
    path = _write(tmp_path, text)
    message = _load_error(path)
    assert message.startswith(f"{path}:{_line_of(text, '[[rules]]')}: "), message
    assert reason in message


@pytest.mark.parametrize(("body", "reason"), RULE_ERRORS)
def test_a_bad_rule_among_the_others(tmp_path: Path, body: str, reason: str) -> None:
    real = REAL.read_text(encoding="utf-8")
    fifth = [m.start() for m in re.finditer(r"(?m)^\[\[rules\]\]$", real)][4]
    text = real[:fifth] + "[[rules]]\n" + body + "\n" + real[fifth:]
    path = _write(tmp_path, text)
    message = _load_error(path)
    assert message.startswith(f"{path}:{_line_of(text, '[[rules]]', 4)}: "), message
    assert reason in message


def test_a_bad_rule_is_reported_at_its_own_table(tmp_path: Path) -> None:
    real = REAL.read_text(encoding="utf-8")
    lines = real.splitlines()
    stock = lines.index('name = "out of stock"')
    assert lines[stock - 1] == "[[rules]]"
    text = real.replace('category = "stock"\n', 'category = "stok"\n', 1)
    path = _write(tmp_path, text)
    message = _load_error(path)
    assert message == f"{path}:{stock}: rule 'out of stock': unknown category 'stok'"


def test_a_category_naming_an_unknown_department(tmp_path: Path) -> None:
    real = REAL.read_text(encoding="utf-8")
    text = real.replace(
        '[categories.stock]\ndepartment = "logistics"',
        '[categories.stock]\ndepartment = "warehouse"',
    )
    assert text != real
    path = _write(tmp_path, text)
    message = _load_error(path)
    assert message.startswith(f"{path}:{_line_of(text, '[categories.stock]')}: "), message
    assert "category 'stock' names department 'warehouse'; known departments: " in message


def test_a_supervisor_language_the_bot_does_not_speak(tmp_path: Path) -> None:
    real = REAL.read_text(encoding="utf-8")
    text = real.replace(
        "[departments.billing]\n", '[departments.billing]\nsupervisor_language = "fr"\n'
    )
    assert text != real
    path = _write(tmp_path, text)
    assert _load_error(path) == (
        f"{path}:{_line_of(text, '[departments.billing]') + 1}: [departments.billing] "
        "supervisor_language: must be one of zh-Hans, zh-Hant, es, en, not 'fr'"
    )
    good = _write(tmp_path, text.replace('"fr"', '"zh-Hant"'))
    assert load_settings(good).rules.departments["billing"].supervisor_language == "zh-Hant"


def test_an_unknown_default_category(tmp_path: Path) -> None:
    real = REAL.read_text(encoding="utf-8")
    text = real.replace('default_category = "other"', 'default_category = "misc"')
    assert text != real
    path = _write(tmp_path, text)
    message = _load_error(path)
    assert message == (
        f"{path}:{_line_of(text, '[routing]')}: default_category 'misc' is not a defined category"
    )


def test_a_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    text = REAL.read_text(encoding="utf-8").rstrip("\n") + '\n\n[[rules]\nname = "unclosed"\n'
    path = _write(tmp_path, text)
    message = _load_error(path)
    assert message.startswith(f"{path}: not valid TOML: "), message
    assert f"(at line {_line_of(text, '[[rules]')}, column 8)" in message


def test_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.toml"
    message = _load_error(path)
    assert message.startswith(f"{path}: cannot read the settings file"), message


def test_a_pattern_judged_before_is_judged_the_same_in_every_rule() -> None:
    """Pattern checks are kept per pattern (router.rule_checks): a refusal still names the rule
    at hand, and a stored rule's pattern is kept where a new rule's is refused."""

    def fail(reason: str) -> RuleError:
        return RuleError(reason)

    for name in ("first", "second"):
        with pytest.raises(RuleError, match=rf"^rule '{name}': the pattern repeats a part"):
            compile_pattern("(a+)+$", name, fail)
        with pytest.raises(RuleError, match=rf"^rule '{name}': bad regular expression '\('"):
            compile_pattern("(", name, fail)
    kept = compile_pattern("(a+)+$", "stored", fail, stored=True)
    assert kept.search("AAA") and compile_pattern("(a+)+$", "again", fail, stored=True) is kept
    with pytest.raises(RuleError, match=r"^rule 'third': the pattern repeats a part"):
        compile_pattern("(a+)+$", "third", fail)
