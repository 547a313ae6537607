"""`servelo`: the operator's command line for a Servelo platform."""
