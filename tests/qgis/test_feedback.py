"""Progress, warnings, bad input and cancel reach the user through Processing's feedback."""
from __future__ import annotations

import pytest
from conftest import uri
from qgis.core import QgsFeatureRequest, QgsProcessingException, QgsProcessingFeedback, QgsVectorLayer

pytestmark = pytest.mark.usefixtures("qgis_app")


class RecordingFeedback(QgsProcessingFeedback):
    """Keeps what the algorithm reported; cancels when the progress text reaches ``cancel_at``."""

    def __init__(self, cancel_at: str | None = None):
        super().__init__()
        self.cancel_at = cancel_at
        self.texts: list[str] = []
        self.warnings: list[str] = []
        self.errors: list[str] = []
        self.progress_values: list[float] = []
        self.progressChanged.connect(self.progress_values.append)

    def setProgressText(self, text):  # noqa: N802 (QGIS API)
        super().setProgressText(text)
        self.texts.append(text)
        if text == self.cancel_at:
            self.cancel()

    def pushWarning(self, text):  # noqa: N802
        super().pushWarning(text)
        self.warnings.append(text)

    def reportError(self, text, fatalError=False):  # noqa: N802, N803
        super().reportError(text, fatalError)
        self.errors.append(text)


def test_progress_and_warnings(sample):
    import processing

    feedback = RecordingFeedback()
    processing.run("ruralenv:collection_model", {
        "VILLAGES": uri(sample, "villages"), "ROADS": uri(sample, "roads"),
        "FACILITIES": uri(sample, "facilities"), "TOWNS": uri(sample, "towns"),
        "OUTPUT_VILLAGES": "TEMPORARY_OUTPUT"}, feedback=feedback)
    assert "Building the road network" in feedback.texts
    assert feedback.progress_values == sorted(feedback.progress_values)
    assert feedback.progress_values[-1] == 100
    unreachable = [w for w in feedback.warnings if "far_from_road" in w or "isolated_island" in w]
    assert len(unreachable) == 2


def test_bad_input_lists_every_problem(sample):
    import processing

    villages = QgsVectorLayer(uri(sample, "villages"), "村庄", "ogr")
    broken = processing.run("native:deletecolumn", {"INPUT": villages, "COLUMN": ["village_code"],
                                                    "OUTPUT": "TEMPORARY_OUTPUT"})["OUTPUT"]
    broken.setName("村庄 broken")
    feedback = RecordingFeedback()
    with pytest.raises(QgsProcessingException, match="village_code"):
        processing.run("ruralenv:hardened_access", {"VILLAGES": broken, "ROADS": uri(sample, "roads"),
                                                     "OUTPUT_VILLAGES": "TEMPORARY_OUTPUT"}, feedback=feedback)
    assert any("村庄 broken" in e and "village_code" in e for e in feedback.errors)


def test_reject_bad_rows_goes_on_with_warnings(sample):
    import processing

    villages = QgsVectorLayer(uri(sample, "villages"), "villages", "ogr")
    copy = villages.materialize(QgsFeatureRequest())
    copy.startEditing()
    first = next(copy.getFeatures())
    copy.changeAttributeValue(first.id(), copy.fields().indexOf("population"), "many")
    copy.commitChanges()
    params = {"VILLAGES": copy, "ROADS": uri(sample, "roads"), "OUTPUT_VILLAGES": "TEMPORARY_OUTPUT"}
    with pytest.raises(QgsProcessingException, match="population"):
        processing.run("ruralenv:hardened_access", params)
    feedback = RecordingFeedback()
    res = processing.run("ruralenv:hardened_access", {**params, "REJECT_BAD_ROWS": True}, feedback=feedback)
    assert res["OUTPUT_VILLAGES"].featureCount() == villages.featureCount() - 1
    assert any("population" in w for w in feedback.warnings)


def test_cancel_stops_and_writes_nothing(sample, tmp_path):
    import processing

    outputs = {"OUTPUT_VILLAGES": tmp_path / "villages.gpkg", "OUTPUT_ROADS": tmp_path / "roads.gpkg",
               "OUTPUT_FACILITIES": tmp_path / "facilities.gpkg", "OUTPUT_COUNTIES": tmp_path / "counties.gpkg",
               "OUTPUT_UNREACHABLE": tmp_path / "unreachable.gpkg", "OUTPUT_FOLDER": tmp_path / "report"}
    params = {kind.upper(): uri(sample, kind) for kind in ("villages", "roads", "facilities", "towns", "counties")}
    params.update({k: str(v) for k, v in outputs.items()})
    feedback = RecordingFeedback(cancel_at="Building the road network")
    with pytest.raises(QgsProcessingException, match="Cancelled"):
        processing.run("ruralenv:full_plan", params, feedback=feedback)
    assert feedback.texts[-1] == "Building the road network"
    assert not any(p.exists() and (p.is_file() or any(p.iterdir())) for p in outputs.values())
