"""One module per factor family; each function takes the shared `Inputs` and returns a Factor."""
