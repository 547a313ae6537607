"""Servelo's development tools: the embedded dev stack (`make run`) and the pytest plugin."""
