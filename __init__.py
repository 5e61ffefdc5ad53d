"""RuralEnv Planner 农村牧区人居环境规划 — QGIS plugin entry point and Python package ``ruralenv``.

Importing this package outside QGIS imports nothing from QGIS; :func:`classFactory` is what QGIS calls.
"""


def classFactory(iface):  # noqa: N802 (name fixed by QGIS)
    """Create the plugin object when QGIS loads the plugin."""
    from .qgis_plugin.plugin import RuralEnvPlugin

    return RuralEnvPlugin(iface)
