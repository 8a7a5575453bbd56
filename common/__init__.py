"""What every process of ours shares: the one settings module and the construction of the knowledge
services (knowledge base, embedder, retriever). Imported by ``actions/`` (the action server) and
``bot/`` (the public service and the command line); imports neither Rasa nor FastAPI."""
