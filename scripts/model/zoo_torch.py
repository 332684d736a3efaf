"""The PyTorch part of the import zoo: nn.LSTM / nn.GRU / nn.RNN with an nn.Linear head, saved as a
user does in one line: `save_file(model.state_dict(), "model.safetensors")` (safetensors.torch).
What the state dict cannot say (nn.RNN's nonlinearity, a head activation) goes into the file's
metadata under "streamcell", as JSON."""
import json

import numpy as np

TORCH_ZOO = [
    {"name": "pt_lstm_1", "width": 2, "cell": "LSTM", "hidden": 6, "layers": 1, "out": 2},
    {"name": "pt_lstm_2_dropout", "width": 3, "cell": "LSTM", "hidden": 5, "layers": 2, "out": 1, "dropout": 0.2},
    {"name": "pt_gru_1", "width": 2, "cell": "GRU", "hidden": 6, "layers": 1, "out": 2},
    {"name": "pt_gru_2_no_bias", "width": 2, "cell": "GRU", "hidden": 4, "layers": 2, "out": 2, "bias": False},
    {"name": "pt_rnn_1_tanh", "width": 2, "cell": "RNN", "hidden": 6, "layers": 1, "out": 2},
    {"name": "pt_rnn_2_relu", "width": 2, "cell": "RNN", "hidden": 5, "layers": 2, "out": 1, "nonlinearity": "relu"},
]


def save_torch(entry, x: np.ndarray, path: str):
    """Builds the model, randomises it (biases included), saves it and returns the streamed outputs
    [n, steps, out]: the head applied to the RNN's output at every step, which is what the model
    predicts after each prefix."""
    import torch
    from safetensors.torch import save_file

    class Forecaster(torch.nn.Module):
        def __init__(self):
            super().__init__()
            kwargs = {"num_layers": entry["layers"], "batch_first": True, "bias": entry.get("bias", True), "dropout": entry.get("dropout", 0.0)}
            if entry["cell"] == "RNN":
                kwargs["nonlinearity"] = entry.get("nonlinearity", "tanh")
            self.rnn = getattr(torch.nn, entry["cell"])(entry["width"], entry["hidden"], **kwargs)
            self.head = torch.nn.Linear(entry["hidden"], entry["out"])

        def forward(self, seq):
            out, _ = self.rnn(seq)
            return self.head(out)

    model = Forecaster()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn_like(p) * 0.5)
    model.eval()
    with torch.no_grad():
        y = model(torch.from_numpy(x)).numpy()
    metadata = {}
    if "nonlinearity" in entry:
        metadata["streamcell"] = json.dumps({"nonlinearity": entry["nonlinearity"]})
    save_file(model.state_dict(), path, metadata=metadata or None)
    return y, {"torchModule": f"nn.{entry['cell']}({entry['width']}, {entry['hidden']}, num_layers={entry['layers']}) + nn.Linear"}
