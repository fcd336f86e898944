"""Learn: chapters that teach microgpt and autograd with the engine's own numbers, live."""
