"""The database: models, engine and migrations, the read queries and the one write paths for
readings and for task reports (``tasks``), approvals, accounts and their rights, backups and the demo data.

Imports only the shared vocabulary at the package root; knows nothing of files, reports or Streamlit.
"""
