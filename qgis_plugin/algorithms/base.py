"""What every RuralEnv Processing algorithm shares: parameters, core call, errors, sinks and styles.

A concrete algorithm declares its identity, its input layers, the :class:`~ruralenv.core.Config`
settings it exposes, its sinks and numeric outputs, and implements :meth:`RuralEnvAlgorithm.analyse`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingFeedback,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterDistance,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsUnitTypes,
    QgsWkbTypes,
)
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QUrl
from qgis.PyQt.QtGui import QIcon

from ...core import (
    Cancelled,
    Config,
    ConfigError,
    InputError,
    Progress,
    RuralEnvError,
    contract,
    run_pipeline,
)
from ..conversion import fields_of, qgis_crs, sink_geometry_type, source_to_gdf, write_features
from ..feedback import PIPELINE_STAGES, FeedbackProgress
from ..i18n import tr

PLUGIN_DIR = Path(__file__).resolve().parent.parent
STYLES_DIR = PLUGIN_DIR / "styles"
ICON_PATH = PLUGIN_DIR / "icons" / "ruralenv.svg"
#: The manual: in the plugin zip (scripts/package.py) or, in a source checkout, where ``make docs`` builds it.
MANUAL_DIRS = (PLUGIN_DIR.parent / "docs" / "html", PLUGIN_DIR.parent / "docs" / "_build" / "html")
#: Each algorithm's page of the manual (by algorithm name; the manual's front page for others).
MANUAL_PAGES = {
    "validate_network": "manual/data.html", "hardened_access": "manual/methods.html",
    "collection_model": "manual/methods.html", "sanitation": "manual/methods.html", "full_plan": "manual/run.html",
    "export_webmap": "manual/map.html", "survey_import": "manual/survey.html",
    "plan_facilities": "manual/planning.html", "plan_paving": "manual/planning.html", "surface": "manual/surface.html",
    "plan_sanitation": "manual/plan.html",
}


def manual_page(name: str) -> Path | None:
    """The local file of algorithm ``name``'s page of the manual, None when no manual is at hand."""
    for folder in MANUAL_DIRS:
        page = folder / MANUAL_PAGES.get(name, "index.html")
        if page.is_file():
            return page
    return None


#: Input layer kind → (label, accepted geometry types).
LAYER_INPUTS: dict[str, tuple[str, list[int]]] = {
    "villages": ("Villages (points)", [QgsProcessing.TypeVectorPoint]),
    "roads": ("Roads (lines)", [QgsProcessing.TypeVectorLine]),
    "facilities": ("Waste facilities (points)", [QgsProcessing.TypeVectorPoint]),
    "towns": ("Township seats (points or polygons)",
              [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon]),
    "counties": ("Counties (polygons)", [QgsProcessing.TypeVectorPolygon]),
    "mines": ("Mines (points or polygons)", [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon]),
    "sewer": ("Town sewer network (lines)", [QgsProcessing.TypeVectorLine]),
    "urban_areas": ("Urban built-up areas (polygons)", [QgsProcessing.TypeVectorPolygon]),
    "priority_zones": ("Sewage priority zones (polygons)", [QgsProcessing.TypeVectorPolygon]),
}

#: Config setting → label; settings ending in ``_m`` are distances in metres, the others integers.
SETTINGS: dict[str, str] = {
    "access_radius_m": "Hardened road within (access radius)",
    "max_snap_m": "Villages farther than this from any road are unreachable",
    "d_station_m": "Transfer station within (county model)",
    "d_haul_m": "County treatment within this distance of the station",
    "d_town_m": "Town treatment facility within (township model)",
    "d_village_m": "Village treatment facility within (covers a dispersed village)",
    "dispersed_radius_m": "Radius for counting neighbours (dispersed villages)",
    "dispersed_pop": "Dispersed below this many people within the radius",
    "larger_village_households": "Larger natural village: at least this many households",
    "node_tolerance_m": "Join road ends closer than",
    "island_max_length_m": "Road islands are shorter than",
    "d_sewer_m": "Sewer or urban area within (connect to the town sewer)",
    "sewage_central_residents": "Central sewage plant from this many residents",
    "sewage_small_residents": "Resource use below this many residents",
    "concentrated_radius_m": "Radius of a concentrated settlement",
    "water_use_l_per_person_day": "Water use per resident (litres per day)",
}

#: Config switch (a boolean setting) → label.
SWITCHES: dict[str, str] = {
    # issue 27: 处理能力 (glossary "capacity"); off, each village goes to its nearest facility of each tier
    "capacity_aware": "Assign villages within the facilities' capacity (capacity_tpd)",
}

#: Settings shown under "Advanced parameters".
ADVANCED = {"node_tolerance_m", "island_max_length_m", "dispersed_radius_m", "dispersed_pop",
            "larger_village_households", "max_snap_m", "concentrated_radius_m", "water_use_l_per_person_day"}

REJECT_BAD_ROWS = "REJECT_BAD_ROWS"


@dataclass(frozen=True)
class Sink:
    """One feature-sink output.

    Attributes
    ----------
    layer : str
        Name of the result layer (key of the dict :meth:`RuralEnvAlgorithm.analyse` returns).
    label : str
        Output label (English; translated).
    style : str or None
        QML file in ``styles/`` applied when the layer is loaded.
    drop : tuple of str
        Result columns left out of this output.
    geometry : str
        Geometry type of the output when the layer has no feature (``Point``, ``LineString``, ``MultiPolygon`` …).
    """

    layer: str
    label: str
    style: str | None = None
    drop: tuple[str, ...] = ()
    geometry: str = "Point"

    @property
    def parameter(self) -> str:
        """Name of the output parameter."""
        return f"OUTPUT_{self.layer.upper()}"


@dataclass
class Outcome:
    """What an algorithm's analysis produced: layers for the sinks, numbers and extra outputs."""

    layers: dict[str, pd.DataFrame]
    crs: Any
    numbers: dict[str, float | None] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


class StyleLoader(QgsProcessingLayerPostProcessorInterface):
    """Apply a QML style to an output layer once Processing has loaded it.

    The Processing context owns and deletes the C++ side after the run, but calls the Python methods
    only while the Python object lives, which must outlast the algorithm: :meth:`for_style` keeps each
    loader referenced until the context has deleted it.
    """

    _alive: list[StyleLoader] = []

    def __init__(self, qml: Path):
        super().__init__()
        self.qml = qml

    @classmethod
    def for_style(cls, qml: Path) -> StyleLoader:
        """A new loader for ``qml``, kept alive for the context that will use it."""
        cls._alive = [loader for loader in cls._alive if not sip.isdeleted(loader)]
        loader = cls(qml)
        cls._alive.append(loader)
        return loader

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        """Load the style into ``layer``."""
        message, ok = layer.loadNamedStyle(str(self.qml))
        if not ok:
            feedback.pushWarning(tr("Could not apply style {0}: {1}").format(self.qml.name, message))
        layer.triggerRepaint()


class RuralEnvAlgorithm(QgsProcessingAlgorithm):
    """Base of the RuralEnv algorithms (read parameters → convert layers → call core → write sinks)."""

    NAME = ""
    TITLE = ""
    GROUP = ""
    GROUP_ID = ""
    HELP = ""
    #: (layer kind, optional) of each input.
    INPUTS: tuple[tuple[str, bool], ...] = ()
    #: Config settings the user can change.
    SETTING_KEYS: tuple[str, ...] = ()
    #: Boolean Config settings the user can switch (:data:`SWITCHES`).
    SWITCH_KEYS: tuple[str, ...] = ()
    SINKS: tuple[Sink, ...] = ()
    #: Numeric output name → label.
    NUMBERS: dict[str, str] = {}
    #: Stages the core reports (for the progress bar).
    STAGES: tuple[str, ...] = ()

    # identity -------------------------------------------------------------------------------------
    def name(self) -> str:
        """Algorithm id within the provider."""
        return self.NAME

    def displayName(self) -> str:  # noqa: N802 (QGIS API)
        """Translated title."""
        return tr(self.TITLE)

    def group(self) -> str:
        """Translated group name."""
        return tr(self.GROUP)

    def groupId(self) -> str:  # noqa: N802 (QGIS API)
        """Group id."""
        return self.GROUP_ID

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API)
        """Translated help shown beside the parameters, with a link to the algorithm's page of the manual."""
        url = self.helpUrl()
        link = f'<p><a href="{url}">用户手册 User manual</a></p>' if url else ""
        return tr(self.HELP) + link

    def helpUrl(self) -> str:  # noqa: N802 (QGIS API)
        """The algorithm's page of the manual the plugin carries (a local file: it opens offline)."""
        page = manual_page(self.NAME)
        return QUrl.fromLocalFile(str(page)).toString() if page else ""

    def icon(self) -> QIcon:
        """The plugin icon."""
        return QIcon(str(ICON_PATH))

    def createInstance(self) -> RuralEnvAlgorithm:  # noqa: N802 (QGIS API)
        """A fresh copy for one run."""
        return type(self)()

    # parameters -----------------------------------------------------------------------------------
    def initAlgorithm(self, configuration=None) -> None:  # noqa: N802 (QGIS API)
        """Declare inputs, settings, sinks and numeric outputs."""
        for kind, optional in self.INPUTS:
            label, types = LAYER_INPUTS[kind]
            self.addParameter(QgsProcessingParameterFeatureSource(kind.upper(), tr(label), types,
                                                                  optional=optional))
        defaults = Config()
        for key in self.SETTING_KEYS:
            self.addParameter(self._setting_parameter(key, getattr(defaults, key)))
        for key in self.SWITCH_KEYS:
            self.addParameter(QgsProcessingParameterBoolean(key.upper(), tr(SWITCHES[key]), getattr(defaults, key)))
        if self.INPUTS:
            reject = QgsProcessingParameterBoolean(
                REJECT_BAD_ROWS, tr("Leave out bad rows and go on (default: stop and list them)"), False)
            reject.setFlags(reject.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
            self.addParameter(reject)
        self.add_extra_parameters()
        for sink in self.SINKS:
            self.addParameter(QgsProcessingParameterFeatureSink(sink.parameter, tr(sink.label), optional=True,
                                                                createByDefault=True))
        for key, label in self.NUMBERS.items():
            self.addOutput(QgsProcessingOutputNumber(key.upper(), tr(label)))

    @staticmethod
    def _setting_parameter(key: str, default: float) -> QgsProcessingParameterDefinition:
        label = tr(SETTINGS[key])
        if key.endswith("_m"):
            param = QgsProcessingParameterDistance(key.upper(), label, default, minValue=0.0)
            param.setDefaultUnit(QgsUnitTypes.DistanceMeters)
        else:
            param = QgsProcessingParameterNumber(key.upper(), label, QgsProcessingParameterNumber.Integer,
                                                 default, minValue=0)
        if key in ADVANCED:
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        return param

    def add_extra_parameters(self) -> None:
        """Hook for parameters beyond layers, settings and sinks."""

    # running --------------------------------------------------------------------------------------
    def config(self, parameters: dict, context: QgsProcessingContext) -> Config:
        """The core configuration from the algorithm's parameters."""
        values: dict[str, Any] = {}
        for key in self.SETTING_KEYS:
            if key.endswith("_m"):
                values[key] = self.parameterAsDouble(parameters, key.upper(), context)
            else:
                values[key] = self.parameterAsInt(parameters, key.upper(), context)
        for key in self.SWITCH_KEYS:
            values[key] = self.parameterAsBoolean(parameters, key.upper(), context)
        if self.INPUTS and self.parameterAsBoolean(parameters, REJECT_BAD_ROWS, context):
            values["on_bad_rows"] = "reject"
        try:
            return Config().replace(**values)
        except ConfigError as exc:
            raise QgsProcessingException(str(exc)) from exc

    def layers(self, parameters: dict, context: QgsProcessingContext) -> dict[str, Any]:
        """Every given input layer as a GeoDataFrame, by kind."""
        out = {}
        for kind, optional in self.INPUTS:
            source = self.parameterAsSource(parameters, kind.upper(), context)
            if source is None:
                if optional:
                    continue
                raise QgsProcessingException(self.invalidSourceError(parameters, kind.upper()))
            table = self._table_file(source, parameters, kind, context)
            if table is not None:  # a CSV/XLSX table: read by the core as the command line reads it
                out[kind] = table
                continue
            # A GeoPackage's "fid" is its own feature id: written back (results.gpkg, GeoPackage sinks) it must
            # be unique, which it no longer is once the core splits multi-part roads. Keep it as src_fid.
            out[kind] = source_to_gdf(source).rename(columns={"fid": "src_fid"})
        return out

    def _table_file(self, source: Any, parameters: dict, kind: str, context: QgsProcessingContext) -> str | None:
        """The file of a layer the core reads better itself, so QGIS and the command line read it alike: a table
        without geometry (CSV, TXT, XLSX with longitude/latitude columns: the core makes the points) or a
        Shapefile (the core tells GBK from UTF-8 whatever a .cpg says; QGIS trusts the .cpg or assumes the
        system encoding), unless only the selected features are asked for. None for any other layer.
        """
        given = parameters.get(kind.upper())
        if isinstance(given, QgsProcessingFeatureSourceDefinition) and given.selectedFeaturesOnly:
            return None
        layer = self.parameterAsVectorLayer(parameters, kind.upper(), context)
        if layer is None or layer.providerType() != "ogr":  # memory, PostGIS, delimited text …: QGIS reads them
            return None
        try:
            path = Path(layer.source().split("|")[0])
            if not path.is_file():
                return None
        except OSError:  # not a file name
            return None
        suffix = path.suffix.lower()
        if suffix in TABLE_SUFFIXES and source.wkbType() == QgsWkbTypes.NoGeometry:
            return str(path)
        if suffix == ".shp":
            return str(path)
        return None

    def analyse(self, layers: dict[str, Any], config: Config, progress: Progress, parameters: dict,
                context: QgsProcessingContext) -> Outcome:
        """Run the core; implemented by each algorithm."""
        raise NotImplementedError

    def processAlgorithm(self, parameters: dict, context: QgsProcessingContext,  # noqa: N802 (QGIS API)
                         feedback: QgsProcessingFeedback) -> dict:
        """Convert the inputs, run the core, then (only when it succeeded) write every output."""
        config = self.config(parameters, context)
        layers = self.layers(parameters, context)
        progress = FeedbackProgress(feedback, self.STAGES)
        try:
            outcome = self.analyse(layers, config, progress, parameters, context)
        except InputError as exc:
            for problem in exc.problems:
                feedback.reportError(str(problem))
            raise QgsProcessingException(str(exc)) from exc
        except Cancelled as exc:
            raise QgsProcessingException(tr("Cancelled: no output was written.")) from exc
        except RuralEnvError as exc:
            raise QgsProcessingException(str(exc)) from exc
        results: dict[str, Any] = dict(outcome.extra)
        for sink in self.SINKS:
            results[sink.parameter] = self._write_sink(sink, outcome, parameters, context)
        for key in self.NUMBERS:
            results[key.upper()] = outcome.numbers.get(key)
        feedback.setProgress(100)
        return results

    def _write_sink(self, sink: Sink, outcome: Outcome, parameters: dict,
                    context: QgsProcessingContext) -> str | None:
        df = outcome.layers[sink.layer]
        df = df.drop(columns=[c for c in sink.drop if c in df.columns])
        fields = fields_of(df)
        geometry_type = sink_geometry_type(df, sink.geometry)
        target, dest_id = self.parameterAsSink(parameters, sink.parameter, context, fields, geometry_type,
                                               qgis_crs(outcome.crs))
        if target is None:
            return None
        write_features(df, target, fields, promote_to_multi=QgsWkbTypes.isMultiType(geometry_type))
        if sink.style and context.willLoadLayerOnCompletion(dest_id):
            loader = StyleLoader.for_style(STYLES_DIR / sink.style)
            context.layerToLoadOnCompletionDetails(dest_id).setPostProcessor(loader)
        return dest_id


#: Files of tables the core reads as points itself (longitude/latitude or WKT columns).
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls")

#: Village columns about hardened-road access (from the output contract).
ACCESS_FIELDS = contract.names(contract.VILLAGE_COLUMNS, "access")
#: Village columns about the waste collection model.
MODEL_FIELDS = contract.names(contract.VILLAGE_COLUMNS, "distances") + contract.names(contract.VILLAGE_COLUMNS,
                                                                                    "collection")
#: Village columns about mines.
MINE_FIELDS = contract.names(contract.VILLAGE_COLUMNS, "mines")
#: Village columns about sewage and sanitary toilets.
SANITATION_FIELDS = contract.names(contract.VILLAGE_COLUMNS, "sanitation")


class PipelineAlgorithm(RuralEnvAlgorithm):
    """An algorithm that runs :func:`ruralenv.core.run_pipeline`; its numbers are region indicators."""

    STAGES = PIPELINE_STAGES

    def output_folder(self, parameters: dict, context: QgsProcessingContext) -> str | None:
        """Folder for results.gpkg, summary.json and report.xlsx (None: write no files)."""
        return None

    def analyse(self, layers, config, progress, parameters, context) -> Outcome:
        """Run the whole pipeline on the given layers."""
        folder = self.output_folder(parameters, context)
        res = run_pipeline(layers, config, out_dir=folder, progress=progress)
        region = res.summary["region"]
        extra = {"OUTPUT_FOLDER": folder} if folder else {}
        return Outcome(res.layers(), res.crs, {k: region.get(k) for k in self.NUMBERS}, extra)
