"""The QGIS project (.qgs XML) of the village status form, written without QGIS.

The project holds one vector layer, ``./form.gpkg|layername=village_status`` (a path relative to the
project, so the folder can be copied to a phone and opened in QField offline), with:

- attribute form widgets: ValueMap drop-downs for 是/否 and the road surface, Range spin boxes for counts,
  a DateTime picker for ``survey_date`` (default today), a photo widget, the current values read-only;
- a drag-and-drop form in tabs, each observation grouped with the current value it replaces;
- constraints (ranges, sanitary toilets ≤ households, plausible dates) as expressions;
- a rule-based style (to survey / surveyed) and labels with the village name.

The element names follow the project files QGIS 3.22 writes.
"""
from __future__ import annotations

import uuid
from xml.sax.saxutils import quoteattr

import geopandas as gpd
from pyproj import CRS

from ._fields import (
    ALL_FIELDS,
    CURRENT_FIELDS,
    EARLIEST_DATE,
    MAX_OF,
    META_FIELDS,
    NO,
    OBS_FIELDS,
    YES,
    FormField,
)

DATE_FORMAT = "yyyy-MM-dd"


def _q(v: object) -> str:
    return quoteattr(str(v))


def option(value: object, name: str | None = None) -> str:
    """One ``<Option>`` element of QGIS's variant XML (map, list, bool, int, double or string)."""
    attr = f" name={_q(name)}" if name is not None else ""
    if isinstance(value, dict):
        inner = "".join(option(v, k) for k, v in value.items())
        return f'<Option type="Map"{attr}>{inner}</Option>'
    if isinstance(value, list):
        return f'<Option type="List"{attr}>{"".join(option(v) for v in value)}</Option>'
    if value is None:
        return f"<Option{attr}/>"
    kind = "bool" if isinstance(value, bool) else "int" if isinstance(value, int) else \
        "double" if isinstance(value, float) else "QString"
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return f'<Option type="{kind}" value={_q(text)}{attr}/>'


def widget(f: FormField, surfaces: tuple[str, ...]) -> tuple[str, dict]:
    """Editor widget type and configuration of a form field."""
    if f in OBS_FIELDS and f.kind == "yes_no":
        return "ValueMap", {"map": [{f"{YES} yes": YES}, {f"{NO} no": NO}]}
    if f.kind == "surface":
        return "ValueMap", {"map": [{s: s} for s in surfaces]}
    if f in OBS_FIELDS and f.kind == "count":
        return "Range", {"AllowNull": True, "Max": MAX_OF[f.target or ""], "Min": 0, "Precision": 0, "Step": 1,
                         "Style": "SpinBox"}
    if f.kind == "date":
        return "DateTime", {"allow_null": True, "calendar_popup": True, "display_format": DATE_FORMAT,
                            "field_format": DATE_FORMAT, "field_iso_format": False}
    if f.name == "photo":
        return "ExternalResource", {"DocumentViewer": 1, "FileWidget": True, "FileWidgetButton": True,
                                    "RelativeStorage": 1, "StorageMode": 0, "UseLink": True, "FullUrl": True}
    return "TextEdit", {"IsMultiline": f.name == "remarks", "UseHtml": False}


def constraint_expression(f: FormField) -> tuple[str, str] | None:
    """QGIS expression and description constraining an observation (None when unconstrained)."""
    q = f'"{f.name}"'
    if f.kind == "count" and f in OBS_FIELDS:
        top = MAX_OF[f.target or ""]
        expr = f"{q} IS NULL OR ({q} >= 0 AND {q} <= {top} AND {q} = floor({q}))"
        desc = f"0至{top}的整数 a whole number from 0 to {top}"
        if f.name == "obs_sanitary_toilet_households":
            expr += f' AND ({q} IS NULL OR {q} <= coalesce("obs_households", "households", {q}))'
            desc += "，不大于户数 not more than the households"
        return expr, desc
    if f.kind == "date":
        return (f"{q} IS NULL OR (to_date({q}) >= to_date('{EARLIEST_DATE}') AND to_date({q}) <= now())",
                f"{EARLIEST_DATE}至今天 from {EARLIEST_DATE} to today")
    return None


#: Tabs of the form: (title, groups); a group is (title, field names).
_OBS_GROUPS = [
    ("户数 households", ("households", "obs_households")),
    ("常住人口 residents", ("resident_population", "obs_resident_population")),
    ("卫生厕所 sanitary toilets", ("sanitary_toilet_households", "obs_sanitary_toilet_households")),
    ("生活污水 sewage", ("sewage_treated", "obs_sewage_treated")),
    ("生活垃圾 household waste", ("collection_model", "covered", "obs_waste_collected")),
    ("进村道路 road into the village", ("hardened_access", "obs_road_surface")),
]


def _form_layout() -> str:
    index = {f.name: i + 1 for i, f in enumerate(ALL_FIELDS)}

    def fields(names: tuple[str, ...]) -> str:
        return "".join(f'<attributeEditorField showLabel="1" index="{index[n]}" name={_q(n)}/>' for n in names)

    def container(title: str, inner: str, group_box: bool, columns: int = 1) -> str:
        return (f'<attributeEditorContainer showLabel="1" visibilityExpressionEnabled="0" visibilityExpression="" '
                f'name={_q(title)} groupBox="{int(group_box)}" columnCount="{columns}">{inner}</attributeEditorContainer>')

    survey = "".join(container(t, fields(n), True) for t, n in _OBS_GROUPS)
    survey += container("调查信息 survey", fields(tuple(f.name for f in META_FIELDS)), True)
    village = fields(tuple(f.name for f in CURRENT_FIELDS))
    return (container("调查 survey", survey, False) + container("村庄现值 current values", village, False))


def _field_xml(surfaces: tuple[str, ...]) -> str:
    out = []
    for f in ALL_FIELDS:
        kind, config = widget(f, surfaces)
        out.append(f'<field configurationFlags="None" name={_q(f.name)}><editWidget type="{kind}">'
                   f"<config>{option(config)}</config></editWidget></field>")
    return "<fieldConfiguration>" + "".join(out) + "</fieldConfiguration>"


def _layer_parts(surfaces: tuple[str, ...]) -> str:
    aliases = "".join(f'<alias field={_q(f.name)} index="{i}" name={_q(f.title)}/>' for i, f in enumerate(ALL_FIELDS))
    defaults = "".join(
        f'<default field={_q(f.name)} applyOnUpdate="0" '
        f'expression={_q(f"format_date(now(), {chr(39)}{DATE_FORMAT}{chr(39)})" if f.kind == "date" else "")}/>'
        for f in ALL_FIELDS)
    constraints, expressions = [], []
    for f in ALL_FIELDS:
        c = constraint_expression(f)
        strength = 0 if c is None else 2 if f.kind == "count" else 1
        constraints.append(f'<constraint field={_q(f.name)} constraints="{4 if c else 0}" unique_strength="0" '
                           f'notnull_strength="0" exp_strength="{strength}"/>')
        expressions.append(f'<constraint field={_q(f.name)} exp={_q(c[0] if c else "")} desc={_q(c[1] if c else "")}/>')
    editable = "".join(f'<field editable="{0 if f in CURRENT_FIELDS else 1}" name={_q(f.name)}/>' for f in ALL_FIELDS)
    on_top = "".join(f'<field labelOnTop="1" name={_q(f.name)}/>' for f in ALL_FIELDS)
    return (_field_xml(surfaces) + f"<aliases>{aliases}</aliases><defaults>{defaults}</defaults>"
            f"<constraints>{''.join(constraints)}</constraints>"
            f"<constraintExpressions>{''.join(expressions)}</constraintExpressions>"
            f"<editform tolerant=\"1\"></editform><editforminit/><editforminitcodesource>0</editforminitcodesource>"
            f"<featformsuppress>0</featformsuppress><editorlayout>tablayout</editorlayout>"
            f"<attributeEditorForm>{_form_layout()}</attributeEditorForm>"
            f"<editable>{editable}</editable><labelOnTop>{on_top}</labelOnTop>"
            f"<previewExpression>\"name\"</previewExpression><mapTip>[% \"name\" %] [% \"village_code\" %]</mapTip>")


def _marker(name: str, rgba: str) -> str:
    props = {"color": rgba, "name": "circle", "size": "3.2", "size_unit": "MM", "outline_color": "40,40,40,255",
             "outline_width": "0.3", "outline_style": "solid", "angle": "0", "joinstyle": "bevel",
             "scale_method": "diameter"}
    inner = "".join(f'<prop k={_q(k)} v={_q(v)}/>' for k, v in props.items())
    return (f'<symbol type="marker" name={_q(name)} alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="SimpleMarker" enabled="1" pass="0" locked="0">{option(props)}{inner}</layer></symbol>')


def _style() -> str:
    renderer = ('<renderer-v2 type="RuleRenderer" symbollevels="0" enableorderby="0" forceraster="0"><rules key="root">'
                '<rule key="todo" symbol="0" label="待调查 to survey" filter="&quot;survey_date&quot; IS NULL"/>'
                '<rule key="done" symbol="1" label="已调查 surveyed" filter="ELSE"/></rules>'
                f'<symbols>{_marker("0", "240,140,40,255")}{_marker("1", "40,160,80,255")}</symbols></renderer-v2>')
    labeling = ('<labeling type="simple"><settings calloutType="simple">'
                '<text-style fieldName="name" isExpression="0" fontFamily="Noto Sans CJK SC" fontSize="9" '
                'fontSizeUnit="Point" textColor="30,30,30,255" textOpacity="1" namedStyle="Regular" fontWeight="50" '
                'fontItalic="0" fontUnderline="0" fontStrikeout="0" multilineHeight="1" blendMode="0">'
                '<text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255" '
                'bufferOpacity="1" bufferJoinStyle="128" bufferNoFill="1" bufferBlendMode="0"/></text-style>'
                '<text-format wrapChar="" multilineAlign="0" plussign="0" reverseDirectionSymbol="0"/>'
                '<placement placement="6" dist="1.5" distUnits="MM" priority="5" quadOffset="4" offsetType="0"/>'
                '<rendering obstacle="1" displayAll="0" scaleVisibility="0" fontLimitPixelSize="0" limitNumLabels="0" '
                'drawLabels="1" upsidedownLabels="0" labelPerPart="0" mergeLines="0" minFeatureSize="0"/>'
                '</settings></labeling>')
    return renderer + labeling


def _srs() -> str:
    crs = CRS.from_epsg(4326)
    return (f"<spatialrefsys><wkt>{_esc(crs.to_wkt())}</wkt><proj4>+proj=longlat +datum=WGS84 +no_defs</proj4>"
            "<srsid>3452</srsid><srid>4326</srid><authid>EPSG:4326</authid><description>WGS 84</description>"
            "<projectionacronym>longlat</projectionacronym><ellipsoidacronym>EPSG:7030</ellipsoidacronym>"
            "<geographicflag>true</geographicflag></spatialrefsys>")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _extent(gdf: gpd.GeoDataFrame, tag: str) -> str:
    minx, miny, maxx, maxy = gdf.total_bounds
    pad = max(maxx - minx, maxy - miny, 0.01) * 0.05
    return (f"<{tag}><xmin>{minx - pad}</xmin><ymin>{miny - pad}</ymin><xmax>{maxx + pad}</xmax>"
            f"<ymax>{maxy + pad}</ymax></{tag}>")


def project_xml(gdf: gpd.GeoDataFrame, surfaces: tuple[str, ...], source: str, layer: str) -> str:
    """The .qgs document of the form project.

    Parameters
    ----------
    gdf : GeoDataFrame
        The form's rows (WGS 84), for the extent.
    surfaces : tuple of str
        Road surface values offered by the drop-down.
    source : str
        GeoPackage path relative to the project (``./form.gpkg``).
    layer : str
        Layer name inside it.

    Returns
    -------
    str
    """
    lid = f"village_status_{uuid.uuid4().hex[:12]}"
    name = "村庄现状调查 village status"
    srs = _srs()
    maplayer = (f'<maplayer type="vector" geometry="Point" wkbType="Point" labelsEnabled="1" readOnly="0" '
                f'autoRefreshEnabled="0" refreshOnNotifyEnabled="0" styleCategories="AllStyleCategories" '
                f'hasScaleBasedVisibilityFlag="0" minScale="100000000" maxScale="0" simplifyDrawingHints="0">'
                f"{_extent(gdf, 'extent')}<id>{lid}</id><datasource>{_esc(source)}|layername={_esc(layer)}</datasource>"
                f"<keywordList><value></value></keywordList><layername>{_esc(name)}</layername><srs>{srs}</srs>"
                f'<provider encoding="UTF-8">ogr</provider><flags><Identifiable>1</Identifiable>'
                f"<Removable>1</Removable><Searchable>1</Searchable><Private>0</Private></flags>"
                f"{_style()}{_layer_parts(surfaces)}<layerGeometryType>0</layerGeometryType></maplayer>")
    tree = (f'<layer-tree-group><customproperties/><layer-tree-layer expanded="1" checked="Qt::Checked" '
            f'id="{lid}" name={_q(name)} source={_q(f"{source}|layername={layer}")} providerKey="ogr">'
            f"<customproperties/></layer-tree-layer></layer-tree-group>")
    canvas = (f'<mapcanvas name="theMapCanvas" annotationsVisible="1"><units>degrees</units>{_extent(gdf, "extent")}'
              f"<rotation>0</rotation><destinationsrs>{srs}</destinationsrs><rendermaptile>0</rendermaptile>"
              f"</mapcanvas>")
    props = ('<properties><Paths><Absolute type="bool">false</Absolute></Paths>'
             '<Measurement><DistanceUnits type="QString">meters</DistanceUnits></Measurement></properties>')
    return ('<!DOCTYPE qgis PUBLIC \'http://mrcc.com/qgis.dtd\' \'SYSTEM\'>\n'
            f'<qgis projectname={_q(name)} version="3.22.0-Białowieża" saveUser="ruralenv" saveUserFull="RuralEnv Planner">'
            f"<homePath path=\"\"/><title>{_esc(name)}</title><autotransaction active=\"0\"/>"
            f"<evaluateDefaultValues active=\"0\"/><trust active=\"0\"/><projectCrs>{srs}</projectCrs>{tree}"
            f"{canvas}<projectlayers>{maplayer}</projectlayers>"
            f'<layerorder><layer id="{lid}"/></layerorder>{props}</qgis>\n')
