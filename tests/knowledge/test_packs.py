import datetime as dt
import re

import pytest

from knowledge.channels import load_channels
from knowledge.packs import LOCAL_DIR, validate_pack_dir
from knowledge.routes import load_route_ids
from tests.paths import MINI, SHARED

ROUTES = set(load_route_ids(MINI / "route_ids.yaml"))
CHANNELS = set(load_channels(MINI / "channels.yaml"))
GOOD = (MINI / "local" / "350206" / "pack.yaml").read_text("utf-8")


def _validate(tmp_path, text, folder="350206"):
    d = tmp_path / folder
    d.mkdir()
    (d / "pack.yaml").write_text(text, "utf-8")
    return validate_pack_dir(d, ROUTES, CHANNELS, {"mini_xinfang#35"})


def test_good_pack_loads(tmp_path):
    pack, errors = _validate(tmp_path, GOOD)
    assert errors == []
    assert pack.offices_for("xinfang_review")[0].name == "测试区信访局"
    assert pack.confirmed_channels == {"hotline_12348"}


@pytest.mark.parametrize("old,new,message,line", [
    ('region_code: "350206"', "region_code: 350206", "6-digit", 1),
    ("    level: 区", "    level: 镇", "level must be", 8),
    ("    phone: null", "    phone: 请拨打热线", "should hold only digits", 11),
    ("    routes: [xinfang_review]\n    address", "    routes: [xinfang_visit]\n    address", "unknown route id", 9),
    ("updated_on: 2026-11-01", "updated_on: 2099-01-01", "in the future", 4),
    ("updated_on: 2026-11-01", "updated_on: 昨天", "YYYY-MM-DD", 4),
    ("  - id: test_lawyer", "  - id: test_bureau", "duplicate id", 17),
    ("{channel: hotline_12348", "{channel: hotline_00000", "unknown channel", 25),
    ("    hours: null", "    hours: null\n    fax: 123", "unknown field 'fax'", 13),
])
def test_each_problem_is_reported_with_its_line(tmp_path, old, new, message, line):
    assert old in GOOD
    _, errors = _validate(tmp_path, GOOD.replace(old, new, 1))
    assert any(message in e.message and e.line == line for e in errors), [(e.line, e.message) for e in errors]


def test_all_problems_are_listed_not_just_the_first(tmp_path):
    bad = GOOD.replace("    level: 区", "    level: 镇").replace("updated_on: 2026-11-01", "updated_on: x")
    _, errors = _validate(tmp_path, bad)
    assert len(errors) >= 2


def test_yaml_syntax_error_names_the_line(tmp_path):
    _, errors = _validate(tmp_path, "region_code: \"350206\"\noffices: [\n  - {")
    assert len(errors) == 1 and errors[0].line >= 2 and "YAML" in errors[0].message


def test_folder_must_match_region_code(tmp_path):
    _, errors = _validate(tmp_path, GOOD, folder="350203")
    assert any("does not match its folder" in e.message for e in errors)


def test_missing_pack_file(tmp_path):
    _, errors = validate_pack_dir(tmp_path, ROUTES, CHANNELS)
    assert errors and "no pack.yaml" in errors[0].message


def test_shipped_packs_are_valid_and_invent_no_contact_details(real_kb):
    assert {"350206", "370400", "411200"} <= set(real_kb.packs)
    seeds = "".join(p.read_text("utf-8") for p in (SHARED / "seeds").glob("*.txt")) \
        if (SHARED / "seeds").exists() else None
    for pack in real_kb.packs.values():
        assert pack.updated_on <= dt.date.today()
        for office in pack.offices:
            for value in (office.address, office.phone, office.online):
                # A published contact detail may only appear when the seed report itself states it.
                if value is not None:
                    assert seeds is not None and value in seeds, (pack.region_code, value)
        for item in (*pack.rules, *pack.faq):
            text = getattr(item, "text", "") + getattr(item, "answer", "")
            assert not re.search(r"\d{3,4}-?\d{7,8}|1[3-9]\d{9}", text), "no phone numbers in pack prose"


def test_cli_validates_every_shipped_pack():
    from bot.cli import main

    for folder in sorted(LOCAL_DIR.iterdir()):
        if folder.is_dir():
            assert main(["pack", "validate", str(folder)]) == 0


def test_a_sample_pack_says_so_and_sample_must_be_true_or_false(tmp_path):
    from knowledge.packs import check_pack
    from knowledge.yamlpos import load_located

    path = tmp_path / "pack.yaml"
    path.write_text('region_code: "350206"\nregion_name: 湖里区\nmaintainer: x\nupdated_on: 2026-11-21\n'
                    'sample: 1\noffices: []\n', encoding="utf-8")
    pack, errors = check_pack(load_located(path), "350206", set(), set())
    assert any("sample must be true or false" in str(e) for e in errors)
    path.write_text(path.read_text(encoding="utf-8").replace("sample: 1", "sample: true"), encoding="utf-8")
    pack, errors = check_pack(load_located(path), "350206", set(), set())
    assert not errors and pack is not None and pack.sample
