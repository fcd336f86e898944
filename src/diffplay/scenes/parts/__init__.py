"""The parts scenes are built from: data sets, kinematic trees, oscillators, particle physics,
L-system grammar, pictures, sound files, sketches and the expression language. None is a scene."""
