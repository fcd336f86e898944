"""Optimizer state in PyTorch's layout, and the moves between it and diffplay's slots.

`state_dict()` gives {"state": {index: {...}}, "param_groups": [{settings, "params": [indices]}]}:
one entry per parameter that has state, keyed by the parameter's place in the list the
optimizer was given, and one group with the settings. A slot keeps the state of all its
parameters as one array (slots.py); split_state cuts it per parameter, join_state puts it back,
so grouping stays a detail of speed that a state_dict never shows.
"""

import math

import numpy as np

from .flat import Flat

# PyTorch settings that choose how to compute, never what: any value gives the same numbers.
TORCH_HOW = frozenset({"foreach", "fused", "capturable", "differentiable"})


def split_state(state, layout):
    """A slot's state as one state per parameter, Flat `layout` giving their shapes: arrays cut
    (as copies), a count (a step) repeated."""
    cut = {key: layout.split(np.ravel(value)) for key, value in state.items() if isinstance(value, np.ndarray)}
    return [{key: cut[key][i].copy() if key in cut else value for key, value in state.items()}
            for i in range(len(layout.shapes))]


def join_state(states, shape):
    """split_state's inverse: the parameters' states as one, its arrays end to end in `shape`;
    None when they cannot be one (some have state and some not, or their counts differ)."""
    first = states[0]
    if any(state.keys() != first.keys() for state in states):
        return None
    joined = {}
    for key, value in first.items():
        if isinstance(value, np.ndarray):
            joined[key] = np.concatenate([np.ravel(state[key]) for state in states]).reshape(shape)
        elif all(state[key] == value for state in states):
            joined[key] = value
        else:
            return None
    return joined


def regrouped(state_dict, shapes):
    """The state_dict of an optimizer over the same numbers cut into parameters of these shapes,
    in order (the Value GPT's scalars as the Tensor GPT's matrices, and back); every parameter
    must have state with one step count, or none may."""
    group = state_dict["param_groups"][0]
    whole = join_state([state_dict["state"].get(i, {}) for i in group["params"]], (-1,))
    if whole is None:
        raise ValueError("regrouped: the parameters' states differ in what they hold or in their step")
    layout = Flat(shapes)
    state = dict(enumerate(split_state(whole, layout))) if whole else {}
    return {"state": state, "param_groups": [{**group, "params": list(range(len(layout.shapes)))}]}


def unpacked(state_dict, count, who):
    """(the group, each parameter's state in order, {} where it has none) of a state_dict for
    `count` parameters in one group; parameters are matched by their order in the group's
    "params", as PyTorch matches them."""
    if not (isinstance(state_dict, dict) and isinstance(state_dict.get("state"), dict)
            and isinstance(state_dict.get("param_groups"), list)):
        raise ValueError(f"{who}: expected a dict with 'state' and 'param_groups', as state_dict() gives")
    groups = state_dict["param_groups"]
    if len(groups) != 1 or not isinstance(groups[0], dict):
        raise ValueError(f"{who}: expected one parameter group, got {len(groups)}")
    ids = list(groups[0].get("params", ()))
    if len(ids) != count or len(set(ids)) != count:
        raise ValueError(f"{who}: the group's 'params' must be {count} distinct indices, one per parameter "
                         f"of this optimizer, got {len(ids)}")
    strays = [key for key in state_dict["state"] if key not in ids]
    if strays:
        raise ValueError(f"{who}: 'state' has an entry for {strays[0]!r}, which the group's 'params' lack")
    return groups[0], [state_dict["state"].get(i, {}) for i in ids]


def loaded_settings(group, names, fixed, who):
    """The settings `names` from a loaded group. A PyTorch setting diffplay lacks is accepted at
    the value (`fixed`) where PyTorch computes what diffplay does, or when it only says how."""
    for key, value in group.items():
        if key == "params" or key in names or key in TORCH_HOW:
            continue
        if key not in fixed:
            raise ValueError(f"{who}: param_groups[0][{key!r}] is not a setting of this optimizer")
        if value != fixed[key]:
            raise ValueError(f"{who}: param_groups[0][{key!r}] is {value!r}; only {fixed[key]!r} is supported here")
    missing = [name for name in names if name not in group]
    if missing:
        raise ValueError(f"{who}: param_groups[0] has no {missing[0]!r}")
    return {name: group[name] for name in names}


def checked_entry(entry, keys, shape, dtype, where):
    """One parameter's loaded state: all of `keys` or nothing; "step" a whole count, the rest
    finite arrays of the parameter's shape, copied as its dtype."""
    if not isinstance(entry, dict) or entry and set(entry) != set(keys):
        held = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        raise ValueError(f"{where} holds {held}; expected {list(keys)} (or nothing, before its first step)")
    return {key: checked_count(value, f"{where}[{key!r}]") if key == "step"
            else checked_array(value, shape, dtype, f"{where}[{key!r}]") for key, value in entry.items()}


def checked_count(value, where):
    """A whole number >= 0 as an int; PyTorch keeps steps as float tensors."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = math.nan
    if isinstance(value, bool) or not (math.isfinite(x) and x >= 0 and x.is_integer()):
        raise ValueError(f"{where} must be a whole number >= 0, got {value!r}")
    return int(x)


def checked_array(value, shape, dtype, where):
    """value (an array, a nested list, a PyTorch tensor) as a new finite array of this shape and dtype."""
    try:
        array = np.array(value, dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{where} must be numbers, got {type(value).__name__}") from None
    if array.shape != tuple(shape):
        raise ValueError(f"{where} has shape {array.shape}, its parameter {tuple(shape)}")
    if not np.isfinite(array).all():
        raise ValueError(f"{where} has a number that is not finite")
    return array


def check_keys(table, keys, who):
    """Refuse a table (a loaded state_dict) without exactly these keys."""
    if not isinstance(table, dict) or set(table) != set(keys):
        held = sorted(table) if isinstance(table, dict) else type(table).__name__
        raise ValueError(f"{who}: expected the keys {list(keys)}, got {held}")
