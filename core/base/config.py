"""Run configuration: one frozen :class:`Config`, overridable from TOML and ``--set key=value``.

Every default cites where it comes from. The targets are the plan's own numbers
(内蒙古农村牧区人居环境整治提升五年行动实施方案（2021—2025年）): household waste collection–transfer–treatment
covering 50 % of administrative villages by 2023 and 60 % by 2025; larger natural villages connected by a
hardened road 83.5 % by 2023 and 85 % by 2025.
"""
from __future__ import annotations

import dataclasses
import difflib
import math
import numbers
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import tomllib

from ._errors import ConfigError

# OpenStreetMap vocabulary. The English values below are the ones documented on the OSM wiki pages
# Key:surface (https://wiki.openstreetmap.org/wiki/Key:surface) and Key:highway
# (https://wiki.openstreetmap.org/wiki/Key:highway), read November 2026; the Chinese values are the
# surface types and technical/administrative grades of Chinese road data (JTG B01 grades, 县道/乡道/村道).
# OSM joins several values with ';' (e.g. "paved;cobblestone"): io.classify_roads reads each part.

#: Surface values treated as hardened (matched case-insensitively, after trimming).
DEFAULT_HARDENED_SURFACES: tuple[str, ...] = (
    "沥青", "水泥", "混凝土", "硬化", "柏油", "沥青混凝土", "水泥混凝土", "砼", "铺装", "石板", "块石",
    "asphalt", "concrete", "paved", "paving_stones", "paving_stones:lanes", "sett", "concrete:plates",
    "concrete:lanes", "cobblestone", "chipseal", "metal", "metal_grid", "bricks", "tiles", "grass_paver",
    "rubber",
)
#: Surface values treated as not hardened.
DEFAULT_UNHARDENED_SURFACES: tuple[str, ...] = (
    "砂石", "沙石", "碎石", "砾石", "土路", "土", "泥结碎石", "草原路", "便道", "未硬化",
    "unpaved", "gravel", "fine_gravel", "compacted", "dirt", "earth", "ground", "grass", "sand", "mud",
    "pebblestone", "unhewn_cobblestone", "wood", "rock", "shells", "woodchips", "stepping_stones", "snow",
    "ice", "salt", "clay", "tartan", "artificial_turf", "acrylic", "carpet", "plastic",
)
#: OSM ``highway`` classes treated as hardened when a road has no surface value.
DEFAULT_HARDENED_HIGHWAYS: tuple[str, ...] = (
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
    "secondary_link", "tertiary", "tertiary_link", "高速公路", "国道", "省道", "县道",
    "高速", "一级", "一级公路", "二级", "二级公路", "三级", "三级公路",  # 技术等级 (JTG B01-2014), issue 27
)
#: OSM ``highway`` classes (and Chinese grades) a truck may use, treated as not hardened when a road has
#: no surface value.
DEFAULT_UNHARDENED_HIGHWAYS: tuple[str, ...] = (
    "track", "unclassified", "service", "residential", "living_street", "road", "emergency_bay",
    "passing_place", "rest_area", "services", "turning_loop", "turning_circle",
    "乡道", "村道", "机耕路", "专用公路", "等外公路",
    "四级", "四级公路", "等外",  # 技术等级 (JTG B01-2014), issue 27
)
#: OSM ``highway`` classes (and Chinese names) no waste truck can use: kept in the outputs with
#: ``collection_route`` false and, with ``exclude_non_truck_roads``, left out of the road graph.
DEFAULT_NON_TRUCK_HIGHWAYS: tuple[str, ...] = (
    "steps", "footway", "corridor", "elevator", "pedestrian", "path", "cycleway", "bridleway",
    "via_ferrata", "platform", "bus_guideway", "busway", "raceway", "escape", "construction", "proposed",
    "abandoned", "disused", "razed", "sidewalk", "crossing",
    "人行道", "步行道", "步道", "台阶", "自行车道", "绿道", "栈道",
)
#: Speed (km/h) per road class (OSM ``highway`` or Chinese grade) for time surfaces: design speeds of
#: 公路工程技术标准 JTG B01-2014 (expressway 100, class 1–2 80/60, class 3 40, class 4 30/20).
DEFAULT_SPEEDS_KMH: tuple[str, ...] = (
    "高速公路=100", "国道=80", "省道=60", "县道=40", "乡道=30", "村道=20", "机耕路=15", "专用公路=30",
    "等外公路=15", "motorway=100", "motorway_link=60", "trunk=80", "trunk_link=40", "primary=60",
    "primary_link=40", "secondary=60", "secondary_link=40", "tertiary=40", "tertiary_link=30",
    "unclassified=30", "residential=20", "living_street=10", "service=15", "road=20", "track=15",
)


@dataclass(frozen=True)
class Config:
    """Every setting of a run, with the plan's defaults.

    Attributes
    ----------
    node_tolerance_m : float
        Road ends closer than this are joined into one network node (digitising slop).
    max_snap_m : float
        A village farther than this from every road is flagged ``far_from_road`` and not assigned.
    access_radius_m : float
        A village has hardened access when a seat-connected hardened road is within this distance.
    larger_village_households, larger_village_population : int
        A natural village is "larger" (较大人口规模自然村) with at least this many households or people.
    d_station_m : float
        城乡一体化治理模式 needs a transfer station within this road distance of the village.
    d_haul_m : float
        ... and a county treatment facility within this road distance of that station.
    d_town_m : float
        苏木乡镇集中治理模式 needs a town treatment facility within this road distance.
    d_village_m : float
        A 村庄分散治理模式 village counts as covered with a village treatment facility this close.
    dispersed_radius_m, dispersed_pop : float, int
        A village is dispersed (人口分散) when fewer than ``dispersed_pop`` people live within
        ``dispersed_radius_m`` (straight line) of it, itself included.
    waste_kg_per_person_day : float
        Household waste generated per person per day, for the waste figures in ``model_reason``.
    mine_buffer_m : float
        Villages within this distance of a mine are counted and flagged.
    island_max_length_m : float
        A road component with no town seat and shorter than this is an isolated island.
    crs : str
        ``"auto"`` (CGCS2000 3° Gauss-Krüger zone by central longitude) or any CRS string, e.g. ``EPSG:32649``.
    crs_family : str
        With ``crs="auto"``: ``"gk3"`` (CGCS2000 3° Gauss-Krüger, default) or ``"utm"`` (WGS 84 UTM).
    on_bad_rows : str
        ``"fail"`` (default): any bad row stops the run with every problem listed (exit 2).
        ``"reject"``: bad rows go to the ``rejects`` layer and the run goes on.
    target_waste_2023, target_waste_2025, target_roads_2023, target_roads_2025 : float
        Plan targets as fractions.
    d_sewer_m : float
        城市近郊: a village within this straight-line distance of a sewer line, an urban area or a town
        wastewater plant has its sewage connected to the town sewer (就近纳入城镇污水管网).
    sewage_central_residents, sewage_small_residents : int
        §(七) thresholds on resident population (常住人口): 1000 and 300.
    sewage_central_min_tpd, sewage_small_tpd : float
        §(七) facility sizes: central plants of at least 20 t/d, small plants of about 5 t/d.
    sewage_size_step_tpd : float
        Central plants are sized up to a multiple of this (t/d) above the minimum.
    water_use_l_per_person_day : float
        Daily water use per resident (L), GB/T 51347-2019 §4.1.2 (Table 4.1.2), for design flow.
    sewage_discharge_coefficient : float
        Share of water use that becomes sewage, GB/T 51347-2019 §4.1.2: 0.4–0.8.
    concentrated_radius_m, concentrated_share : float
        A village lives concentrated (居住集中) when at least ``concentrated_share`` of the residents of
        its administrative village (itself and its natural villages) live within ``concentrated_radius_m``
        of the administrative village's point.
    target_sewage_2023, target_sewage_2025 : float
        生活污水治理率 targets: 26 % by 2023, about 32 % by 2025.
    target_sewage_priority, target_sewage_other : float
        2025 zone targets: 60 % in 沿黄流域 and around 一湖两海, 30 % elsewhere.
    target_toilets_2023, target_toilets_2025 : int
        New sanitary toilets for the whole region: 300,000 households by 2023, about 450,000 by 2025.
    region_households_lacking_toilet : int
        Households without a sanitary toilet in the whole region, to apportion the toilet targets; 0 means
        the input is the whole region (its own total is used).
    spatial_index_max_features : int
        Output layers with more features than this are written without a GeoPackage spatial index.
    cache_dir : str
        Where road graphs are cached; empty means ``$XDG_CACHE_HOME/ruralenv`` (``~/.cache/ruralenv``).
    use_cache : bool
        Reuse a cached road graph built from the same roads and settings.
    non_truck_highways : tuple of str
        Road classes no waste truck can use (OSM steps, footway, path, …).
    exclude_non_truck_roads : bool
        Leave roads of a ``non_truck_highways`` class out of the road graph (they stay in the roads output,
        ``collection_route`` false).
    surface_res_m : float
        Cell size of accessibility surfaces (``ruralenv surface``).
    surface_far : str
        Surface cells farther than ``max_snap_m`` from every road: ``"nodata"`` (default) or ``"offroad"``
        (priced by the off-road leg to the nearest road, like the others).
    surface_speeds_kmh : tuple of str
        ``class=km/h`` pairs for time surfaces; the class is the road's OSM ``highway`` or its grade.
    speed_hardened_kmh, speed_unhardened_kmh : float
        Speed of roads of no listed class (hardened / not); an unhardened road is never faster than
        ``speed_unhardened_kmh``.
    speed_offroad_kmh : float
        Speed of the off-road leg from a place to its nearest road in time surfaces (driving on pasture;
        an assumption, not from the plan).
    surface_zonal_km, surface_zonal_min : tuple of float
        Reach thresholds of the zonal statistics of distance (km) and time (minutes) surfaces.
    data_year : int
        Year the input data describe (``ruralenv survey apply`` records it in villages_YEAR.gpkg; ``ruralenv
        run --set data_year=2026``); 0 when not given. Recorded in summary.json with the other settings.
    tech_grade_from_highway : bool
        Roads without a 技术等级 take one from their OSM ``highway`` class (motorway→高速公路, trunk→一级,
        primary→二级, secondary→三级, tertiary→四级): an assumption, said in a warning. Off: unknown.
    target_town_class3_pct : float or None
        Target share (%) of township seats on a 三级 road network (§(十一) 提升苏木乡镇通三级公路率). The plan
        gives no number, so none by default (the report says so).
    cost_upgrade_class3_wan_per_km : float
        万元 per km to upgrade a road to 三级 (plan ``--only roads``). Default 300 (price year 2021) is a
        placeholder of this release, not taken from a published norm: widening a 四级 road (JTG B01-2014
        lane width 3.0–3.5 m, one or two lanes) to a 三级 road (two 3.25–3.5 m lanes) and paving it; set the
        county's own 概算 figure.
    capacity_aware : bool
        Assign villages to facilities within their ``capacity_tpd`` (an exact transportation problem, least
        total road distance); villages none can take fall to the next tier with the reason ``capacity``.
    recode_radius_m : float
        ``ruralenv monitor``: a village code that disappears while a new code of the same name appears this close
        is taken as recoded (行政区划代码调整), not as one village removed and another added.
    moved_m : float
        ``ruralenv monitor``: a village whose point moved more than this between two years is flagged ``moved``.
    cost_plant_fixed_wan, cost_plant_wan_per_tpd, cost_plant_scale_exp : float
        Capital cost of a sewage plant of Q t/d: F + a·Q^b 万元 (RuST_OM prices fitted to the SNIP form).
    opex_plant_wan_per_tpd_year : float
        Operation and maintenance, 万元 per t/d of capacity per year.
    cost_horizon_years : int
        Years of operation counted in a plan's total cost (capital + O&M × years).
    cost_pipe_wan_per_km : float
        Sewer pipe laid along roads, 万元 per km.
    pipe_route_factor : float
        A sewer connection's pipe is its straight-line distance to the town sewer times this.
    cost_sewer_connect_fixed_wan : float
        Fixed cost of one connection to the town sewer (manhole, pumping well).
    cost_resource_use_wan_per_household : float
        Sewage resource use (资源化利用) per household.
    cluster_max_pipe_m : float
        A village may join a shared plant (连片) when it lies within this road distance of another member.
    cost_toilet_flush_wan_per_household, cost_toilet_septic_wan_per_household, cost_toilet_dry_wan_per_household : float
        A sanitary toilet per household: flush into a sewer, septic tank (三格化粪池/双瓮), dry (粪尿分集/双坑交替).
    cost_station_wan : tuple of str
        ``facility_type=万元`` per new site of the siting plan.
    cost_paving_wan_per_km : tuple of str
        ``grade=万元/km`` (the road's ``grade`` or OSM ``highway``; ``default`` for any other road).
    """

    node_tolerance_m: float = 1.0
    max_snap_m: float = 2000.0
    access_radius_m: float = 500.0
    larger_village_households: int = 30
    larger_village_population: int = 100
    d_station_m: float = 20000.0
    d_haul_m: float = 80000.0
    d_town_m: float = 15000.0
    d_village_m: float = 5000.0
    dispersed_radius_m: float = 5000.0
    dispersed_pop: int = 1500
    waste_kg_per_person_day: float = 0.2
    mine_buffer_m: float = 2000.0
    island_max_length_m: float = 20000.0
    crs: str = "auto"
    crs_family: str = "gk3"
    on_bad_rows: str = "fail"
    target_waste_2023: float = 0.50
    target_waste_2025: float = 0.60
    target_roads_2023: float = 0.835
    target_roads_2025: float = 0.85
    d_sewer_m: float = 3000.0
    sewage_central_residents: int = 1000
    sewage_small_residents: int = 300
    sewage_central_min_tpd: float = 20.0
    sewage_small_tpd: float = 5.0
    sewage_size_step_tpd: float = 5.0
    water_use_l_per_person_day: float = 60.0
    sewage_discharge_coefficient: float = 0.6
    concentrated_radius_m: float = 1000.0
    concentrated_share: float = 0.8
    target_sewage_2023: float = 0.26
    target_sewage_2025: float = 0.32
    target_sewage_priority: float = 0.60
    target_sewage_other: float = 0.30
    target_toilets_2023: int = 300_000
    target_toilets_2025: int = 450_000
    region_households_lacking_toilet: int = 0
    hardened_surfaces: tuple[str, ...] = DEFAULT_HARDENED_SURFACES
    unhardened_surfaces: tuple[str, ...] = DEFAULT_UNHARDENED_SURFACES
    hardened_highways: tuple[str, ...] = DEFAULT_HARDENED_HIGHWAYS
    unhardened_highways: tuple[str, ...] = DEFAULT_UNHARDENED_HIGHWAYS
    spatial_index_max_features: int = 500_000
    cache_dir: str = ""
    use_cache: bool = True
    non_truck_highways: tuple[str, ...] = DEFAULT_NON_TRUCK_HIGHWAYS
    exclude_non_truck_roads: bool = True
    surface_res_m: float = 100.0
    surface_far: str = "nodata"
    surface_speeds_kmh: tuple[str, ...] = DEFAULT_SPEEDS_KMH
    speed_hardened_kmh: float = 40.0
    speed_unhardened_kmh: float = 20.0
    speed_offroad_kmh: float = 10.0
    surface_zonal_km: tuple[float, ...] = (5.0, 10.0, 20.0)
    surface_zonal_min: tuple[float, ...] = (15.0, 30.0, 60.0)
    # --- field loop (issue 26) and monitoring: the year of the data (0: not given) ---
    data_year: int = 0
    # --- Roads and waste as the plan states them (issue 27): 苏木乡镇通三级公路 §(十一), capacities §(九) ---
    tech_grade_from_highway: bool = False
    target_town_class3_pct: float | None = None
    cost_upgrade_class3_wan_per_km: float = 300.0
    capacity_aware: bool = False
    # --- monitoring the five-year programme (issue 25: ruralenv monitor): matching villages across years ---
    recode_radius_m: float = 500.0
    moved_m: float = 100.0
    # --- Plan costs (issue 24, ``ruralenv plan``): every unit cost in 万元 with its source and price year. ---
    # Plants: RuST_OM price table (rural China, CNY per t/d of capacity: 5 t/d ≈ 28,000, 20 t/d ≈ 7,500,
    # 100 t/d ≈ 3,500; prices about 2018) fitted to the SNIP form F + a·Q^b (Eggimann et al. 2015, b < 1:
    # economies of scale); the fit gives 2.57 / 0.87 / 0.33 万元 per t/d at 5 / 20 / 100 t/d (within 16 %).
    cost_plant_fixed_wan: float = 10.0
    cost_plant_wan_per_tpd: float = 0.9
    cost_plant_scale_exp: float = 0.7
    # O&M ≈ 1.4 元/m³ (住建部 rural guide range 0.5–2 元/m³ for small plants, 2019): weak, varies widely.
    opex_plant_wan_per_tpd_year: float = 0.05
    cost_horizon_years: int = 10
    # Gravity sewer DN200–300 HDPE laid in rural roads ≈ 500 元/m (RuST_OM pipe table, 2018): weak (terrain).
    cost_pipe_wan_per_km: float = 50.0
    pipe_route_factor: float = 1.3
    cost_sewer_connect_fixed_wan: float = 5.0
    # 资源化利用 (粪污收集, 小型庭院湿地): ≈ 800 元/户 (住建部 rural guide, 2019): weak.
    cost_resource_use_wan_per_household: float = 0.08
    cluster_max_pipe_m: float = 3000.0
    # Toilets per household (厕所革命 county programmes, 2019–2021 price level): weak, cold-region types cost more.
    cost_toilet_flush_wan_per_household: float = 0.5
    cost_toilet_septic_wan_per_household: float = 0.4
    cost_toilet_dry_wan_per_household: float = 0.3
    # Transfer station / treatment facility per site (rural 5–20 t/d stations, 2020): weak.
    cost_station_wan: tuple[str, ...] = ("transfer_station=120", "town_treatment=400", "village_treatment=40")
    # Paving per km by grade (四好农村路 4.5 m cement concrete ≈ 60 万元/km, 2020; wider grades more): weak.
    cost_paving_wan_per_km: tuple[str, ...] = ("县道=120", "乡道=80", "村道=60", "机耕路=60", "secondary=120",
                                               "tertiary=80", "unclassified=60", "track=60", "default=60")

    def __post_init__(self) -> None:
        """Check every setting's type and range; raise :class:`ConfigError` naming the first bad one."""
        for f in fields(self):
            _check_value(f.name, str(f.type), getattr(self, f.name))
        _check_crs(self.crs)
        if self.crs_family not in ("gk3", "utm"):
            raise ConfigError(f"crs_family must be 'gk3' or 'utm', got {self.crs_family!r}")
        if self.on_bad_rows not in ("fail", "reject"):
            raise ConfigError(f"on_bad_rows must be 'fail' or 'reject', got {self.on_bad_rows!r}")
        if self.surface_far not in ("nodata", "offroad"):
            raise ConfigError(f"surface_far must be 'nodata' or 'offroad', got {self.surface_far!r}")
        if min(self.surface_res_m, self.speed_hardened_kmh, self.speed_unhardened_kmh, self.speed_offroad_kmh) <= 0:
            raise ConfigError("surface_res_m and the speed_*_kmh settings must be > 0")
        for name in ("target_waste_2023", "target_waste_2025", "target_roads_2023", "target_roads_2025",
                     "target_sewage_2023", "target_sewage_2025", "target_sewage_priority", "target_sewage_other",
                     "sewage_discharge_coefficient", "concentrated_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise ConfigError(f"{name} is a fraction between 0 and 1, got {getattr(self, name)}")
        self._check_sanitation()
        if self.data_year and not 2000 <= self.data_year <= 2100:
            raise ConfigError(f"数据年份须在2000至2100之间 data_year must be a year 2000–2100 (or 0: not given), got {self.data_year}")
        if self.target_town_class3_pct is not None and not 0 <= self.target_town_class3_pct <= 100:
            raise ConfigError(f"target_town_class3_pct is a percentage between 0 and 100 (或留空 none), got "
                              f"{self.target_town_class3_pct}")

    def _check_sanitation(self) -> None:
        if not 0 < self.sewage_small_residents <= self.sewage_central_residents:
            raise ConfigError("sewage_small_residents must be > 0 and <= sewage_central_residents, got "
                              f"{self.sewage_small_residents} and {self.sewage_central_residents}")
        for name in ("sewage_central_min_tpd", "sewage_small_tpd", "sewage_size_step_tpd",
                     "water_use_l_per_person_day"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be > 0, got {getattr(self, name)}")
        for name in ("target_toilets_2023", "target_toilets_2025", "region_households_lacking_toilet"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be >= 0, got {getattr(self, name)}")

    def replace(self, **changes: Any) -> Config:
        """Return a copy with ``changes`` applied (values parsed like ``--set``)."""
        return dataclasses.replace(self, **{k: _coerce(k, v) for k, v in changes.items()})

    def with_overrides(self, pairs: list[str]) -> Config:
        """Apply ``key=value`` strings, as given to ``--set``.

        Parameters
        ----------
        pairs : list of str
            Items such as ``"d_station_m=25000"``; tuple settings take comma-separated values.

        Returns
        -------
        Config
        """
        changes: dict[str, Any] = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep:
                raise ConfigError(f"--set takes key=value, got {pair!r}")
            changes[key.strip()] = value.strip()
        return self.replace(**changes)

    def graph_key(self) -> dict[str, Any]:
        """Settings that change the road graph (part of the graph cache key)."""
        return {
            "node_tolerance_m": self.node_tolerance_m,
            "hardened_surfaces": self.hardened_surfaces,
            "unhardened_surfaces": self.unhardened_surfaces,
            "hardened_highways": self.hardened_highways,
            "unhardened_highways": self.unhardened_highways,
        }

    def as_dict(self) -> dict[str, Any]:
        """Plain dictionary of every setting (for summary.json)."""
        return dataclasses.asdict(self)


def _check_value(name: str, kind: str, value: Any) -> None:
    """Raise ConfigError naming the setting when ``value`` does not fit its type and range."""
    if kind.endswith(" | None"):
        if value is None:
            return
        kind = kind.removesuffix(" | None")
    expected: tuple[type, ...] | None = {"float": (numbers.Real,), "int": (numbers.Integral,),
                                         "bool": (bool, np.bool_), "str": (str,)}.get(kind)
    if kind.startswith("tuple"):
        expected = (tuple,)
    if expected and (not isinstance(value, expected) or (kind != "bool" and isinstance(value, (bool, np.bool_)))):
        raise ConfigError(f"setting {name} expects a {kind}, got {value!r}")
    if kind in ("float", "int"):
        if not math.isfinite(value) and not (name.endswith("_m") and value == math.inf):
            raise ConfigError(f"setting {name} must be a finite number, got {value!r}")
        if value < 0:
            unit = " metres" if name.endswith("_m") else ""
            raise ConfigError(f"setting {name} must be >= 0{unit}, got {value}")


def _check_crs(setting: str) -> None:
    """Raise ConfigError when ``crs`` names no CRS, or one that does not measure metres on the ground."""
    if setting in ("", "auto"):
        return
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(setting)
    except CRSError:
        raise ConfigError(f"setting crs: {setting!r} is not a coordinate reference system; use 'auto' or "
                          "an EPSG code of a metric CRS such as EPSG:4545 (CGCS2000 3° GK CM 111°E)") from None
    if crs.is_geographic or not crs.is_projected or crs.to_epsg() in (3857, 900913, 3785):
        raise ConfigError(f"setting crs: {setting!r} ({crs.name}) does not measure metres on the ground; "
                          "use 'auto' or a UTM / Gauss-Krüger zone")


def nearest(name: str, known: list[str] | tuple[str, ...] | set[str]) -> str | None:
    """The known name closest to a misspelt ``name`` (:mod:`difflib`), or None."""
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return close[0] if close else None


def _unknown_setting(key: str, known: set[str]) -> ConfigError:
    """The error of a setting name no :class:`Config` field has, with the nearest known name."""
    near = nearest(key, known)
    if near:
        return ConfigError(f"unknown setting '{key}'; did you mean '{near}'?")
    return ConfigError(f"unknown setting '{key}'; known settings: {', '.join(sorted(known))}")


def _coerce(key: str, value: Any) -> Any:
    types = {f.name: f.type for f in fields(Config)}
    if key not in types:
        raise _unknown_setting(key, set(types))
    kind = str(types[key])
    if kind.endswith(" | None"):
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "无")):
            return None
        kind = kind.removesuffix(" | None")
    if not isinstance(value, str):
        if kind == "tuple[float, ...]" and isinstance(value, list):
            return tuple(float(v) for v in value)
        if kind.startswith("tuple") and isinstance(value, list):
            return tuple(str(v) for v in value)
        return value
    try:
        if kind == "float":
            return float(value)
        if kind == "int":
            return int(value)
        if kind == "bool":
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if kind == "tuple[float, ...]":
            return tuple(float(v) for v in value.split(",") if v.strip())
        if kind.startswith("tuple"):
            return tuple(v.strip() for v in value.split(",") if v.strip())
    except ValueError:
        raise ConfigError(f"setting {key} expects a {kind}, got {value!r}") from None
    return value


@dataclass(frozen=True)
class LayerSpec:
    """Where one input layer lives: ``path[:layer]``.

    Attributes
    ----------
    path : Path
        File path (GeoPackage, Shapefile, GeoJSON, CSV, XLSX, GPX, KML, any OGR format).
    layer : str or None
        Layer name inside the file (None: the only or first layer).
    """

    path: Path
    layer: str | None = None

    @classmethod
    def parse(cls, text: str | Path, base: Path | None = None) -> LayerSpec:
        """Parse ``path[:layer]``; a Windows drive letter is not taken for a layer."""
        text = str(text)
        path, layer = text, None
        head, sep, tail = text.rpartition(":")
        if sep and head and len(head) > 1 and "/" not in tail and "\\" not in tail:
            path, layer = head, tail or None
        p = Path(path).expanduser()
        if base is not None and not p.is_absolute():
            p = base / p
        return cls(p, layer)

    def __str__(self) -> str:
        """``path:layer`` as the command line takes it."""
        return f"{self.path}:{self.layer}" if self.layer else str(self.path)


LAYER_KINDS = ("villages", "roads", "facilities", "towns", "counties", "mines", "sewer", "urban_areas",
               "priority_zones")


@dataclass(frozen=True)
class RunInputs:
    """The input layers of a run; villages and roads are required."""

    villages: LayerSpec
    roads: LayerSpec
    facilities: LayerSpec | None = None
    towns: LayerSpec | None = None
    counties: LayerSpec | None = None
    mines: LayerSpec | None = None
    sewer: LayerSpec | None = None
    urban_areas: LayerSpec | None = None
    priority_zones: LayerSpec | None = None

    def items(self) -> list[tuple[str, LayerSpec]]:
        """(kind, spec) pairs of the layers given."""
        return [(k, getattr(self, k)) for k in LAYER_KINDS if getattr(self, k) is not None]


def load_toml(path: str | Path) -> tuple[RunInputs, Config]:
    """Read a run description from TOML.

    The file has an ``[inputs]`` table (``villages = "file.gpkg:layer"`` …; relative paths are relative
    to the TOML file) and an optional ``[settings]`` table of :class:`Config` keys.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    (RunInputs, Config)
    """
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    _check_names(path, "", doc, TOML_TABLES)
    inputs, settings = doc.get("inputs", {}), doc.get("settings", {})
    for table, value in (("inputs", inputs), ("settings", settings)):
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: [{table}] must be a table of key = value lines, got {value!r}")
    _check_names(path, "inputs", inputs, LAYER_KINDS)
    _check_names(path, "settings", settings, [f.name for f in fields(Config)])
    missing = [k for k in ("villages", "roads") if k not in inputs]
    if missing:
        raise ConfigError(f"{path}: [inputs] lacks {', '.join(missing)}")
    specs = {k: LayerSpec.parse(v, base=path.parent) for k, v in inputs.items()}
    try:
        config = Config().replace(**settings)
    except ConfigError as exc:
        raise ConfigError(f"{path}: [settings] {exc}") from None
    return RunInputs(**specs), config


#: The tables a run's TOML file may have.
TOML_TABLES = ("inputs", "settings")


def _check_names(path: Path, table: str, doc: dict, known: list[str] | tuple[str, ...]) -> None:
    """Raise ConfigError naming every unknown table (``table`` empty) or key of ``[table]``, with the nearest
    known name: a misspelt ``[setting]`` must not run on the defaults.
    """
    unknown = [k for k in doc if k not in known]
    if not unknown:
        return
    name = unknown[0]  # one line (the rest follow once it is fixed), translated as a whole on the terminal
    near = nearest(name, known)
    what = f"unknown table [{name}]" if not table else f"unknown key {name} in [{table}]"
    if near:
        raise ConfigError(f"{path}: {what}; did you mean '{near}'?")
    raise ConfigError(f"{path}: {what}; known: {', '.join(known)}")


def default_cache_dir(config: Config) -> Path:
    """Directory for cached road graphs."""
    if config.cache_dir:
        return Path(config.cache_dir).expanduser()
    import os

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ruralenv"


