"""Monitoring the five-year programme: runs of several years compared, progress against 2023/2025, the 监测报告
and the 2025 检查验收 (``ruralenv monitor``)."""
from .run import MonitorOptions, MonitorOutcome, monitor
from .status import STATUSES, Status, progress_status

__all__ = ["STATUSES", "MonitorOptions", "MonitorOutcome", "Status", "monitor", "progress_status"]
