"""Custom actions for the Rasa action server (rasa-sdk, Python 3.11).

The action server imports every module here at start-up, so nothing heavy happens
at import time: the knowledge base, model and index load once, on first use
(or in ``actions.server`` before the server starts accepting requests).
"""
