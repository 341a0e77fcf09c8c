"""The web app (a face of the library): explore one clinic, compare two, read about the model.

Start it with ``alliance-sim ui``. Pages are Solara components; each browser
session builds its own models (nothing is shared between visitors). The
library never imports this package.
"""
