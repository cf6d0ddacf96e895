"""One module per page (DESIGN 5): ``map``, ``locality``, ``priorities``, ``method``.
Each has ``layout(context, view, **params)`` and ``register(app, context)``."""
