"""Chart builders shared by the HTML report and the Streamlit explorer (Vega-Altair).

Each builder takes a plain pandas DataFrame with documented columns (rates are fractions;
the charts format them) and returns an Altair chart; `to_svg` renders any of them offline
for a self-contained report, and the explorer passes them to `st.altair_chart`.
"""

from analysis.charts._common import to_svg
from analysis.charts._grounding import grounding_acts_chart
from analysis.charts._knobs import two_knobs_chart
from analysis.charts._persona import persona_disparity_chart
from analysis.charts._rates import rate_by_model_chart

__all__ = ["grounding_acts_chart", "persona_disparity_chart", "rate_by_model_chart", "to_svg", "two_knobs_chart"]
