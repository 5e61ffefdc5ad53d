"""The headline shows the plan's four targets; the bundled sample's demo is quiet about its own data."""
from __future__ import annotations

import json
import subprocess
import sys

import openpyxl

CLI = [sys.executable, "-c", "import sys; from ruralenv.core.cli.main import main; sys.exit(main())"]


def test_demo_shows_all_four_targets_and_no_warning_about_its_own_toilet_target(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([*CLI, "demo", "--out", str(out), "--no-map", "-q", "--set", f"cache_dir={tmp_path / 'c'}"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    county = json.loads((out / "summary.json").read_text(encoding="utf-8"))["counties"][0]
    lines = proc.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if "生活污水治理率%" in line)
    assert all(w in lines[head] for w in ("2023≥26%", "2025≥32%", "分区目标", "卫生厕所普及率%", "尚需改厕户"))
    row = lines[head + 1]
    assert row.startswith("准格尔旗") and f"{county['sewage_rate_pct']:.1f}" in row
    assert f"{county['toilet_rate_pct']:.1f}" in row and f"{county['toilets_needed']:,}" in row
    assert "垃圾收运覆盖率%" in proc.stdout and "通硬化路率%" in proc.stdout
    assert "region_households_lacking_toilet" not in proc.stderr  # the sample carries the region's figure
    assert 0 < county["toilets_target_2025"] <= county["toilets_needed"]
    sheet = openpyxl.load_workbook(out / "report.xlsx")["污水厕所 苏木乡镇 sanitation town"]
    head_en = [c.value for c in sheet[2]]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    target = head_en.index("share of 2025 new-toilet target")
    lacking = head_en.index("households still without a sanitary toilet")
    assert rows and all(isinstance(r[target], int) and 0 <= r[target] <= r[lacking] for r in rows)
