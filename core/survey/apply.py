"""``apply_status``: next year's villages — the run's input villages with the field observations applied.

Reads the villages the run read (``inputs.villages`` of the summary.json beside RESULTS.gpkg), applies
every ``ok`` observation of ``village_status_updates`` and every accepted ``village_location_updates``
row, resolves conflicts by ``take`` (``latest``: the later ``survey_date``; ``none``: left unchanged and
listed), and writes one GeoPackage: layer ``villages`` (first, so ``ruralenv run --villages FILE`` reads
it), layer ``audit`` (one row per value changed: village, field, old, new, surveyor, date, source file
and its SHA-256) and table ``metadata`` (``data_year``, the sources). RESULTS.gpkg and the input files
are only read.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ..base import files, glossary, schema, values
from ..base._errors import ConfigError
from ..base.config import LayerSpec
from ..base.files import write_atomically
from ..io.read import TABLE_SUFFIXES, read_layer
from . import store
from ._fields import NO, UPDATES_LAYER, YES
from .safety import refuse

TAKE_CHOICES = ("none", "latest")
ACCEPTED_WORDS = ("accepted", "accept", "ok", "yes", "接受", "已接受", "采纳", "同意", "是")
AUDIT_COLUMNS = ["village_code", "village_name", "field", "old_value", "new_value", "surveyor", "survey_date",
                 "source_file", "file_sha256", "how"]


@dataclass
class ApplyReport:
    """What :func:`apply_status` wrote.

    Attributes
    ----------
    out : Path
    data_year : int
    changes : int
        Values changed (rows of ``audit``).
    villages : int
    conflicts_taken, conflicts_left : int
        Conflicting village fields resolved by ``take=latest`` / left unchanged.
    moved : int
        Villages moved to an accepted surveyed position.
    source : str
        The input villages read.
    notes : list of str
    """

    out: Path
    data_year: int
    changes: int
    villages: int
    conflicts_taken: int
    conflicts_left: int
    moved: int
    source: str
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Summary lines, Chinese first."""
        return [f"{self.data_year}年村庄图层已写出 villages of {self.data_year} written: {self.out} "
                f"({self.villages}个村 villages, 读自 from {self.source})",
                f"  改动 changes {self.changes} ({glossary.zh('audit_trail')}见 audit 图层 see layer audit); 位置更新 moved {self.moved}; "
                f"冲突取最新 conflicts taken {self.conflicts_taken}; 冲突未改 conflicts left {self.conflicts_left}",
                *[f"  {n}" for n in self.notes],
                f"  下一步 next: ruralenv run --villages {self.out}:villages … --set data_year={self.data_year}"]


def apply_status(results: str | Path, out: str | Path, year: int | None = None, take: str = "none") -> ApplyReport:
    """Write next year's villages with the field observations applied.

    Parameters
    ----------
    results : path
        RESULTS.gpkg holding ``village_status_updates`` (and optionally ``village_location_updates``).
    out : path
        The GeoPackage to write (``villages_YEAR.gpkg``).
    year : int, optional
        ``data_year`` of the new villages; default: the year of the latest survey date applied, else this year.
    take : str
        ``none`` (conflicts left unchanged and listed) or ``latest`` (the later survey date wins).

    Returns
    -------
    ApplyReport

    Raises
    ------
    InputError
        When RESULTS.gpkg, its summary.json or the run's input villages cannot be read, or ``out`` is one of them.
    ConfigError
        For an unknown ``take`` or a year out of range.
    """
    results, out = Path(results), Path(out)
    if take not in TAKE_CHOICES:
        raise ConfigError(f"--take 须为 none 或 latest must be none or latest, not {take!r}")
    if year is not None and not 2000 <= int(year) <= 2100:
        raise ConfigError(f"--year {year} 不合理 is not a plausible year (2000–2100)")
    spec, sha = run_villages_source(results)
    if out.resolve() in (results.resolve(), spec.path.resolve()):
        raise refuse(out, "会覆盖输入文件，请写到新文件 would overwrite an input; write next year's villages to a new file")
    villages, notes = read_input_villages(spec, sha)
    updates = store.read_table(results, UPDATES_LAYER, ["village_code", "field", "observed_value", "surveyor",
                                                        "survey_date", "source_file", "file_sha256", "status",
                                                        "src_row"])
    chosen, taken, left = choose_observations(updates, take)
    notes += _coverage_notes(updates, chosen, villages)
    audit = apply_observations(villages, chosen)
    moved = _apply_locations(villages, results, audit)
    data_year = int(year) if year is not None else _default_year(chosen)
    meta = pd.DataFrame({"key": ["data_year", "results", "villages_source", "villages_sha256", "take", "written_at"],
                         "value": [str(data_year), str(results.resolve()), str(spec), sha, take,
                                   datetime.now(timezone.utc).isoformat(timespec="seconds")]})
    write_atomically(out.parent, {out.name: lambda p: _write(p, villages, audit, meta)})
    if left:
        notes.append(f"{left}处冲突未改，见 village_status_updates（status=conflict）或用 --take latest; "
                     f"{left} conflicting fields left unchanged")
    return ApplyReport(out, data_year, len(audit), len(villages), taken, left, moved, str(spec), notes)


def run_villages_source(results: Path) -> tuple[LayerSpec, str]:
    """The villages input of the run that wrote RESULTS.gpkg and its recorded SHA-256 (from summary.json)."""
    if not results.is_file():
        raise refuse(results, "成果 GeoPackage 不存在，请先运行分析 results GeoPackage does not exist; run the analysis first (ruralenv run)")
    summary = results.with_name("summary.json")
    try:
        doc = json.loads(summary.read_text(encoding="utf-8"))
        source = doc["inputs"]["villages"]
    except (OSError, ValueError, KeyError, TypeError):
        raise refuse(summary, "无法确定本次运行读取的村庄文件 cannot tell which villages the run read (summary.json beside RESULTS.gpkg is missing "
                              "or has no inputs.villages); keep summary.json with results.gpkg") from None
    return LayerSpec.parse(source["source"]), str(source.get("sha256", ""))


def read_input_villages(spec: LayerSpec, sha: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The run's input villages as they are in the file (columns and values untouched, tables as points)."""
    notes = []
    if not spec.path.exists():
        raise refuse(spec.path, "本次运行读取的村庄文件已不存在 the run's villages file no longer exists; put it back or run again")
    if sha and files.sha256_of(spec.path) != sha:
        notes.append(f"注意 note: {spec.path.name} 在运行后已改变 changed since the run; its current content is used")
    if spec.path.suffix.lower() in TABLE_SUFFIXES:
        gdf = read_layer(spec, "villages").gdf.drop(columns=["src_row", "issues"], errors="ignore")
    else:
        gdf = pyogrio.read_dataframe(spec.path, layer=spec.layer)
    return gdf.reset_index(drop=True), notes


def canonical_columns(columns: list) -> dict[str, str]:
    """Villages contract name → the column of the input holding it (aliases as the run reads them)."""
    wanted = set(schema.REQUIRED["villages"]) | set(schema.OPTIONAL["villages"])
    out: dict[str, str] = {}
    for col in columns:
        key = str(col).strip().lower()
        canon = key if key in wanted else schema.ALIASES.get(key) or schema.ALIASES.get(str(col).strip())
        if canon and canon not in out:
            out[canon] = col
    return out


def choose_observations(updates: pd.DataFrame, take: str) -> tuple[pd.DataFrame, int, int]:
    """One observation per village and field: ``ok`` ones, and conflicts by ``take``.

    Returns
    -------
    (DataFrame, int, int)
        The chosen observations, conflicts resolved, conflicts left.
    """
    live = updates[updates["status"].isin(["ok", "conflict"])].copy()
    live["survey_date"] = live["survey_date"].astype(str)
    live = live.sort_values(["survey_date", "src_row"], kind="stable")
    keys = ["village_code", "field"]
    clash = (live["status"] == "conflict").groupby([live[k] for k in keys]).transform("any").astype(bool)
    n_clash = int(live[clash].drop_duplicates(keys).shape[0])
    if take == "none":
        live = live[~clash]
    return live.drop_duplicates(keys, keep="last"), (n_clash if take == "latest" else 0), \
        (n_clash if take == "none" else 0)


def _column_values(series: pd.Series, texts: np.ndarray, kind: str) -> np.ndarray:
    """Observed values (text) in the representation of the column they go into."""
    if kind == "count":
        num = pd.to_numeric(pd.Series(texts), errors="coerce").to_numpy(float)
        return num.astype(object) if pd.api.types.is_float_dtype(series) else num.astype(np.int64).astype(object)
    if kind != "yes_no":
        return texts.astype(object)
    flag = texts == YES
    if pd.api.types.is_bool_dtype(series):
        return flag.astype(object)
    if pd.api.types.is_numeric_dtype(series):
        return flag.astype(np.int64).astype(object)
    sample = next((v for v in series if not values.is_missing(v)), None)
    if sample is not None and str(sample) not in (YES, NO) and values.yes_no(sample, strict=False) is not None:
        words = ("1", "0") if str(sample).strip() in ("0", "1") else ("true", "false")
    else:
        words = (YES, NO)
    return np.where(flag, words[0], words[1]).astype(object)


_KIND_OF = {"households": "count", "resident_population": "count", "sanitary_toilet_households": "count",
            "sewage_treated": "yes_no", "waste_collected": "yes_no", "road_surface": "text"}


def apply_observations(villages: gpd.GeoDataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """Write the chosen observations into ``villages`` (in place); the audit rows of the values changed."""
    cols = canonical_columns(list(villages.columns))
    code_col = cols.get("village_code", "village_code")
    row_of = pd.Series(np.arange(len(villages)), index=values.text(villages[code_col]).str.strip().to_numpy())
    row_of = row_of[~row_of.index.duplicated()]
    names = villages[cols["name"]].to_numpy(dtype=object) if "name" in cols else np.full(len(villages), None)
    audits = []
    for target, group in chosen.groupby("field", sort=False):
        col = cols.get(str(target), str(target))
        before = villages[col] if col in villages else pd.Series([None] * len(villages), dtype=object)
        rows = group["village_code"].astype(str).map(row_of)
        group, rows = group[rows.notna().to_numpy()], rows.dropna().to_numpy(dtype=np.int64)
        new = _column_values(before, group["observed_value"].astype(str).to_numpy(), _KIND_OF.get(str(target), "text"))
        column = before.to_numpy(dtype=object).copy()
        old = column[rows]
        missing = pd.isna(pd.Series(old)).to_numpy()
        changed = missing | (pd.Series(old).astype(str).to_numpy() != pd.Series(new).astype(str).to_numpy())
        column[rows[changed]] = new[changed]
        villages[col] = _typed(column, before)
        g = group[changed]
        audits.append(pd.DataFrame({
            "village_code": g["village_code"].to_numpy(), "village_name": names[rows[changed]], "field": col,
            "old_value": [None if m else str(o) for m, o in zip(missing[changed], old[changed], strict=True)],
            "new_value": pd.Series(new[changed]).astype(str).to_numpy(), "surveyor": g["surveyor"].to_numpy(),
            "survey_date": g["survey_date"].to_numpy(), "source_file": g["source_file"].to_numpy(),
            "file_sha256": g["file_sha256"].to_numpy(), "how": "survey status"}))
    return pd.concat(audits, ignore_index=True) if audits else pd.DataFrame(columns=AUDIT_COLUMNS)


def _typed(column: np.ndarray, before: pd.Series) -> pd.Series:
    """``column`` back in the dtype the input had, where its values allow it."""
    out = pd.Series(column, index=before.index)
    if before.dtype != object:
        try:
            return out.astype(before.dtype)
        except (TypeError, ValueError):
            return out.astype("Int64") if pd.api.types.is_integer_dtype(before) else out
    return out


def _apply_locations(villages: gpd.GeoDataFrame, results: Path, audit: pd.DataFrame) -> int:
    """Move villages to accepted ``village_location_updates`` positions; audit rows appended in place."""
    if store.UPDATES_LAYER not in store.layer_names(results):
        return 0
    moves = pyogrio.read_dataframe(results, layer=store.UPDATES_LAYER)
    moves = moves[moves["status"].astype(str).str.strip().str.lower().isin(ACCEPTED_WORDS)]
    if moves.empty or villages.crs is None:
        return 0
    moves = moves.to_crs(villages.crs)
    code_col = canonical_columns(list(villages.columns)).get("village_code", "village_code")
    row_of = {c: i for i, c in enumerate(values.text(villages[code_col]).str.strip()) if c}
    geoms = villages.geometry.to_numpy().copy()
    n = 0
    for r in moves.itertuples():
        i = row_of.get(str(r.village_code))
        if i is None:
            continue
        old = geoms[i]
        geoms[i] = r.geometry
        n += 1
        audit.loc[len(audit)] = [r.village_code, r.village_name, "geometry", shapely.to_wkt(old, rounding_precision=7),
                                 shapely.to_wkt(r.geometry, rounding_precision=7), None, None, r.source_file,
                                 r.import_sha256, "accepted location update"]
    villages[villages.geometry.name] = gpd.GeoSeries(geoms, index=villages.index, crs=villages.crs)
    return n


def _coverage_notes(updates: pd.DataFrame, chosen: pd.DataFrame, villages: gpd.GeoDataFrame) -> list[str]:
    """Say when nothing was imported, and how many observations name villages the input does not hold."""
    if updates.empty:
        return ["注意 note: results.gpkg 中没有调查值 holds no observations (ruralenv survey import first); "
                "villages written unchanged"]
    code_col = canonical_columns(list(villages.columns)).get("village_code", "village_code")
    codes = set(values.text(villages[code_col]).str.strip().dropna())
    missing = int((~chosen["village_code"].astype(str).isin(codes)).sum())
    return [f"注意 note: {missing}个调查值的村庄不在输入村庄图层中，未应用 observations of villages the input "
            f"does not hold were not applied: {missing}"] if missing else []


def _default_year(chosen: pd.DataFrame) -> int:
    days = pd.to_datetime(chosen["survey_date"], errors="coerce").dropna()
    return int(days.max().year) if len(days) else date.today().year


def _write(path: Path, villages: gpd.GeoDataFrame, audit: pd.DataFrame, meta: pd.DataFrame) -> None:
    pyogrio.write_dataframe(villages, path, layer="villages", driver="GPKG")
    pyogrio.write_dataframe(audit.astype(object).where(audit.notna(), None), path, layer="audit", driver="GPKG")
    pyogrio.write_dataframe(meta, path, layer="metadata", driver="GPKG")

