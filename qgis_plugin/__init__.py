"""The QGIS shell of RuralEnv Planner: Processing provider, algorithms, styles and translations.

Only :mod:`.plugin` and :mod:`.dependencies` may be imported before the dependency check passed; every
other module imports the core (geopandas, scipy, …).
"""
