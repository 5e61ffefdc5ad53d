"""Load the plugin's translation for the language QGIS runs in (English is the default, in the code)."""
from __future__ import annotations

import os
from pathlib import Path

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

I18N_DIR = Path(__file__).resolve().parent / "i18n"


def ui_locale() -> str:
    """The UI locale: QGIS's ``locale/userLocale`` when overridden, else ``LC_ALL``/``LC_MESSAGES``/``LANG``."""
    settings = QgsSettings()
    if settings.value("locale/overrideFlag", False, type=bool):
        chosen = settings.value("locale/userLocale", "", type=str)
        if chosen:
            return chosen
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return value.split(".")[0].split("@")[0]
    return QLocale.system().name()


def translation_file(locale: str) -> Path | None:
    """The compiled translation for ``locale`` (``zh_CN``, or any ``zh_*`` → ``zh_CN``), if built."""
    language = locale.split("_")[0]
    for candidate in (f"ruralenv_{locale}.qm", f"ruralenv_{language}.qm"):
        if (I18N_DIR / candidate).exists():
            return I18N_DIR / candidate
    matches = sorted(I18N_DIR.glob(f"ruralenv_{language}_*.qm")) if language else []
    return matches[0] if matches else None


def install_translator() -> QTranslator | None:
    """Install the translator for the UI locale; return it (keep a reference) or None for English."""
    path = translation_file(ui_locale())
    if path is None:
        return None
    translator = QTranslator()
    if not translator.load(str(path)):
        return None
    QCoreApplication.installTranslator(translator)
    return translator


TR_CONTEXT = "RuralEnv"


def tr(text: str) -> str:
    """Translate ``text`` in the plugin's one translation context."""
    return QCoreApplication.translate(TR_CONTEXT, text)
