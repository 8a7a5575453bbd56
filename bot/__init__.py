"""The public service: settings, FastAPI app, staff pages, process runner and CLI."""
