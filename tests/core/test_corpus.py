"""The corpus of bad and odd input files (issue 12, item 6) through every reader of ``run`` and ``survey import``.

Each file: exit 0 or 2 (the documented one where the corpus pins it), never an exception, every input row
accounted for (in an output layer or in rejects), and after a failed run the earlier outputs byte-identical.
Files whose default run fails on bad rows run again with ``on_bad_rows=reject``, which must account for them.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import shutil
import time
import traceback
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from corpus import Case, make_corpus, million_row_csv, write_base
from ruralenv.core.cli.main import main


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    cases = make_corpus(folder / "files")
    base = write_base(folder)
    return folder, cases, base


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _cli(args: list[str]) -> tuple[int | None, str, str | None]:
    """Exit code, stderr and the traceback of any exception that escaped the command."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(args)
    except BaseException:  # noqa: BLE001 - the point of the corpus: nothing may escape
        return None, err.getvalue(), traceback.format_exc()
    return code, err.getvalue(), None


def _run_args(case: Case, base: dict[str, str], out: Path, cache: Path, *sets: str) -> list[str]:
    specs = {**base, case.kind: case.spec}
    args = ["run", "--out", str(out), "-q", "--no-map", "--set", f"cache_dir={cache}"]
    for s in sets:
        args += ["--set", s]
    return args + sum(([f"--{k}", v] for k, v in specs.items()), [])


def _accounted(case: Case, out: Path) -> int:
    """Input rows of the replaced layer found in its output layer or among the rejected rows."""
    gpkg = out / "results.gpkg"
    rejects = pyogrio.read_dataframe(gpkg, layer="rejects", read_geometry=False)
    bad = rejects[(rejects["kind"] == case.kind) & (rejects["severity"] == "error")]["row"].dropna()
    layer = pyogrio.read_dataframe(gpkg, layer=case.kind, read_geometry=False)
    if case.kind == "counties":  # the counties layer keeps codes, not source rows
        return len(layer) + bad.nunique()
    return len(set(layer["src_row"].astype(int)) | set(bad.astype(int)))


def _survey_accounted(case: Case, gpkg: Path) -> int:
    names = [str(n) for n in pyogrio.list_layers(gpkg)[:, 0]]
    total = 0
    for layer in ("survey_points", "survey_rejects"):
        if layer in names:
            df = pyogrio.read_dataframe(gpkg, layer=layer, read_geometry=False, columns=["source_file"])
            total += int((df["source_file"] == case.path.name).sum())
    return total


def _check_failure(code: int, err: str, before: dict, after: dict) -> list[str]:
    problems = []
    if before != after:
        problems.append("earlier outputs changed by a failed run")
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    if not lines or not all(ln.startswith(("error:", "warning:")) or "problem(s)" in ln for ln in lines):
        problems.append(f"exit {code} without one line per problem: {err[-300:]!r}")
    return problems


def _check_run(case: Case, base, out: Path, cache: Path) -> list[str]:
    before = _digest(out)
    code, err, tb = _cli(_run_args(case, base, out, cache))
    if tb:
        return [f"exception escaped:\n{tb}"]
    problems = [] if code in (0, 2) else [f"exit code {code}"]
    if case.expect is not None and code != case.expect:
        problems.append(f"exit {code}, the corpus documents {case.expect}: {err[-400:]!r}")
    if code == 2:
        problems += _check_failure(code, err, before, _digest(out))
        if case.rows:
            code, err, tb = _cli(_run_args(case, base, out, cache, "on_bad_rows=reject"))
            if tb:
                return [*problems, f"exception escaped with on_bad_rows=reject:\n{tb}"]
            if code == 0 and _accounted(case, out) != case.rows:
                problems.append(f"reject mode: {_accounted(case, out)} of {case.rows} rows accounted for")
    elif code == 0 and case.rows is not None and _accounted(case, out) != case.rows:
        problems.append(f"{_accounted(case, out)} of {case.rows} rows accounted for")
    return problems


def _check_survey(case: Case, gpkg: Path) -> list[str]:
    before = hashlib.sha256(gpkg.read_bytes()).hexdigest()
    code, err, tb = _cli(["survey", "import", str(case.path), "--into", str(gpkg)])
    if tb:
        return [f"exception escaped:\n{tb}"]
    problems = [] if code in (0, 2) else [f"exit code {code}"]
    if case.expect is not None and code != case.expect:
        problems.append(f"exit {code}, the corpus documents {case.expect}: {err[-400:]!r}")
    if code == 2 and hashlib.sha256(gpkg.read_bytes()).hexdigest() != before:
        problems.append("RESULTS.gpkg changed by a failed import")
    if code == 0 and case.rows is not None and _survey_accounted(case, gpkg) != case.rows:
        problems.append(f"{_survey_accounted(case, gpkg)} of {case.rows} rows accounted for")
    return problems


def test_the_corpus_has_at_least_200_files_in_every_class(corpus):
    _, cases, _ = corpus
    assert len(cases) >= 200
    classes = pd.Series([c.klass for c in cases]).value_counts()
    assert len(classes) >= 15 and {c.kind for c in cases} == {*base_kinds(), "survey"}


def base_kinds() -> tuple[str, ...]:
    return ("villages", "roads", "facilities", "towns", "counties", "mines")


def test_every_corpus_file_through_run_exits_0_or_2_and_accounts_for_every_row(corpus, tmp_path):
    folder, cases, base = corpus
    out, cache = tmp_path / "out", tmp_path / "cache"
    code, err, tb = _cli(["run", "--out", str(out), "-q", "--no-map", "--set", f"cache_dir={cache}",
                          *sum(([f"--{k}", v] for k, v in base.items()), [])])
    assert code == 0 and tb is None, err + (tb or "")
    failures, t0 = {}, time.perf_counter()
    for case in (c for c in cases if c.kind != "survey"):
        problems = _check_run(case, base, out, cache)
        if problems:
            failures[case.name] = problems
    print(f"{sum(c.kind != 'survey' for c in cases)} run cases in {time.perf_counter() - t0:.1f} s")
    assert not failures, "\n".join(f"{k}: {'; '.join(v)}" for k, v in failures.items())


def test_every_survey_file_through_survey_import(corpus, tmp_path):
    folder, cases, base = corpus
    out = tmp_path / "out"
    code, err, tb = _cli(["run", "--out", str(out), "-q", "--no-map", "--set", f"cache_dir={tmp_path / 'c'}",
                          *sum(([f"--{k}", v] for k, v in base.items()), [])])
    assert code == 0, err + (tb or "")
    gpkg = tmp_path / "survey.gpkg"
    shutil.copy(out / "results.gpkg", gpkg)
    failures = {c.name: p for c in cases if c.kind == "survey" and (p := _check_survey(c, gpkg))}
    assert not failures, "\n".join(f"{k}: {'; '.join(v)}" for k, v in failures.items())


@pytest.mark.slow
def test_a_million_row_csv_runs_and_accounts_for_every_row(corpus, tmp_path):
    folder, _, base = corpus
    case = million_row_csv(tmp_path)
    out = tmp_path / "out"
    code, err, tb = _cli(_run_args(case, base, out, tmp_path / "cache"))
    assert tb is None and code == 0, err + (tb or "")
    assert _accounted(case, out) == case.rows
