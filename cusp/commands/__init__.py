"""Sub-commands of ``cusp``: one module per noun (``scenario``, ``data``, ``capacity``...)."""
