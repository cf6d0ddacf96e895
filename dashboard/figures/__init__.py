"""Pure Plotly figure builders shared by the dashboard and the PDF pack: the map
(``map``) and the locality charts (``locality``)."""
