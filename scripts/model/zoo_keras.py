"""The Keras part of the import zoo: which models, built with Keras 3 (`keras`) or Keras 2 (`tf_keras`).

Each entry: name, input width, layers (as (class, kwargs)), compiled or not, and the formats to save:
"keras" (.keras), "h5" (legacy HDF5), "tfjs" (real tensorflowjs_converter output), "fixture"
(converter output under fixtures/keras/<name>, the files the CLI and end-to-end tests use).
"""

KERAS3_ZOO = [
    # The CLI / e2e fixtures: compiled, so the converter writes optimizer variables too.
    {"name": "simple_rnn", "width": 1, "compiled": True, "formats": ["fixture"],
     "layers": [("SimpleRNN", {"units": 32, "return_sequences": True}), ("SimpleRNN", {"units": 32}), ("Dense", {"units": 1})]},
    {"name": "lstm", "width": 1, "compiled": True, "formats": ["fixture"],
     "layers": [("LSTM", {"units": 16, "return_sequences": True}), ("Dropout", {"rate": 0.1}), ("LSTM", {"units": 16}), ("Dense", {"units": 1})]},
    {"name": "gru", "width": 1, "compiled": True, "formats": ["fixture"],
     "layers": [("GRU", {"units": 16, "return_sequences": True}), ("GRU", {"units": 16}), ("Dense", {"units": 1})]},
    # The zoo.
    {"name": "k3_simple", "width": 2, "formats": ["keras", "tfjs"],
     "layers": [("SimpleRNN", {"units": 8}), ("Dense", {"units": 2})]},
    {"name": "k3_lstm_stack", "width": 2, "compiled": True, "formats": ["keras", "h5", "tfjs"],
     "layers": [("LSTM", {"units": 8, "return_sequences": True}), ("LSTM", {"units": 6}), ("Dense", {"units": 2})]},
    {"name": "k3_gru_custom_names", "width": 3, "compiled": True, "model_name": "sensor_model", "formats": ["keras", "tfjs"],
     "layers": [("GRU", {"units": 6, "name": "encoder"}), ("Dense", {"units": 2, "name": "forecast"})]},
    {"name": "k3_gru_reset_before", "width": 2, "formats": ["keras", "h5"],
     "layers": [("GRU", {"units": 6, "reset_after": False, "return_sequences": True}), ("GRU", {"units": 5, "reset_after": False}), ("Dense", {"units": 1})]},
    {"name": "k3_mixed_simple_lstm", "width": 2, "compiled": True, "formats": ["keras", "h5", "tfjs"],
     "layers": [("SimpleRNN", {"units": 6, "return_sequences": True}), ("LSTM", {"units": 5}), ("Dense", {"units": 2})]},
    {"name": "k3_mixed_3_layers", "width": 3, "formats": ["keras", "tfjs"],
     "layers": [("GRU", {"units": 5, "return_sequences": True}), ("SimpleRNN", {"units": 4, "activation": "relu", "return_sequences": True}),
                ("LSTM", {"units": 4, "recurrent_activation": "hard_sigmoid"}), ("Dense", {"units": 2})]},
    {"name": "k3_lstm_hard_sigmoid_no_bias", "width": 2, "formats": ["keras"],
     "layers": [("LSTM", {"units": 6, "recurrent_activation": "hard_sigmoid", "use_bias": False}), ("Dense", {"units": 1})]},
    {"name": "k3_dropout", "width": 2, "compiled": True, "formats": ["keras", "tfjs"],
     "layers": [("LSTM", {"units": 6, "dropout": 0.2, "recurrent_dropout": 0.2, "return_sequences": True}), ("Dropout", {"rate": 0.3}),
                ("GRU", {"units": 4, "dropout": 0.1}), ("Dense", {"units": 2})]},
    {"name": "k3_simple_relu", "width": 2, "formats": ["h5"],
     "layers": [("SimpleRNN", {"units": 6, "activation": "relu"}), ("Dense", {"units": 2, "activation": "tanh"})]},
]

KERAS2_ZOO = [
    {"name": "k2_lstm_stack", "width": 2, "compiled": True, "formats": ["h5", "tfjs"],
     "layers": [("LSTM", {"units": 6, "return_sequences": True}), ("LSTM", {"units": 4}), ("Dense", {"units": 2})]},
    {"name": "k2_gru_reset_before_hard_sigmoid", "width": 2, "formats": ["h5", "tfjs"],
     "layers": [("GRU", {"units": 5, "reset_after": False, "recurrent_activation": "hard_sigmoid"}), ("Dense", {"units": 1})]},
    {"name": "k2_mixed_custom_names", "width": 2, "compiled": True, "formats": ["h5", "tfjs"],
     "layers": [("SimpleRNN", {"units": 5, "return_sequences": True, "name": "smooth"}), ("GRU", {"units": 4, "name": "memory"}),
                ("Dense", {"units": 2, "name": "out"})]},
]


def _sequential(keras, entry):
    layers = [getattr(keras.layers, cls)(**kwargs) for cls, kwargs in entry["layers"]]
    kwargs = {"name": entry["model_name"]} if "model_name" in entry else {}
    return keras.Sequential([keras.Input(shape=(None, entry["width"]))] + layers, **kwargs)


def build_keras3(entry):
    import keras

    return _sequential(keras, entry)


def build_keras2(entry):
    import tf_keras

    return _sequential(tf_keras, entry)
