"""Knowledge base: legal texts → article corpus → hybrid index → retrieval.

Imports neither Rasa nor FastAPI. Data flows one way: sources → corpus → index →
retrieval; the assistant, channels and staff tools sit on top.
"""
