"""How results read: tables, Markdown, the JSON/YAML documents, the HTML report and its charts.

Renderers take plain data (records, a ``DriftReport``, an ``Analysis``) and write it; they
decide nothing about what changed or what was found. ``text`` holds the helpers every renderer
shares, ``console`` is the only importer of rich and ``templating`` of jinja2.
"""
