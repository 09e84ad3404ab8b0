"""The digest builder: raw news articles in, a browsable bilingual digest out.

The pipeline is load -> clean -> analyse -> cluster -> render; see
``site_builder.build.build_site`` for the recipe.
"""

__version__ = "0.1.0"
