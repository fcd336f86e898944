import json
import subprocess
import sys

from diffplay import Value, optim
from diffplay.nn import MLP


def test_mlp_has_micrograds_parameter_count():
    assert len(MLP(3, [4, 4, 1]).parameters()) == (3 + 1) * 4 + (4 + 1) * 4 + (4 + 1) * 1


def test_mlp_learns_xor():
    model = MLP(2, [8, 1], activation="tanh", seed=1)
    data = [([0.0, 0.0], -1.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([1.0, 1.0], -1.0)]
    opt = optim.Adam(model.parameters(), lr=0.05)
    for _ in range(300):
        loss = sum(((model(x) - y) ** 2 for x, y in data), Value(0.0))
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert all((model(x).data > 0) == (y > 0) for x, y in data)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "diffplay.cli", *args], capture_output=True, text=True, timeout=120)


def test_demo_command_lowers_the_loss():
    done = run_cli("demo", "--steps", "60", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["loss_last"] < summary["loss_first"] / 5


def test_bad_flag_value_exits_2_with_a_message():
    done = run_cli("demo", "--steps", "0")
    assert done.returncode == 2 and done.stderr.strip() == "diffplay: --steps: must be a positive integer, got 0"
    assert "Traceback" not in done.stderr
