"""The engine: the op table, `Value`, the backward pass, and the errors they raise."""
