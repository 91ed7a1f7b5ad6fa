"""pyqtgraph plots of the desktop: live training curves and static bar charts."""

from desktop.plots.bars import BarChart
from desktop.plots.live_curve import LiveCurve, LivePlot

__all__ = ["BarChart", "LiveCurve", "LivePlot"]
