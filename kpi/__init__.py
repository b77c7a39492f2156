"""The KPI dashboard's library: everything that is not drawing a page.

Layers, each importing only the ones before it: the shared vocabulary at this level
(``vocabulary``, ``years``, ``periods``, ``formatting``, ``problems``) < ``store`` < ``engine`` < ``files``
< ``report`` < ``app`` (the only layer that knows Streamlit) < ``cli``.
"""
