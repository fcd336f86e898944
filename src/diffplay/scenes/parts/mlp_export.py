"""A trained TensorMLP written out to run without diffplay: as JSON, and as a Python script
whose `predict` needs NumPy alone and whose `torch_model()` builds the same network in PyTorch.
"""

import json

import numpy as np

# The hidden layers' activation in NumPy and in torch.nn, as the script spells them.
NUMPY_ACTIVATIONS = {"tanh": "np.tanh(h)", "relu": "np.maximum(h, 0.0)", "sigmoid": "1.0 / (1.0 + np.exp(-h))",
                     "linear": "h"}
TORCH_ACTIVATIONS = {"tanh": "nn.Tanh()", "relu": "nn.ReLU()", "sigmoid": "nn.Sigmoid()", "linear": "nn.Identity()"}


def mlp_json(model, about):
    """The network as JSON: `about` (what it was trained for), the activation, the layers' weights
    (out × in, as torch.nn.Linear's) and biases, exactly (a float64 round-trips through repr)."""
    layers = [{"weight": layer.weight.data.tolist(), "bias": layer.bias.data.tolist()} for layer in model.linears]
    return json.dumps({**about, "activation": model.activation, "layers": layers}, indent=1) + "\n"


def mlp_script(model, about):
    """A standalone Python script holding the network: predict(xy) -> class probabilities."""
    layers = [(layer.weight.data.tolist(), layer.bias.data.tolist()) for layer in model.linears]
    lines = [
        f'"""{about["title"]}: the trained network, standalone.',
        "",
        "    python this.py            prints the classes of a few points",
        "    predict(xy)               class probabilities for points xy (n, 2), with NumPy",
        "    torch_model()             the same network as a torch.nn.Sequential (float64), if torch is installed",
        "",
        f"Written by diffplay: {json.dumps({k: v for k, v in about.items() if k != 'title'})}",
        '"""',
        "import numpy as np",
        "",
        f"LAYERS = {layers!r}",
        "",
        "",
        "def predict(xy):",
        '    """Class probabilities (n, classes) for points xy (n, 2)."""',
        "    h = np.asarray(xy, float)",
        "    for i, (w, b) in enumerate(LAYERS):",
        "        h = h @ np.asarray(w).T + np.asarray(b)",
        "        if i < len(LAYERS) - 1:",
        f"            h = {NUMPY_ACTIVATIONS[model.activation]}",
        "    h = np.exp(h - h.max(1, keepdims=True))",
        "    return h / h.sum(1, keepdims=True)",
        "",
        "",
        "def torch_model():",
        '    """The network as torch.nn.Sequential in float64, ending in logits (softmax them for probabilities)."""',
        "    import torch",
        "    from torch import nn",
        "",
        "    modules = []",
        "    for i, (w, b) in enumerate(LAYERS):",
        "        linear = nn.Linear(len(w[0]), len(w), dtype=torch.float64)",
        "        with torch.no_grad():",
        "            linear.weight.copy_(torch.tensor(w, dtype=torch.float64))",
        "            linear.bias.copy_(torch.tensor(b, dtype=torch.float64))",
        "        modules.append(linear)",
        "        if i < len(LAYERS) - 1:",
        f"            modules.append({TORCH_ACTIVATIONS[model.activation]})",
        "    return nn.Sequential(*modules)",
        "",
        "",
        'if __name__ == "__main__":',
        "    points = np.array([[0.0, 0.0], [3.0, 3.0], [-4.0, 2.0]])",
        "    for point, p in zip(points.tolist(), predict(points)):",
        '        print(point, "class", int(p.argmax()), "p", round(float(p.max()), 4))',
        "",
    ]
    return "\n".join(lines)
