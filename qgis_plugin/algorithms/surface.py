"""Processing algorithm: an accessibility surface (GeoTIFF) of a full plan's results, loaded with a colour ramp."""
from __future__ import annotations

from qgis.core import (
    QgsColorRampShader,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsRasterShader,
    QgsSingleBandPseudoColorRenderer,
    QgsStyle,
)
from qgis.PyQt import sip

from ...core import Config
from ...core.surface import SURFACE_MODES, SURFACE_TARGETS, make_surface, read_results, write_surface
from .base import Outcome, RuralEnvAlgorithm, tr

RESULTS = "RESULTS"
TARGET = "TARGET"
MODE = "MODE"
RES = "RES"
POPULATION = "POPULATION"
OUTPUT = "OUTPUT"
TARGET_LABELS = ("Transfer station", "Town treatment facility", "County treatment facility",
                 "Village treatment facility", "Hardened road", "Township seat")
MODE_LABELS = ("Road distance (m)", "Travel time (min)")
#: The colour ramp of the loaded surface (near: green, far: red); from QGIS's default style.
RAMP = "RdYlGn"


class RampLoader(QgsProcessingLayerPostProcessorInterface):
    """Render a loaded surface with a continuous colour ramp from its least to its largest value.

    Kept referenced like :class:`.base.StyleLoader`, so that it outlives the algorithm.
    """

    _alive: list[RampLoader] = []

    @classmethod
    def create(cls) -> RampLoader:
        """A new loader, kept alive for the context that will use it."""
        cls._alive = [loader for loader in cls._alive if not sip.isdeleted(loader)]
        loader = cls()
        cls._alive.append(loader)
        return loader

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        """Give ``layer`` a pseudo-colour renderer on the ramp, near values green."""
        stats = layer.dataProvider().bandStatistics(1)
        ramp = QgsStyle.defaultStyle().colorRamp(RAMP)
        ramp.invert()
        fcn = QgsColorRampShader(stats.minimumValue, stats.maximumValue, ramp)
        fcn.classifyColorRamp(9, -1)
        shader = QgsRasterShader()
        shader.setRasterShaderFunction(fcn)
        layer.setRenderer(QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader))
        layer.triggerRepaint()


class AccessibilitySurface(RuralEnvAlgorithm):
    """results.gpkg → GeoTIFF of the road distance (or time) from every place to the nearest target."""

    NAME = "surface"
    TITLE = "Accessibility surface"
    GROUP = "Plan analyses"
    GROUP_ID = "analyses"
    HELP = ("Every cell of the territory gets the off-road distance from its centre to the nearest road plus "
            "the distance along roads from there to the nearest target, in metres (or the travel time in "
            "minutes, with a speed per road class). Cells farther than the snapping distance from every road "
            "have no value. Writes a Cloud-Optimised GeoTIFF and, beside it, the share of each county's and "
            "township's area and people within 5, 10 and 20 km (summary .json and report .xlsx).")
    STAGES = ("surface: road graph", "surface: cells", "surface: zonal statistics")

    def add_extra_parameters(self) -> None:
        """The results file, target, mode, cell size, optional population raster and the GeoTIFF."""
        self.addParameter(QgsProcessingParameterFile(
            RESULTS, tr("Results GeoPackage of a full plan (results.gpkg)"), extension="gpkg"))
        self.addParameter(QgsProcessingParameterEnum(TARGET, tr("Distance to"),
                                                     options=[tr(t) for t in TARGET_LABELS], defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(MODE, tr("Measure"), options=[tr(m) for m in MODE_LABELS],
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(RES, tr("Cell size (m)"), QgsProcessingParameterNumber.Double,
                                                       Config().surface_res_m, minValue=1.0))
        self.addParameter(QgsProcessingParameterRasterLayer(
            POPULATION, tr("Population raster (optional; default: the villages' population)"), optional=True))
        self.addParameter(QgsProcessingParameterRasterDestination(OUTPUT, tr("Accessibility surface")))

    def analyse(self, layers, config, progress, parameters, context) -> Outcome:
        """Call :func:`ruralenv.core.surface.run.make_surface` and write the files."""
        population = self.parameterAsRasterLayer(parameters, POPULATION, context)
        surf = make_surface(
            read_results(self.parameterAsFile(parameters, RESULTS, context)),
            SURFACE_TARGETS[self.parameterAsEnum(parameters, TARGET, context)],
            SURFACE_MODES[self.parameterAsEnum(parameters, MODE, context)],
            config, self.parameterAsDouble(parameters, RES, context),
            population.source() if population is not None else None, progress=progress)
        out = self.parameterAsOutputLayer(parameters, OUTPUT, context)
        write_surface(surf, out)
        if context.willLoadLayerOnCompletion(out):
            context.layerToLoadOnCompletionDetails(out).setPostProcessor(RampLoader.create())
        return Outcome({}, None, extra={OUTPUT: out})
