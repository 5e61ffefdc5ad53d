"""``import_status``: returned village status forms → checked observations in ``village_status_updates``.

Each filled observation field of each row becomes one observation: the village, the villages field it
changes, the value the team saw (``old_value``), the value observed, who and when, the file and its
SHA-256, and its ``status``: ``ok``; ``rejected`` with the reason (unknown village, not a whole number ≥ 0,
sanitary toilets above households, a value not in the list, a missing or implausible date); or
``conflict`` when two returns disagree on one village's field (each listed with the other values).

Every file is checked and read before anything is written (a hostile or unreadable file stops the
import and nothing lands). The layer is rewritten on a copy of RESULTS.gpkg that replaces it atomically,
and the GeoPackage's folder lock is held from reading what was imported before (a file imported once is
skipped) to the commit.
"""
from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio

from ..base import glossary, values
from ..base._errors import InputError
from ..base.files import write_atomically
from ..base.progress import NullProgress, Progress, check_cancel
from . import store
from ._fields import EARLIEST_DATE, MAX_OF, NO, OBS_FIELDS, UPDATES_LAYER, YES, surface_vocabulary
from ._returns import is_status_return, read_return
from .villages import VILLAGES_LAYER, load_villages

__all__ = ["PreparedStatus", "StatusFileReport", "StatusReport", "commit_status", "import_status", "is_status_return",
           "mark_conflicts", "observations", "read_status"]

STATUSES = ("ok", "rejected", "conflict")
#: Rejected or conflicting observations shown per file in the report (all are in the layer).
EXAMPLES = 5
COLUMNS = ["village_code", "field", "form_field", "old_value", "observed_value", "surveyor", "survey_date", "remarks",
           "photo", "source_file", "src_row", "file_sha256", "status", "reason", "imported_at"]


@dataclass
class StatusFileReport:
    """Observations of one returned form.

    Attributes
    ----------
    file, sha256, format : str
    status : str
        ``imported`` or ``skipped`` (imported before).
    rows : int
        Rows with at least one observation.
    counts : dict
        Observations per status.
    """

    file: str
    sha256: str
    format: str
    status: str = "imported"
    rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Summary lines, Chinese first."""
        name = Path(self.file).name
        if self.status == "skipped":
            return [f"{name}: 已导入过，跳过 already imported (sha256 {self.sha256[:12]}…); skipped"]
        c = self.counts
        return [f"{name} [{self.format}, {glossary.bilingual('status_form')}]: {self.rows}行 rows, "
                f"{glossary.zh('observed_value')} observations {sum(c.values())} = 有效 ok {c.get('ok', 0)} + 退回 rejected "
                f"{c.get('rejected', 0)} + 冲突 conflict {c.get('conflict', 0)}", *self.examples]


@dataclass
class StatusReport:
    """Outcome of :func:`import_status`."""

    into: Path
    files: list[StatusFileReport]
    written: bool

    def lines(self) -> list[str]:
        """Per-file lines and where the observations went."""
        out = [line for f in self.files for line in f.lines()]
        out.append(f"村庄现状调查值写入 observations written to {self.into}:{UPDATES_LAYER}" if self.written
                   else f"{self.into} 未改变 unchanged")
        return out


def import_status(files: Iterable[str | Path], into: str | Path, progress: Progress | None = None) -> StatusReport:
    """Import returned village status forms into RESULTS.gpkg.

    Parameters
    ----------
    files : iterable of path
        form.gpkg (edited), form.xlsx or CSV files with ``village_code`` and ``obs_*`` columns.
    into : path
        The results GeoPackage; receives the layer ``village_status_updates``.
    progress : Progress, optional

    Returns
    -------
    StatusReport

    Raises
    ------
    InputError
        Listing every file-level problem; nothing is written.
    """
    return commit_status(read_status(files, into, progress), progress)


@dataclass
class PreparedStatus:
    """Returned forms read and checked, not yet written (see :func:`read_status`)."""

    into: Path
    observations: pd.DataFrame
    reports: list[StatusFileReport]


def read_status(files: Iterable[str | Path], into: str | Path, progress: Progress | None = None) -> PreparedStatus:
    """Read and check returned forms without writing anything (the first half of :func:`import_status`).

    Raises
    ------
    InputError
        Listing every file-level problem.
    """
    progress = progress or NullProgress()
    into = Path(into)
    if into.exists():
        store.check_writable(into)
    load_villages(into)
    current = _current_values(into)
    vocab = surface_vocabulary(into)
    reports, frames, problems = [], [], []
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    for path in map(Path, files):
        check_cancel(progress)
        progress.stage(f"read {path.name}")
        try:
            table, sha, fmt = read_return(path)
        except InputError as exc:
            problems += exc.problems
            continue
        obs = observations(table, current, vocab)
        obs["source_file"], obs["file_sha256"], obs["imported_at"] = path.name, sha, now
        frames.append(obs)
        reports.append(StatusFileReport(str(path), sha, fmt, rows=int(obs["src_row"].nunique())))
    if problems:
        raise InputError(problems)
    new = pd.concat(frames, ignore_index=True)[COLUMNS] if frames else pd.DataFrame(columns=COLUMNS)
    return PreparedStatus(into, new, reports)


def commit_status(prepared: PreparedStatus, progress: Progress | None = None) -> StatusReport:
    """Write checked observations into RESULTS.gpkg (the second half of :func:`import_status`)."""
    progress = progress or NullProgress()
    check_cancel(progress)
    progress.stage("write")
    written = _commit(prepared.into, prepared.observations, prepared.reports)
    return StatusReport(prepared.into, prepared.reports, written)


def _current_values(results: Path) -> pd.DataFrame:
    """Current values of the villages (text, indexed by village_code) for the fields the form shows."""
    have = set(pyogrio.read_info(results, layer=VILLAGES_LAYER)["fields"])
    cols = sorted({f.current for f in OBS_FIELDS if f.current} & have)
    v = pyogrio.read_dataframe(results, layer=VILLAGES_LAYER, columns=["village_code", *cols], read_geometry=False)
    v["village_code"] = values.text(v["village_code"]).str.strip()
    v = v.dropna(subset=["village_code"]).drop_duplicates("village_code").set_index("village_code")
    for c in cols:
        if pd.api.types.is_bool_dtype(v[c]) or c in ("sewage_treated", "covered", "hardened_access"):
            v[c] = v[c].map(lambda b: None if values.yes_no(b, strict=False) is None
                            else YES if values.yes_no(b, strict=False) else NO)
        else:
            num = pd.to_numeric(v[c], errors="coerce")
            v[c] = [None if np.isnan(x) else f"{x:g}" for x in num]
    return v


# --- checks ---------------------------------------------------------------------------------------


def observations(table: pd.DataFrame, current: pd.DataFrame, vocab: tuple[str, ...]) -> pd.DataFrame:
    """One checked observation per filled ``obs_*`` cell of a returned form.

    Parameters
    ----------
    table : DataFrame
        The form's rows (from :func:`._returns.read_return`).
    current : DataFrame
        Current values by village_code (text).
    vocab : tuple of str
        Road surface values accepted.

    Returns
    -------
    DataFrame
        :data:`COLUMNS` except the file's own (``source_file``, ``file_sha256``, ``imported_at``).
    """
    t = table.copy()
    for c in ("village_code", "surveyor", "survey_date", "remarks", "photo"):
        if c not in t:
            t[c] = None
    codes = values.text(t["village_code"]).str.strip()
    day, day_reason = _dates(t["survey_date"])
    parts = []
    for f in OBS_FIELDS:
        if f.name not in t:
            continue
        raw = t[f.name]
        filled = raw.map(lambda v: not values.is_missing(v) and str(v).strip() != "").to_numpy(dtype=bool)
        if not filled.any():
            continue
        value, reason = _check_values(f.kind, raw[filled], vocab)
        part = pd.DataFrame({"village_code": codes[filled].to_numpy(dtype=object), "field": f.target,
                             "form_field": f.name, "observed_value": value, "reason": reason,
                             "surveyor": values.text(t["surveyor"])[filled].to_numpy(dtype=object),
                             "survey_date": day[filled], "remarks": values.text(t["remarks"])[filled].to_numpy(object),
                             "photo": values.text(t["photo"])[filled].to_numpy(dtype=object),
                             "src_row": t["src_row"][filled].to_numpy(dtype=np.int64)})
        part["reason"] = part["reason"].where(part["reason"].notna(), day_reason[filled])
        known = part["village_code"].isin(current.index)
        part.loc[~known & part["reason"].isna(), "reason"] = "村代码不在成果的村庄图层中 village_code is not in the villages " \
                                                             "of RESULTS.gpkg"
        cur = current[f.current] if f.current in current else pd.Series(dtype=object)
        part["old_value"] = part["village_code"].map(cur).astype(object)
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=[c for c in COLUMNS if c not in ("source_file", "file_sha256", "imported_at")])
    obs = pd.concat(parts, ignore_index=True)
    _check_toilets(obs, current)
    obs["status"] = np.where(obs["reason"].isna(), "ok", "rejected")
    return obs


def _check_values(kind: str, raw: pd.Series, vocab: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Normalised values (text) and the reason each is rejected (None when it is good)."""
    out = np.empty(len(raw), dtype=object)
    why = np.full(len(raw), None, dtype=object)
    if kind == "count":
        num = pd.to_numeric(raw.map(lambda v: str(v).strip().replace(",", "")), errors="coerce").to_numpy(float)
        for i, (v, x) in enumerate(zip(raw, num, strict=True)):
            out[i] = f"{x:g}" if np.isfinite(x) else str(v).strip()
            if not np.isfinite(x):
                why[i] = f"“{v}”不是数字 is not a number"
            elif x < 0:
                why[i] = f"{x:g}为负数 is negative"
            elif x != np.floor(x):
                why[i] = f"{x:g}不是整数 is not a whole number"
        return out, why
    lookup = {s.lower(): s for s in vocab}
    for i, v in enumerate(raw):
        text = str(v).strip()
        if kind == "yes_no":
            b = values.yes_no(text, strict=False)
            out[i] = text if b is None else YES if b else NO
            why[i] = f"“{text}”不是 是/否 is not yes/no" if b is None else None
        else:
            out[i] = lookup.get(text.lower(), text)
            why[i] = None if text.lower() in lookup else f"“{text}”不在路面类型列表中 is not a road surface of the list"
    return out, why


def _check_limits(obs: pd.DataFrame) -> None:
    for target, top in MAX_OF.items():
        rows = (obs["field"] == target) & obs["reason"].isna()
        num = pd.to_numeric(obs.loc[rows, "observed_value"], errors="coerce")
        over = num.index[num > top]
        obs.loc[over, "reason"] = [f"{num[i]:g}超出合理范围（≤{top}） is above {top}" for i in over]


def _check_toilets(obs: pd.DataFrame, current: pd.DataFrame) -> None:
    """Reject sanitary-toilet counts above the households (observed on the same row, else current)."""
    _check_limits(obs)
    toilets = obs[(obs["field"] == "sanitary_toilet_households") & obs["reason"].isna()]
    if toilets.empty:
        return
    seen = obs[(obs["field"] == "households") & obs["reason"].isna()]
    observed = dict(zip(zip(seen["village_code"], seen["src_row"], strict=True),
                        pd.to_numeric(seen["observed_value"]), strict=True))
    cur = pd.to_numeric(current["households"], errors="coerce") if "households" in current else pd.Series(dtype=float)
    for i, row in toilets.iterrows():
        homes = observed.get((row["village_code"], row["src_row"]), cur.get(row["village_code"], np.nan))
        n = float(row["observed_value"])
        if np.isfinite(homes) and n > homes:
            obs.at[i, "reason"] = f"卫生厕所户数{n:g}大于户数{homes:g} sanitary toilets exceed the households"


def _dates(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """ISO dates of ``survey_date`` and the reason a row's observations are rejected for its date."""
    out = np.full(len(raw), None, dtype=object)
    why = np.full(len(raw), None, dtype=object)
    today, earliest = date.today(), date.fromisoformat(EARLIEST_DATE)
    for i, v in enumerate(raw):
        d = _as_date(v)
        if values.is_missing(v) or str(v).strip() == "":
            why[i] = "缺少调查日期 survey_date is missing"
        elif d is None:
            why[i] = f"调查日期“{v}”无法识别 survey_date is not a date (YYYY-MM-DD)"
        elif not earliest <= d <= today:
            why[i] = f"调查日期{d.isoformat()}不合理 survey_date is implausible (before {EARLIEST_DATE} or after today)"
        out[i] = d.isoformat() if d is not None else None
    return out, why


def _as_date(v: object) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if values.is_missing(v):
        return None
    text = str(v).strip().replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat("-".join(p.zfill(2) for p in text[:10].split("-")))
    except ValueError:
        return None


# --- conflicts and the locked write ---------------------------------------------------------------


def mark_conflicts(obs: pd.DataFrame) -> None:
    """Set ``status`` to ``conflict`` (the other values in ``reason``) where returns disagree on a field.

    Rejected observations stay rejected; the others are ``ok`` unless another file or row observed a
    different value for the same village and field.
    """
    live = obs["status"] != "rejected"
    obs.loc[live, "status"] = "ok"
    obs.loc[live, "reason"] = None
    groups = obs[live].groupby(["village_code", "field"])["observed_value"].transform("nunique")
    clash = groups.index[groups > 1]
    for _, g in obs.loc[clash].groupby(["village_code", "field"]):
        for i in g.index:
            others = "; ".join(f"{r.observed_value}（{r.source_file} 第{r.src_row}行, {r.survey_date}, "
                               f"{r.surveyor or '—'}）" for r in g.drop(index=i).itertuples()
                               if r.observed_value != obs.at[i, "observed_value"])
            obs.at[i, "status"] = "conflict"
            obs.at[i, "reason"] = f"与其他调查值不一致 disagrees with: {others}"


class _NothingNew(Exception):
    """Every file was imported before: the GeoPackage is left as it is."""


def _commit(into: Path, new: pd.DataFrame, reports: list[StatusFileReport]) -> bool:
    def write(tmp: Path) -> None:
        stored = store.read_table(into, UPDATES_LAYER, COLUMNS)  # read under the folder lock
        done = set(stored["file_sha256"].astype(str))
        for r in reports:
            r.status = "skipped" if r.sha256 in done else "imported"
        fresh = new[~new["file_sha256"].isin(done)].drop_duplicates(["file_sha256", "src_row", "form_field"])
        if not any(r.status == "imported" for r in reports):
            raise _NothingNew
        both = pd.concat([stored[COLUMNS], fresh], ignore_index=True) if len(stored) else fresh.reset_index(drop=True)
        both["src_row"] = both["src_row"].astype(np.int64)
        mark_conflicts(both)
        for r in reports:
            mine = both[both["file_sha256"] == r.sha256]["status"].value_counts()
            r.counts = {s: int(mine.get(s, 0)) for s in STATUSES}
            bad = both[(both["file_sha256"] == r.sha256) & (both["status"] != "ok")].head(EXAMPLES)
            r.examples = [f"  第{b.src_row}行 row {b.src_row}, {b.form_field}: {b.status} — {b.reason}"
                          for b in bad.itertuples()]
        shutil.copyfile(into, tmp)
        shutil.copymode(into, tmp)
        pyogrio.write_dataframe(both.astype(object).where(both.notna(), None).astype(
            {"src_row": np.int64}), tmp, layer=UPDATES_LAYER, driver="GPKG")

    if not reports:
        return False
    store.check_writable(into)
    try:
        write_atomically(into.parent, {into.name: write})
    except _NothingNew:
        return False
    return True
