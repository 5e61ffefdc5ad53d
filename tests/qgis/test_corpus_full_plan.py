"""A sample of the bad-input corpus (tests/core/corpus.py) through the full_plan algorithm (issue 12, item 6).

Each file runs or stops with a QgsProcessingException whose message reaches the log, as the case expects
(the exit code the command line gives it: 0 runs, 2 refused; no expectation: either); no other exception
(the Python error dialog in QGIS) may escape.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import uri

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from corpus import Case, make_corpus, write_base  # noqa: E402

pytestmark = pytest.mark.usefixtures("qgis_app")

#: Cases always in the sample (the rest: every sixth file of the corpus).
ALWAYS = ("roads_osm_extract", "villages_all_swapped_gpkg", "villages_latitude_95_gpkg", "counties_bowtie_gpkg",
          "roads_one_vertex_line", "villages_header_only_gpkg", "gpkg_truncated", "shp_gbk_no_cpg",
          "facilities_unknown_type_gpkg", "roads_100k_duplicated_segments", "villages_mixed_geometry_gpkg")


def _source(case: Case) -> str:
    if case.layer:
        return uri(case.path, case.layer)
    return str(case.path)


def _sample(cases: list[Case]) -> list[Case]:
    runnable = [c for c in cases if c.kind != "survey"]
    return [c for i, c in enumerate(runnable) if c.name in ALWAYS or i % 6 == 0]


def test_a_sample_of_the_corpus_through_full_plan_never_raises_anything_but_a_processing_error(tmp_path):
    import processing
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    class Log(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.errors: list[str] = []

        def reportError(self, text, fatalError=False):  # noqa: N802, N803 (QGIS API)
            super().reportError(text, fatalError)
            self.errors.append(text)

    cases = make_corpus(tmp_path / "files")
    base = {k: uri(Path(v.split(":")[0]), k) for k, v in write_base(tmp_path).items()}
    sample = _sample(cases)
    assert len(sample) >= 40 and set(ALWAYS) <= {c.name for c in sample}
    failures, outcomes = {}, {"ok": 0, "error": 0}
    for case in sample:
        log = Log()
        params = {k.upper(): v for k, v in {**base, case.kind: _source(case)}.items()}
        params.update({f"OUTPUT_{n}": "TEMPORARY_OUTPUT" for n in ("VILLAGES", "ROADS", "FACILITIES", "COUNTIES",
                                                                   "UNREACHABLE")})
        try:
            processing.run("ruralenv:full_plan", params, feedback=log)
            outcomes["ok"] += 1
            if case.expect == 2:  # the command line refuses this file: so must the algorithm
                failures[case.name] = "ran, where the command line exits 2"
        except QgsProcessingException as exc:
            outcomes["error"] += 1
            if not (log.errors or str(exc).strip()):
                failures[case.name] = "a processing error without a message"
            if case.expect == 0:  # the command line runs this file: so must the algorithm
                failures[case.name] = f"refused, where the command line runs: {exc}"
        except Exception as exc:  # noqa: BLE001 - would be QGIS's Python error dialog
            failures[case.name] = f"{type(exc).__name__}: {exc}"
    assert not failures, failures
    assert {c.expect for c in sample} >= {0, 2}, "the sample holds files expected to run and to be refused"
    assert outcomes["ok"] and outcomes["error"], outcomes
