"""The command line speaks Chinese under a Chinese locale: help, errors, progress; CSV templates read back."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import geopandas as gpd
import pytest
from conftest import SAMPLE
from ruralenv.core.base.i18n import catalogue, has_cjk, translate, with_chinese_names
from ruralenv.core.cli.main import build_parser
from ruralenv.core.cli.parser import texts, walk
from ruralenv.core.cli.template import write_templates
from test_bad_inputs import write

CLI = [sys.executable, "-m", "ruralenv.core.cli"]
ZH = {"LANG": "zh_CN.UTF-8", "RURALENV_LANG": ""}
EN = {"LANG": "C.UTF-8", "LC_ALL": "", "LANGUAGE": "", "LC_MESSAGES": "", "RURALENV_LANG": ""}
# what a Chinese error line may hold besides its message: where (图层, 第N行, 字段) and quoted values
WHERE = re.compile(r"\[图层 [^\]]*\]|第\d+行|字段“[^”]*”|“[^”]*”|'[^']*'|^错误：")


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})


def assert_chinese_errors(stderr: str) -> list[str]:
    """Every error line's message (its file, row, field and quoted values taken away) is Chinese."""
    lines = [ln for ln in stderr.splitlines() if ln.startswith("错误：")]
    assert lines, stderr
    for line in lines:
        assert has_cjk(WHERE.sub("", line)), f"not translated: {line}"
    assert "error:" not in stderr and "Traceback" not in stderr, stderr
    return lines


@pytest.fixture
def zh(monkeypatch):
    for k, v in ZH.items():
        monkeypatch.setenv(k, v)


def test_every_help_text_of_every_subcommand_has_its_translation():
    parser = build_parser()
    missing = sorted({t for t in texts(parser) if not has_cjk(translate(t, "zh")) or translate(t, "zh") == t})
    assert not missing, ("help texts without a Chinese translation; run `python scripts/i18n.py extract` and fill "
                         f"core/base/locale/zh_CN/LC_MESSAGES/ruralenv.po: {missing}")


def test_help_of_every_subcommand_is_chinese_under_a_chinese_locale(zh):
    parser = build_parser()
    paths = [path for path, _ in walk(parser)]
    assert {("run",), ("demo",), ("plan",), ("template",), ("survey", "import")} <= set(paths)
    for path, sub in walk(parser):
        text = sub.format_help()
        assert text.startswith("用法："), (path, text[:80])
        assert "选项" in text and "显示本帮助并退出" in text, path
        for action in sub._actions:  # each option's own line is translated, not only the headings
            if action.help and action.option_strings and action.option_strings[0] != "-h":
                assert has_cjk(translate(action.help)), (path, action.option_strings, action.help)


def test_the_console_script_speaks_chinese_and_english():
    zh = cli("--help", env=ZH)
    assert zh.returncode == 0 and "用法：ruralenv" in zh.stdout and "分析您自己的图层" in zh.stdout
    sub = cli("run", "--help", env={"LANG": "C.UTF-8", "RURALENV_LANG": "zh"})
    assert "输出文件夹" in sub.stdout and "覆盖一项设置" in sub.stdout
    en = cli("run", "--help", env=EN)
    assert en.stdout.startswith("usage: ruralenv run") and "output folder" in en.stdout
    assert not has_cjk(en.stdout.replace("盟/市", "")), en.stdout


def test_allowed_values_show_the_chinese_names_beside_the_codes(zh):
    assert with_chinese_names("transfer_station, town_treatment") == "垃圾转运站 transfer_station、苏木乡镇处理设施 town_treatment"
    run = " ".join(dict(walk(build_parser()))[("run",)].format_help().split())
    assert "垃圾转运站 transfer_station" in run and "旗县 county、按盟市 league" in run
    proc = cli("run", "--out", "x", "--surface", "nowhere", env=ZH)
    assert proc.returncode == 2 and "无效的选项 'nowhere'" in proc.stderr
    assert "垃圾转运站 'transfer_station'" in proc.stderr


@pytest.fixture(scope="module")
def layers():
    return {k: gpd.read_file(SAMPLE, layer=k) for k in ("villages", "roads", "facilities", "towns")}


def _fails_in_chinese(tmp_path, args, *expected: str) -> list[str]:
    proc = cli("run", *args, "--out", str(tmp_path / "out"), "-q", "--set", f"cache_dir={tmp_path / 'c'}", env=ZH)
    assert proc.returncode == 2, proc.stderr
    lines = assert_chinese_errors(proc.stderr)
    for text in expected:
        assert text in proc.stderr, proc.stderr
    assert not (tmp_path / "out").exists()
    return lines


def test_every_input_error_of_the_bad_input_tests_is_chinese(tmp_path, layers):
    """The CLI failures of tests/core/test_bad_inputs.py, in Chinese."""
    v = layers["villages"].drop(columns=["county_code"])
    _fails_in_chinese(tmp_path / "a", write(tmp_path, layers, villages=v), "[图层 villages]", "缺少必填字段“county_code”")
    _fails_in_chinese(tmp_path / "b", write(tmp_path, layers, facilities=layers["facilities"].iloc[:0]),
                      "[图层 facilities]", "facilities图层为空")
    v = layers["villages"].copy()
    v.loc[3, "geometry"] = None
    v.loc[5, "village_code"] = v.loc[4, "village_code"]
    v["population"] = v["population"].astype(object)
    v.loc[7, "population"] = "约300"
    v.loc[8, "village_class"] = "城镇化类"
    lines = _fails_in_chinese(tmp_path / "c", write(tmp_path, layers, villages=v), "第4行 字段“geometry”：没有几何图形",
                              "第6行 字段“village_code”：代码", "第8行 字段“population”：“约300”不是数字",
                              "第9行 字段“village_class”：未知取值“城镇化类”；应为以下之一：")
    assert len(lines) == 4
    _fails_in_chinese(tmp_path / "d", ["--villages", str(tmp_path / "nope.gpkg"), "--roads", f"{SAMPLE}:roads"],
                      "nope.gpkg：文件不存在")
    csv = tmp_path / "villages.csv"
    csv.write_text("村代码,村名,旗县代码\n1,甲村,150622\n", encoding="utf-8")
    _fails_in_chinese(tmp_path / "e", ["--villages", str(csv), "--roads", f"{SAMPLE}:roads"], "是没有坐标的表格")
    _fails_in_chinese(tmp_path / "f", ["--villages", f"{SAMPLE}:villages", "--roads", f"{SAMPLE}:roads",
                                       "--set", "no_such_setting=1"], "未知设置“no_such_setting”")
    bad = tmp_path / "bad.toml"
    bad.write_text('[inputs]\nroads = "x.gpkg"\n', encoding="utf-8")
    _fails_in_chinese(tmp_path / "g", [str(bad)], "[inputs] 缺少 villages")
    _fails_in_chinese(tmp_path / "h", [], "缺少输入图层：--villages, --roads")


def test_templates_have_chinese_headers_and_read_back_through_run_unchanged(tmp_path):
    files = write_templates(tmp_path / "tpl")
    assert set(files) >= {"villages", "roads", "facilities", "towns", "plan.toml"}
    header = (tmp_path / "tpl" / "villages.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header[:3] == ["村代码", "村名", "旗县代码"] and header[-2:] == ["经度", "纬度"]
    assert "几何WKT" in (tmp_path / "tpl" / "roads.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    common = ["--no-map", "-q", "--set", f"cache_dir={tmp_path / 'c'}"]
    proc = cli("run", str(files["plan.toml"]), "--out", str(tmp_path / "a"), *common, env=ZH)
    assert proc.returncode == 0, proc.stderr
    proc = cli("demo", "--out", str(tmp_path / "b"), *common, env=EN)
    assert proc.returncode == 0, proc.stderr
    a, b = (json.loads((tmp_path / d / "summary.json").read_text(encoding="utf-8")) for d in "ab")
    assert a["counties"] == b["counties"] and a["counts"] == b["counts"] and a["region"] == b["region"]
    empty = write_templates(tmp_path / "empty", empty=True)
    assert (tmp_path / "empty" / "facilities.csv").read_text(encoding="utf-8-sig").startswith("设施类型,")
    assert len(empty) == len(files)


def test_progress_lines_are_chinese(tmp_path):
    proc = cli("demo", "--out", str(tmp_path / "o"), "--no-map", "--set", f"cache_dir={tmp_path / 'c'}", env=ZH)
    assert proc.returncode == 0, proc.stderr
    stages = [ln.split("] ", 1)[1] for ln in proc.stderr.splitlines() if ln.startswith("[")]
    assert stages[:3] == ["读取输入", "坐标系", "构建路网"] and all(has_cjk(s) for s in stages), stages
    assert "计算坐标系：" in proc.stderr and "结果图层 results.gpkg" in proc.stdout


def test_the_compiled_catalogue_matches_its_source():
    from babel.messages.pofile import read_po
    from ruralenv.core.base.i18n import LOCALE_DIR

    with (LOCALE_DIR / "zh_CN/LC_MESSAGES/ruralenv.po").open("rb") as f:
        po = {m.id: m.string for m in read_po(f) if m.id and m.string}
    assert po == catalogue("zh"), "run python scripts/i18n.py compile"


def test_round_3_messages_are_chinese(tmp_path):
    """The messages of issue 23 (misspelt TOML, --out a file, a missing field's Chinese names) in Chinese."""
    toml = tmp_path / "plan.toml"
    toml.write_text(f'[inputs]\nvillages = "{SAMPLE}:villages"\nroads = "{SAMPLE}:roads"\n[setting]\nd_station_m = 1\n',
                    encoding="utf-8")
    proc = cli("run", str(toml), "--out", str(tmp_path / "o"), env=ZH)
    assert proc.returncode == 2 and "未知的表 [setting]；是否应为 [settings]？" in proc.stderr
    assert_chinese_errors(proc.stderr)
    target = tmp_path / "file"
    target.write_text("x")
    proc = cli("run", "--villages", f"{SAMPLE}:villages", "--roads", f"{SAMPLE}:roads", "--out", str(target), env=ZH)
    assert proc.returncode == 2 and "是已有的文件，不是文件夹" in proc.stderr
    csv = tmp_path / "villages.csv"
    csv.write_text("名称,经度,纬度\n甲村,111.10,39.80\n", encoding="utf-8")
    proc = cli("run", "--villages", str(csv), "--roads", f"{SAMPLE}:roads", "--out", str(tmp_path / "o"), env=ZH)
    assert proc.returncode == 2 and "缺少必填字段“village_code”（中文字段名：村代码" in proc.stderr
    assert_chinese_errors(proc.stderr)
