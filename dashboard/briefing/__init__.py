"""Briefing content: the language-neutral numbers shared by the screen and the paper
(DESIGN 2). The view state and URL parser (``view``), the area tables (``areas``),
headline figures and movers (``headline``), locality data (``locality``), the
plain-words summary (``summary``), the map's data (``map_data``), number formatting
(``numbers``), label tables (``labels``) and the data downloads (``downloads``)."""
