"""The doors citizens come through: the web chat widget and the WeChat Official Account."""
